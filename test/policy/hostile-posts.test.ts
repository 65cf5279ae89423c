import path from 'node:path'
import {writeFileSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'
import {resolveFacts} from '../../src/domain/playbook/facts.js'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import type {Playbook} from '../../src/domain/playbook/model.js'
import {configuredCredentials} from '../../src/services/policy/configured-credentials.js'
import {checkPost, POLICY_RULES} from '../../src/services/policy/rules.js'
import {previewPhase} from '../../src/services/publish/preview.js'
import {publishUpdate, type Approver} from '../../src/services/publish/publish.js'
import {renderPhase} from '../../src/services/render/render-phase.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {tempDir, writePlaybook} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const NOW = new Date('2026-11-25T14:00:00Z')
const bare = {policy: {forbid: [], internalHosts: []}}
const rules = (text: string, ctx: Parameters<typeof checkPost>[1] = {playbook: bare}) =>
  checkPost(text, ctx).map((v) => [v.rule, v.match])

function playbookWith(top: string, statusDefault = 'https://status.acme.com'): Playbook {
  const {playbook: file} = writePlaybook(
    `name: p
${top}
facts:
  service: { required: true }
  impact: { required: true }
  status_url: { default: "${statusDefault}" }
channels:
  x: { type: x }
phases:
  investigating:
    posts:
      x: { text: "{{service}}: {{impact}}. Follow {{status_url}}" }
`,
    'p.yaml',
  )
  const {playbook, problems} = loadPlaybook(file)
  expect(problems).toEqual([])
  return playbook!
}

describe('the post policy is not fooled', () => {
  it('invisible format characters do not hide an address, a host or a key', () => {
    expect(rules('db at 10.0.0\u200d.1')).toEqual([['private-ip', '10.0.0.1']])
    expect(rules('db at 10.0.0.\u00ad1')).toEqual([['private-ip', '10.0.0.1']])
    expect(rules('db1.co\u200drp is down')).toEqual([['internal-host', 'db1.corp']])
    expect(checkPost('key AKIA\u200dIOSFODNN7EXAMPLE', {playbook: bare}).map((v) => v.message)).toEqual([
      '"AKIA… (20 characters)" looks like a cloud access key (AWS)',
    ])
  })

  it('the post keeps what was approved: only matching ignores format characters', () => {
    const p = playbookWith('')
    const r = renderPhase(p, 'investigating', resolveFacts(p, {service: 'Acme', impact: 'ZWJ\u200dkept'}), {now: NOW})
    expect(r.posts[0].parts[0].text).toContain('ZWJ\u200dkept')
    expect(r.posts[0].errors).toEqual([])
  })

  it('other spellings of private addresses', () => {
    expect(rules('see http://167772161/ now')).toEqual([['private-ip', '167772161']])
    expect(rules('host 0x0a.0.0.1')).toEqual([['private-ip', '0x0a.0.0.1']])
    expect(rules('see http://[::ffff:a00:1]/')).toEqual([['private-ip', '::ffff:a00:1']])
    expect(rules('site-local fec0::1 and ULA fd00::1')).toEqual([
      ['private-ip', 'fec0::1'],
      ['private-ip', 'fd00::1'],
    ])
    expect(rules('node ip192.168.1.1 and ip-10-0-0-1.ec2')).toEqual([
      ['private-ip', '192.168.1.1'],
      ['private-ip', 'ip-10-0-0-1'],
    ])
    expect(checkPost('see http://167772161/', {playbook: bare})[0].message).toBe(
      '"167772161" is a private network address (10.0.0.1)',
    )
  })

  it('an internal URL that comes in as a fact is blocked; hosts the playbook declares public pass', () => {
    const p = playbookWith('internal_hosts: [corp.acme.com]')
    const r = renderPhase(
      p,
      'investigating',
      resolveFacts(p, {service: 'Acme', impact: 'Calls fail', status_url: 'https://grafana.corp.acme.com/d/123'}),
      {now: NOW},
    )
    expect(r.posts[0].errors).toEqual([
      expect.stringContaining(
        'x: policy rule "internal-host": "grafana.corp.acme.com" is an internal host name (internal_hosts: corp.acme.com)',
      ),
    ])

    // The status page on a listed domain: public because the playbook says so (its fact default, or public_hosts).
    const byDefault = playbookWith('internal_hosts: [acme.com]')
    expect(
      renderPhase(byDefault, 'investigating', resolveFacts(byDefault, {service: 'Acme', impact: 'Calls fail'}), {
        now: NOW,
      }).posts[0].errors,
    ).toEqual([])
    const declared = playbookWith('internal_hosts: [acme.com]\npublic_hosts: [status.acme.com]', 'https://example.com')
    expect(
      renderPhase(
        declared,
        'investigating',
        resolveFacts(declared, {service: 'Acme', impact: 'Calls fail', status_url: 'https://status.acme.com/x'}),
        {now: NOW},
      ).posts[0].errors,
    ).toEqual([])
  })

  it('token formats: Discord webhooks, passwords in URLs, GitLab, OpenAI and Slack app tokens', () => {
    const hits = checkPost(
      [
        'https://discord.com/api/webhooks/1180000000000000000/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOpQrStUvWxYz01',
        'https://admin:hunter2secret@db.example.com/app',
        'glpat-AbCdEfGhIjKlMnOpQrSt',
        'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
        'xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef',
      ].join(' '),
      {playbook: bare},
    )
    expect(hits.map((h) => [h.rule, h.message.replace(/^"[^"]*" /, '')])).toEqual([
      ['secret', 'looks like a Slack app-level token'],
      ['secret', 'looks like a Discord webhook URL'],
      ['secret', 'looks like a GitLab token'],
      ['secret', 'looks like an OpenAI API key'],
      ['secret', 'looks like a URL with a password in it'],
    ])
    expect(JSON.stringify(hits)).not.toMatch(/hunter2|AbCdEfGhIjKlMnOpQrSt/)
  })

  it('clean posts still pass: status URLs, public hosts, versions, times, mail addresses, ordinary words', () => {
    expect(
      rules(
        "We're sorry: Acme Voice calls fail in the EU since 14:30:00 UTC. Fixed in v10.0.0.1 (version 0.01, build 2026.11.25). Follow https://status.acme.com/incidents/1, write to support@acme.com or https://user@example.com; 8.8.8.8 and 2001:db8::1 are fine. Item 010 of 120.",
      ),
    ).toEqual([])
  })
})

describe('a post containing a configured credential', () => {
  const fakes: FakeX[] = []
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()))
  })

  it('is a policy error, masked, that --allow cannot override (preview)', () => {
    const p = playbookWith('')
    const env = xEnv('X')
    const facts = resolveFacts(p, {service: 'Acme', impact: `token ${X_CREDENTIALS.accessToken} leaked`})
    const r = renderPhase(p, 'investigating', facts, {
      now: NOW,
      credentials: configuredCredentials(env),
      allow: [...POLICY_RULES],
    })
    expect(r.posts[0].errors).toEqual([
      'x: policy rule "credential": the post contains the value of CANDOR_X_ACCESS_TOKEN (shown here as ••••), a credential Candor was given; it must never be posted; remove it from the facts or the template (no --allow overrides this)',
    ])
    expect(r.posts[0].violations).toEqual([
      expect.objectContaining({rule: 'credential', allowed: false, match: 'CANDOR_X_ACCESS_TOKEN (••••)'}),
    ])
    expect(JSON.stringify(r.posts[0].errors)).not.toContain(X_CREDENTIALS.accessToken)
    // hidden with a format character, or URL-encoded, it is found all the same
    const hidden = resolveFacts(p, {
      service: 'Acme',
      impact: `${X_CREDENTIALS.appSecret.slice(0, 5)}\u200b${X_CREDENTIALS.appSecret.slice(5)}`,
    })
    expect(
      renderPhase(p, 'investigating', hidden, {now: NOW, credentials: configuredCredentials(env)}).posts[0].errors,
    ).toEqual([expect.stringContaining('CANDOR_X_APP_SECRET')])

    const file = path.join(tempDir(), 'p.yaml')
    writeFileSync(
      file,
      `name: p\nfacts:\n  impact: { required: true }\nchannels:\n  x: { type: x }\nphases:\n  investigating:\n    posts:\n      x: { text: "{{impact}}" }\n`,
    )
    const preview = previewPhase({
      playbook: file,
      phase: 'investigating',
      sets: [`impact=see ${X_CREDENTIALS.appKey}`],
      env,
      allow: [...POLICY_RULES],
    })
    expect(preview.blocked).toBe(true)
    expect(preview.posts[0].errors).toEqual([expect.stringContaining('CANDOR_X_APP_KEY')])
  })

  it('the password inside a credential URL counts, public identifiers and endpoints do not', () => {
    const given = configuredCredentials({
      CANDOR_EMAIL_SMTP_URL: 'smtp://status%40acme.com:p%40ssw0rd-long@smtp.acme.com:587',
      CANDOR_BLUESKY_IDENTIFIER: 'acme.bsky.social',
      CANDOR_X_API_URL: 'https://proxy.acme.com',
      CANDOR_MASTODON_INSTANCE: 'https://mastodon.social',
      CANDOR_STATE_DIR: '/var/lib/candor-state',
      CANDOR_X_APP_KEY: 'short',
    })
    expect(given.map((c) => [c.name, c.value])).toEqual([
      ['CANDOR_EMAIL_SMTP_URL', 'smtp://status%40acme.com:p%40ssw0rd-long@smtp.acme.com:587'],
      ['the password in CANDOR_EMAIL_SMTP_URL', 'p@ssw0rd-long'],
    ])
  })

  it('blocks publishing, even with every --allow, sending and journaling nothing; an approved edit is checked too', async () => {
    const dir = tempDir()
    const fake = await startFakeX({credentials: X_CREDENTIALS})
    fakes.push(fake)
    const playbook = writeXPlaybook(dir, {x: fake})
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const incident = await openIncident(store, {
      playbook,
      facts: {service: 'Acme Voice', impact: 'Calls fail'},
      actor: 'alice',
    })
    const deps = {store, actor: 'alice', env: xEnv('X'), reporter: {progress() {}}, backoffMs: 5, timeoutMs: 2000}
    const leak = {impact: `oops ${X_CREDENTIALS.accessSecret}`}
    const refused = publishUpdate(
      {
        incident: incident.id,
        phase: 'investigating',
        facts: leak,
        yes: true,
        interactive: false,
        allow: [...POLICY_RULES],
      },
      deps,
    )
    await expect(refused).rejects.toMatchObject({
      code: 'preflight_failed',
      message: expect.stringContaining(
        'policy rule "credential": the post contains the value of CANDOR_X_ACCESS_SECRET',
      ),
    })
    await expect(refused).rejects.not.toMatchObject({message: expect.stringContaining(X_CREDENTIALS.accessSecret)})

    // An edit at the approval prompt is checked like a rendered post before anything is journaled or sent.
    const editing: Approver = {
      approve: async (req) => ({
        action: 'publish',
        channels: ['x'],
        posts: req.posts.map((p) => ({...req.revise(p.channel, `Edited: ${X_CREDENTIALS.appSecret}`), edited: true})),
      }),
    }
    const edited = publishUpdate(
      {incident: incident.id, phase: 'investigating', facts: {}, interactive: true, approver: editing},
      deps,
    )
    await expect(edited).rejects.toMatchObject({message: expect.stringContaining('CANDOR_X_APP_SECRET')})
    await expect(edited).rejects.not.toMatchObject({message: expect.stringContaining(X_CREDENTIALS.appSecret)})
    expect(fake.requests).toHaveLength(0)
    expect((await store.read(incident.id)).events.map((e) => e.type)).toEqual(['opened'])
    // Text an approver hands back without revise() never replaces what was rendered.
    const sneaky: Approver = {
      approve: async (req) => ({
        action: 'publish',
        channels: ['x'],
        posts: req.posts.map((p) => ({...p, parts: [{...p.parts[0], text: `Edited: ${X_CREDENTIALS.appSecret}`}]})),
      }),
    }
    await publishUpdate(
      {incident: incident.id, phase: 'investigating', facts: {}, interactive: true, approver: sneaky},
      deps,
    )
    expect(fake.requests.map((r) => JSON.stringify(r)).join('\n')).not.toContain(X_CREDENTIALS.appSecret)
    expect(fake.tweets.map((t) => t.text)).not.toContainEqual(expect.stringContaining('Edited'))
  })
})

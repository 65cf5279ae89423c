import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {CandorError} from '../../src/domain/errors.js'
import {resolveFacts} from '../../src/domain/playbook/facts.js'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import type {Playbook} from '../../src/domain/playbook/model.js'
import {checkPost, POLICY_RULES} from '../../src/services/policy/rules.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {renderPhase} from '../../src/services/render/render-phase.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {ROOT, runCli, tempDir, writePlaybook} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const NOW = new Date('2026-11-25T14:00:00Z')
const policy = {forbid: [], internalHosts: []}
const bare = {policy}
const rules = (text: string, ctx: Parameters<typeof checkPost>[1] = {playbook: bare}) =>
  checkPost(text, ctx).map((v) => [v.rule, v.match])

function playbookWith(extra: string): Playbook {
  const {playbook: file} = writePlaybook(
    `name: p
${extra}
facts:
  service: { required: true }
  impact: { required: true }
  status_url: { default: "https://status.acme.example" }
channels:
  x: { type: x }
  page: { type: facebook, page_id: "1", link: "{{status_url}}" }
phases:
  investigating:
    next_update: 20m
    posts:
      x: { text: "{{service}}: {{impact}}. {{status_url}}" }
      page: { text: "{{service}}: {{impact}}." }
`,
    'p.yaml',
  )
  const {playbook, problems} = loadPlaybook(file)
  expect(problems).toEqual([])
  return playbook!
}

describe('policy rules', () => {
  it('private-ip: private, loopback, link-local and CGNAT IPv4; loopback, ULA and link-local IPv6', () => {
    expect(rules('See 10.0.0.12, 172.16.4.1:8080 and 192.168.1.1.')).toEqual([
      ['private-ip', '10.0.0.12'],
      ['private-ip', '172.16.4.1'],
      ['private-ip', '192.168.1.1'],
    ])
    expect(rules('127.0.0.1 169.254.169.254 100.64.0.1')).toEqual([
      ['private-ip', '127.0.0.1'],
      ['private-ip', '169.254.169.254'],
      ['private-ip', '100.64.0.1'],
    ])
    expect(rules('[::1] fd12:3456:789a::1 fe80::1ff:fe23:4567:890a')).toEqual([
      ['private-ip', '::1'],
      ['private-ip', 'fd12:3456:789a::1'],
      ['private-ip', 'fe80::1ff:fe23:4567:890a'],
    ])
    expect(checkPost('x 10.0.0.12', {playbook: bare})[0].message).toBe('"10.0.0.12" is a private network address')
  })

  it('private-ip: public addresses, times, versions and dates are fine', () => {
    expect(
      rules(
        'Our API at 8.8.8.8 and 2001:db8::1; back at 14:30:00; app v10.0.0.1; on 10.11.2026; 300.1.1.1; 172.32.0.1',
      ),
    ).toEqual([])
  })

  it("internal-host: built-in suffixes, localhost, and the playbook's own patterns", () => {
    expect(rules('db1.corp, https://grafana.internal/d/1, ops@mail.acme.local, nas.lan and localhost:3000')).toEqual([
      ['internal-host', 'db1.corp'],
      ['internal-host', 'grafana.internal'],
      ['internal-host', 'mail.acme.local'],
      ['internal-host', 'nas.lan'],
      ['internal-host', 'localhost'],
    ])
    const own = {policy: {forbid: [], internalHosts: ['.corp.acme.example', 'db-primary', '*.ops.acme.example']}}
    expect(rules('pg.corp.acme.example, db-primary and a.ops.acme.example', {playbook: own})).toEqual([
      ['internal-host', 'pg.corp.acme.example'],
      ['internal-host', 'db-primary'],
      ['internal-host', 'a.ops.acme.example'],
    ])
  })

  it('internal-host: words, public hosts and hosts the playbook declares public are fine', () => {
    expect(rules('Our local team, the internal review, Node.js and https://status.acme.example')).toEqual([])
    // The status page lives on a domain the playbook lists as internal: declared public by the playbook, it may be posted.
    const own = {policy: {forbid: [], internalHosts: ['acme.example'], publicHosts: ['status.acme.example']}}
    expect(rules('Follow https://status.acme.example', {playbook: own})).toEqual([])
    // A fact never makes a host public, however it is given.
    const listed = {policy: {forbid: [], internalHosts: ['acme.example']}}
    expect(
      rules('Follow https://status.acme.example', {
        playbook: listed,
        facts: {status_url: 'https://status.acme.example'},
      }),
    ).toEqual([['internal-host', 'status.acme.example']])
    // A built-in internal name is never public, fact or not.
    expect(rules('see http://grafana.corp/x', {playbook: bare, facts: {status_url: 'http://grafana.corp/x'}})).toEqual([
      ['internal-host', 'grafana.corp'],
    ])
  })

  it('secret: cloud keys, Slack and GitHub tokens, private keys and JWTs, masked in the message', () => {
    const hits = checkPost(
      [
        'AKIAIOSFODNN7EXAMPLE',
        'xoxb-123456789012-abcdefghijkl',
        `ghp_${'a'.repeat(36)}`,
        '-----BEGIN RSA PRIVATE KEY-----',
        'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      ].join(' '),
      {playbook: bare},
    )
    expect(hits.map((h) => h.rule)).toEqual(['secret', 'secret', 'secret', 'secret', 'secret'])
    expect(hits.map((h) => h.message)).toEqual([
      '"AKIA… (20 characters)" looks like a cloud access key (AWS)',
      '"xoxb… (30 characters)" looks like a Slack token',
      '"ghp_… (40 characters)" looks like a GitHub token',
      '"-----BEGIN RSA PRIVATE KEY-----" looks like a private key',
      '"eyJh… (84 characters)" looks like a JSON Web Token',
    ])
    expect(JSON.stringify(hits)).not.toContain('IOSFODNN7EXAMPLE')
    expect(rules('AKIA is a prefix; ghp_short; xoxb; eyJ alone')).toEqual([])
  })

  it('render-leftover: undefined, null, NaN, [object Object] as words only', () => {
    expect(rules('Affected: undefined. Cause: null. ETA NaN minutes. [object Object] Invalid Date')).toEqual([
      ['render-leftover', 'undefined'],
      ['render-leftover', 'null'],
      ['render-leftover', 'NaN'],
      ['render-leftover', '[object Object]'],
      ['render-leftover', 'Invalid Date'],
    ])
    expect(rules('NaNa, nullable, Null and void, undefinedness, Nan')).toEqual([])
    // "null" is German for zero.
    expect(rules('Ab null Uhr ist alles wieder gut.', {playbook: bare, locale: 'de'})).toEqual([])
    expect(rules('Ab null Uhr.', {playbook: bare, locale: 'de-AT'})).toEqual([])
  })

  it("forbid: the playbook's own patterns, with their message", () => {
    const p = playbookWith(
      'forbid: ["project[- ]falcon", { pattern: "\\\\bdb-\\\\d+\\\\b", message: "no host names" }]',
    )
    expect(checkPost('Project Falcon broke db-7', {playbook: p})).toEqual([
      {
        rule: 'forbid',
        match: 'Project Falcon',
        message: `"Project Falcon" matches the playbook's forbidden pattern /project[- ]falcon/`,
      },
      {rule: 'forbid', match: 'db-7', message: '"db-7" is forbidden: no host names'},
    ])
  })
})

describe('the policy in rendering', () => {
  const examples: Record<(typeof POLICY_RULES)[number], string> = {
    'private-ip': 'The database at 10.0.0.12 is down',
    'internal-host': 'The database db1.corp is down',
    secret: 'Token AKIAIOSFODNN7EXAMPLE leaked',
    'render-leftover': 'Affected: undefined',
    forbid: 'Project Falcon broke',
    placeholder: 'Calls fail, see https://status.example.com/i/42',
  }

  it.each(POLICY_RULES)('%s: a hit is an error naming channel, rule and text; --allow makes it a warning', (rule) => {
    const p = playbookWith('forbid: ["project[- ]falcon"]')
    const facts = resolveFacts(p, {service: 'Acme', impact: examples[rule]})
    const blocked = renderPhase(p, 'investigating', facts, {now: NOW, channels: ['x']})
    const x = blocked.posts[0]
    expect(x.errors).toHaveLength(1)
    expect(x.errors[0]).toMatch(
      new RegExp(`^x: policy rule "${rule}": "[^"]+" .*; leave it out, or pass --allow ${rule} to publish it anyway$`),
    )
    expect(x.violations).toEqual([expect.objectContaining({rule, allowed: false})])

    const allowed = renderPhase(p, 'investigating', facts, {now: NOW, channels: ['x'], allow: [rule]})
    expect(allowed.posts[0].errors).toEqual([])
    expect(allowed.posts[0].warnings).toEqual([
      expect.stringMatching(new RegExp(`^policy rule "${rule}" overridden with --allow: `)),
    ])
    expect(allowed.posts[0].violations).toEqual([expect.objectContaining({rule, allowed: true})])
  })

  it('checks titles and links too, and names an unknown --allow rule', () => {
    const p = playbookWith('')
    const r = renderPhase(
      p,
      'investigating',
      resolveFacts(p, {service: 'Acme', impact: 'fine', status_url: 'http://192.168.0.10/status'}),
      {now: NOW, channels: ['page']},
    )
    expect(r.posts[0].link).toBe('http://192.168.0.10/status')
    expect(r.posts[0].errors).toEqual([expect.stringContaining('page: policy rule "private-ip": "192.168.0.10"')])
    let error: unknown
    try {
      renderPhase(p, 'investigating', resolveFacts(p, {service: 'A', impact: 'B'}), {now: NOW, allow: ['private-ips']})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CandorError)
    expect(error).toMatchObject({
      code: 'unknown_policy_rule',
      message: 'unknown policy rule "private-ips"',
      suggestions: ['Policy rules: private-ip, internal-host, secret, render-leftover, forbid, placeholder'],
    })
  })

  it('leaves clean posts alone', () => {
    const p = playbookWith('')
    const r = renderPhase(p, 'investigating', resolveFacts(p, {service: 'Acme Voice', impact: 'Calls fail in EU'}), {
      now: NOW,
    })
    for (const post of r.posts) expect([post.errors, post.violations]).toEqual([[], []])
  })
})

describe('the policy blocks publishing', () => {
  const fakes: FakeX[] = []
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()))
  })

  it('refuses to publish a post with a hit, sending and recording nothing', async () => {
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
    await expect(
      publishUpdate(
        {
          incident: incident.id,
          phase: 'investigating',
          facts: {impact: 'db1.corp is down'},
          yes: true,
          interactive: false,
        },
        deps,
      ),
    ).rejects.toMatchObject({
      code: 'preflight_failed',
      message: expect.stringContaining('x: policy rule "internal-host": "db1.corp" is an internal host name (.corp)'),
    })
    expect(fake.requests).toHaveLength(0)
    expect((await store.read(incident.id)).events.map((e) => e.type)).toEqual(['opened'])
  })

  it('publish --allow RULE publishes and journals a policy_override event with who gave it', async () => {
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
    const deps = {store, actor: 'Robin Lead', env: xEnv('X'), reporter: {progress() {}}, backoffMs: 5, timeoutMs: 2000}
    const result = await publishUpdate(
      {
        incident: incident.id,
        phase: 'investigating',
        facts: {impact: 'db1.corp is down'},
        yes: true,
        interactive: false,
        allow: ['internal-host'],
      },
      deps,
    )
    expect(result.deliveries[0].status).toBe('published')
    expect(fake.tweets[0].text).toContain('db1.corp is down')
    const override = (await store.read(incident.id)).events.find((e) => e.type === 'policy_override')
    expect(override).toMatchObject({
      by: 'Robin Lead',
      update: 1,
      rules: ['internal-host'],
      hits: [{channel: 'x', rule: 'internal-host', match: 'db1.corp'}],
    })
  })
})

describe('candor preview and the policy', () => {
  const basic = path.join(ROOT, 'test/fixtures/playbooks/basic/basic.yaml')

  it('shows a hit as an error and exits 1; --allow RULE passes', async () => {
    const args = [
      'preview',
      basic,
      '--phase',
      'investigating',
      '--set',
      'service=Acme',
      '--set',
      'impact=see 10.0.0.12',
      '--channel',
      'page',
    ]
    const blocked = await runCli([...args, '--json'])
    expect(blocked.code).toBe(1)
    const post = JSON.parse(blocked.stdout).posts[0]
    expect(post.errors).toEqual([
      'page: policy rule "private-ip": "10.0.0.12" is a private network address; leave it out, or pass --allow private-ip to publish it anyway',
    ])
    expect(post.violations).toEqual([
      {rule: 'private-ip', match: '10.0.0.12', message: '"10.0.0.12" is a private network address', allowed: false},
    ])

    const human = await runCli(args)
    expect(human.code).toBe(1)
    expect(human.stdout).toContain('✗ page: policy rule "private-ip"')

    const allowed = await runCli([...args, '--allow', 'private-ip', '--json'])
    expect(allowed.code).toBe(0)
    expect(JSON.parse(allowed.stdout).posts[0]).toMatchObject({
      errors: [],
      warnings: [expect.stringContaining('overridden with --allow')],
    })

    const unknown = await runCli([...args, '--allow', 'ips'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('private-ip, internal-host, secret, render-leftover, forbid')
  })
})

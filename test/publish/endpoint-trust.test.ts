import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS, type ChannelType} from '../../src/channels/registry.js'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import type {ChannelConfig} from '../../src/domain/playbook/model.js'
import {previewPhase} from '../../src/services/publish/preview.js'
import {createAdapter as createMastodon} from '../../src/channels/mastodon/adapter.js'
import {checkChannels} from '../../src/services/publish/check.js'
import {resolveEndpoint} from '../../src/services/publish/endpoint-trust.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {validatePlaybooks} from '../../src/services/playbook/validate.js'
import {startFakeMastodon, type FakeMastodon} from '../../src/infrastructure/sandbox/fakes/mastodon-api.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {runCli, tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, xEnv} from '../helpers/x-incident.js'

function channel(type: ChannelType, options: Record<string, unknown>, name: string = type): ChannelConfig {
  return {name, type, kind: CHANNEL_KINDS[type], options}
}

const where = (c: ChannelConfig, env: Record<string, string | undefined> = {}) => resolveEndpoint(c, env)?.origin

describe('credentials go only where their owner sent them', () => {
  it("the platform's own hosts, loopback, and the defaults are fine", () => {
    expect(where(channel('x', {}))).toBe('https://api.x.com')
    expect(where(channel('x', {api_url: 'https://api.twitter.com'}))).toBe('https://api.twitter.com')
    expect(where(channel('facebook', {page_id: '1', api_url: 'https://graph.facebook.com/v21.0'}))).toBe(
      'https://graph.facebook.com',
    )
    expect(where(channel('bluesky', {}))).toBe('https://bsky.social')
    expect(where(channel('bluesky', {service: 'https://morel.us-east.host.bsky.network'}))).toBe(
      'https://morel.us-east.host.bsky.network',
    )
    expect(where(channel('statuspage', {page_id: 'p', api_url: 'http://127.0.0.1:4010'}))).toBe('http://127.0.0.1:4010')
    expect(where(channel('mastodon', {instance: 'http://localhost:3000'}))).toBe('http://localhost:3000')
    expect(where(channel('webhook', {url: 'http://[::1]:9000/hook'}))).toBe('http://[::1]:9000')
    expect(resolveEndpoint(channel('markdown', {dir: 'b'}), {})).toBeUndefined()
  })

  it('a host only the playbook names is refused, naming the channel, the host and how to trust it', () => {
    const cases: Array<[ChannelConfig, string]> = [
      [channel('x', {api_url: 'https://collector.evil.example'}), 'CANDOR_X_API_URL'],
      [channel('mastodon', {instance: 'https://evil.example'}), 'CANDOR_MASTODON_INSTANCE'],
      [channel('bluesky', {service: 'https://pds.evil.example'}), 'CANDOR_BLUESKY_SERVICE'],
      [channel('statuspage', {page_id: 'p', api_url: 'https://evil.example'}), 'CANDOR_STATUSPAGE_API_URL'],
      [channel('discord', {api_url: 'https://evil.example'}), 'CANDOR_DISCORD_API_URL'],
      [channel('webhook', {url: 'https://evil.example/hook'}), 'CANDOR_WEBHOOK_URL'],
      [channel('slack', {channel: 'C1', api_url: 'https://evil.example/api'}), 'CANDOR_SLACK_API_URL'],
      [channel('facebook', {page_id: '1', api_url: 'https://evil.example'}), 'CANDOR_FACEBOOK_API_URL'],
    ]
    for (const [c, variable] of cases) {
      let error: unknown
      try {
        resolveEndpoint(c, {})
      } catch (e) {
        error = e
      }
      expect(error, c.type).toMatchObject({
        code: 'endpoint_untrusted',
        message: expect.stringMatching(
          new RegExp(
            `^channel "${c.name}": the playbook's "\\w+" would send its credentials to (pds\\.|collector\\.)?evil\\.example, which only the playbook names`,
          ),
        ),
        suggestions: [expect.stringContaining(`trust it where the credentials are set: ${variable}=`)],
      })
      expect((error as {suggestions: string[]}).suggestions[0]).toContain('CANDOR_TRUSTED_HOSTS')
    }
  })

  it('the environment that holds the credentials can name or trust the endpoint', () => {
    const proxy = channel('x', {api_url: 'https://proxy.acme.com'})
    expect(where(proxy, {CANDOR_X_API_URL: 'https://proxy.acme.com'})).toBe('https://proxy.acme.com')
    expect(where(proxy, {CANDOR_TRUSTED_HOSTS: 'mastodon.acme.com, proxy.acme.com'})).toBe('https://proxy.acme.com')
    expect(where(proxy, {CANDOR_TRUSTED_HOSTS: '.acme.com'})).toBe('https://proxy.acme.com')
    expect(() => resolveEndpoint(proxy, {CANDOR_TRUSTED_HOSTS: 'acme.com'})).toThrow(/only the playbook names/)
    // without the playbook: the environment alone says where
    expect(where(channel('x', {}), {CANDOR_X_API_URL: 'https://proxy.acme.com'})).toBe('https://proxy.acme.com')
    expect(where(channel('mastodon', {}), {CANDOR_MASTODON_INSTANCE: 'https://mastodon.social'})).toBe(
      'https://mastodon.social',
    )
    expect(
      where(channel('mastodon', {instance: 'https://mastodon.social/'}), {
        CANDOR_MASTODON_INSTANCE: 'https://mastodon.social',
      }),
    ).toBe('https://mastodon.social')
    expect(where(channel('webhook', {}), {CANDOR_WEBHOOK_URL: 'https://ops.acme.com/hooks/candor'})).toBe(
      'https://ops.acme.com',
    )
    expect(where(channel('discord', {}), {CANDOR_DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/abc'})).toBe(
      'https://discord.com',
    )
  })

  it('a playbook value that disagrees with the environment is an error', () => {
    expect(() =>
      resolveEndpoint(channel('mastodon', {instance: 'https://evil.example'}), {
        CANDOR_MASTODON_INSTANCE: 'https://mastodon.social',
      }),
    ).toThrow(
      `channel "mastodon": the playbook's "instance" (evil.example) disagrees with CANDOR_MASTODON_INSTANCE (mastodon.social) in the environment, which holds its credentials`,
    )
    expect(() =>
      resolveEndpoint(channel('webhook', {url: 'https://evil.example/x'}), {
        CANDOR_WEBHOOK_URL: 'https://ops.acme.com/hooks/candor',
      }),
    ).toThrow(/disagrees with CANDOR_WEBHOOK_URL/)
    // even where another setting decides where requests go
    expect(() =>
      resolveEndpoint(channel('bluesky', {service: 'https://evil.example', api_url: 'http://127.0.0.1:1'}), {
        CANDOR_BLUESKY_SERVICE: 'https://pds.acme.com',
      }),
    ).toThrow(/disagrees/)
  })

  it('plain http:// only to loopback, wherever the URL comes from', () => {
    expect(() => resolveEndpoint(channel('x', {}), {CANDOR_X_API_URL: 'http://proxy.acme.com'})).toThrow(
      'channel "x": CANDOR_X_API_URL would send its credentials over http:// to proxy.acme.com; only https:// is allowed (plain http:// only to loopback, for test servers)',
    )
    expect(() =>
      resolveEndpoint(channel('discord', {}), {CANDOR_DISCORD_WEBHOOK_URL: 'http://discord.com/api/webhooks/1/abc'}),
    ).toThrow(/over http:\/\//)
    expect(() =>
      resolveEndpoint(channel('x', {api_url: 'http://0.0.0.0:8080'}), {CANDOR_TRUSTED_HOSTS: '0.0.0.0'}),
    ).toThrow(/over http:\/\/ to 0\.0\.0\.0:8080/)
  })
})

describe('the commands refuse before any connection', () => {
  const fakes: Array<FakeMastodon | FakeX> = []
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()))
  })

  /** A playbook pointing Mastodon at `base`: a host that is this machine, but not one the rule calls loopback. */
  function hostilePlaybook(mastodon: string, x: string): string {
    const file = path.join(tempDir(), 'shared.yaml')
    writeFileSync(
      file,
      `name: shared\nfacts:\n  service: { required: true }\nchannels:\n  mastodon: { type: mastodon, instance: "${mastodon}" }\n  x: { type: x, api_url: "${x}" }\nphases:\n  investigating:\n    posts:\n      mastodon: { text: "Problems with {{service}}" }\n      x: { text: "Problems with {{service}}" }\n`,
    )
    return file
  }

  async function world() {
    const mastodon = await startFakeMastodon({accessToken: 'mastodon-token-123456', domain: 'mastodon.example'})
    const x = await startFakeX({credentials: X_CREDENTIALS})
    fakes.push(mastodon, x)
    // 0.0.0.0 reaches this machine's listeners without being loopback by name: a stand-in for a collector.
    const away = (url: string) => url.replace('127.0.0.1', '0.0.0.0')
    const env = {CANDOR_MASTODON_ACCESS_TOKEN: 'mastodon-token-123456', ...xEnv('X')}
    return {mastodon, x, env, playbook: hostilePlaybook(away(mastodon.url), away(x.url))}
  }

  it('channels check sends no token to a host only the playbook names', async () => {
    const {mastodon, x, env, playbook} = await world()
    const {requirePlaybook} = await import('../../src/services/playbook/resolve.js')
    const checks = await checkChannels(requirePlaybook(playbook), env, {timeoutMs: 2000})
    expect(checks.map((c) => [c.channel, c.ok, c.error])).toEqual([
      [
        'mastodon',
        false,
        expect.stringMatching(
          /^channel "mastodon": the playbook's "instance" would send its credentials over http:\/\/ to 0\.0\.0\.0:\d+/,
        ),
      ],
      [
        'x',
        false,
        expect.stringMatching(
          /^channel "x": the playbook's "api_url" would send its credentials over http:\/\/ to 0\.0\.0\.0:\d+/,
        ),
      ],
    ])
    expect(mastodon.requests).toHaveLength(0)
    expect(x.requests).toHaveLength(0)
  })

  it('publish refuses at preflight, sending and journaling nothing', async () => {
    const {mastodon, x, env, playbook} = await world()
    const store = new FileIncidentStore(path.join(tempDir(), 'state'))
    const incident = await openIncident(store, {playbook, facts: {service: 'Acme'}, actor: 'alice'})
    await expect(
      publishUpdate(
        {incident: incident.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
        {store, actor: 'alice', env, reporter: {progress() {}}, timeoutMs: 2000},
      ),
    ).rejects.toMatchObject({
      code: 'endpoint_untrusted',
      message: expect.stringContaining(
        'channel "mastodon": the playbook\'s "instance" would send its credentials over http:// to 0.0.0.0',
      ),
    })
    expect(mastodon.requests).toHaveLength(0)
    expect(x.requests).toHaveLength(0)
    expect((await store.read(incident.id)).events.map((e) => e.type)).toEqual(['opened'])
  })

  it('an adapter built directly refuses too (every adapter resolves its endpoint through the rule)', async () => {
    const {mastodon} = await world()
    const config = channel('mastodon', {instance: mastodon.url.replace('127.0.0.1', '0.0.0.0')})
    expect(() =>
      createMastodon({channel: config, credentials: {ACCESS_TOKEN: 'mastodon-token-123456'}, timeoutMs: 1000}),
    ).toThrow(/would send its credentials/)
    // where the environment names it, requests go there, and only there
    const trusted = createMastodon({
      channel: channel('mastodon', {}),
      credentials: {ACCESS_TOKEN: 'mastodon-token-123456'},
      timeoutMs: 2000,
      env: {CANDOR_MASTODON_INSTANCE: mastodon.url},
    })
    expect(await trusted.whoami!(new AbortController().signal)).toMatch(/^@acme@/)
    expect(mastodon.requests).toHaveLength(1)
  })

  it("preview shows each channel's target and refuses an untrusted one; validate warns about overrides", async () => {
    const playbook = hostilePlaybook('https://mastodon.evil.example', 'https://api.x.com')
    const result = previewPhase({playbook, phase: 'investigating', sets: ['service=Acme'], env: {}})
    expect(result.blocked).toBe(true)
    expect(result.targets).toEqual({mastodon: null, x: 'https://api.x.com'})
    expect(result.posts.find((p) => p.channel === 'mastodon')!.errors).toEqual([
      expect.stringContaining('would send its credentials to mastodon.evil.example'),
    ])
    const trusted = previewPhase({
      playbook,
      phase: 'investigating',
      sets: ['service=Acme'],
      env: {CANDOR_MASTODON_INSTANCE: 'https://mastodon.evil.example'},
    })
    expect([trusted.blocked, trusted.targets.mastodon]).toEqual([false, 'https://mastodon.evil.example'])

    const report = validatePlaybooks([playbook])
    expect(report.problemCount).toBe(0)
    expect(report.files[0].warnings.map((w) => `${w.line}:${w.col}: ${w.message}`)).toEqual([
      expect.stringMatching(
        /^5:\d+: channel "mastodon": "instance" sends this channel's credentials to mastodon\.evil\.example; .*CANDOR_MASTODON_INSTANCE=https:\/\/mastodon\.evil\.example/,
      ),
    ])
    expect(loadPlaybook(playbook).warnings).toHaveLength(1)
  })

  it('candor channels check and preview --json refuse on the command line', async () => {
    const playbook = hostilePlaybook('https://mastodon.evil.example', 'https://api.x.com')
    const env = {
      CANDOR_MASTODON_ACCESS_TOKEN: 'mastodon-token-123456',
      CANDOR_MASTODON_INSTANCE: undefined,
      CANDOR_TRUSTED_HOSTS: undefined,
    }
    const check = await runCli(['channels', 'check', playbook, '--channel', 'mastodon', '--json'], {
      env,
      cwd: path.dirname(playbook),
    })
    expect(check.code).toBe(1)
    expect(JSON.parse(check.stdout).channels[0]).toMatchObject({
      channel: 'mastodon',
      ok: false,
      error: expect.stringContaining('mastodon.evil.example'),
      account: null,
    })
    const preview = await runCli(['preview', playbook, '--phase', 'investigating', '--set', 'service=Acme', '--json'], {
      env,
      cwd: path.dirname(playbook),
    })
    expect(preview.code).toBe(1)
    expect(
      JSON.parse(preview.stdout).posts.map((p: {channel: string; target: string | null}) => [p.channel, p.target]),
    ).toEqual([
      ['mastodon', null],
      ['x', 'https://api.x.com'],
    ])
  })
})

/**
 * publishUpdate and retryFailed (services/publish/publish.ts) on the paths the publish tests
 * leave to the CLI or do not reach, written from the mutants that survived them: a dry run
 * (no lock, no journal, no network; what it would refuse), the instance limits read before a
 * publish when the instance cannot be asked, a publish whose every channel already has the
 * update, policy overrides journaled, and which deliveries retry picks up.
 * Fake X and Mastodon servers, the file store; the journal is written by hand where retry needs it.
 */
import {appendFileSync} from 'node:fs'
import {randomUUID} from 'node:crypto'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {startFakeMastodon, type FakeMastodon} from '../../src/infrastructure/sandbox/fakes/mastodon-api.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {openIncident} from '../../src/services/incident/service.js'
import {publishUpdate, type PublishDeps} from '../../src/services/publish/publish.js'
import {tempDir, writePlaybook} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

/** An incident on two X accounts (x and brand-x); `approvals` people must approve each update. */
async function xIncident(approvals = 1) {
  const dir = tempDir()
  const main: FakeX = await startFakeX({credentials: X_CREDENTIALS})
  const brand: FakeX = await startFakeX({credentials: X_CREDENTIALS})
  closers.push(
    () => main.close(),
    () => brand.close(),
  )
  const playbook = writeXPlaybook(dir, {x: main, 'brand-x': brand})
  if (approvals > 1) appendFileSync(playbook, `approval:\n  required: ${approvals}\n`)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const {id} = await openIncident(store, {
    playbook,
    facts: {service: 'Acme Voice', impact: 'Calls fail'},
    actor: 'alice',
  })
  const deps: PublishDeps = {
    store,
    actor: 'alice',
    env: {...xEnv('X'), ...xEnv('BRAND_X')},
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 2000,
  }
  const events = async () => (await store.read(id)).events.map((e) => e.type)
  const requests = () => main.requests.length + brand.requests.length
  return {id, store, deps, main, brand, events, requests}
}

describe('a dry run', () => {
  it('takes no lock, journals and sends nothing, and says what a publish would refuse', async () => {
    const w = await xIncident()
    // Another command holds the incident: a dry run does not wait for it.
    const held = await w.store.lock(w.id, {timeoutMs: 1000, command: 'publish', by: 'bob'})
    try {
      const before = await w.events()
      const result = await publishUpdate(
        {incident: w.id, phase: 'investigating', facts: {}, interactive: false, dryRun: true},
        {...w.deps, env: xEnv('X'), lockTimeoutMs: 50},
      )
      expect(result).toMatchObject({incident: w.id, phase: 'investigating', update: 1, deliveries: [], already: []})
      expect(result.plan?.map((p) => [p.channel, p.credentials.ok])).toEqual([
        ['x', true],
        ['brand-x', false],
      ])
      expect(result.warnings).toEqual([expect.stringMatching(/^would not publish: .*CANDOR_BRAND_X_APP_KEY/)])
      expect(await w.events()).toEqual(before)
      expect(w.requests()).toBe(0)
    } finally {
      await held.release()
    }
  })

  it('says when the phase needs more than one person to approve', async () => {
    const two = await xIncident(2)
    const dry = {phase: 'investigating', facts: {}, interactive: false, dryRun: true}
    expect((await publishUpdate({incident: two.id, ...dry}, two.deps)).warnings).toEqual([
      'phase investigating needs 2 people to approve: publishing records a draft for `candor approve`',
    ])
    const one = await xIncident(1)
    expect((await publishUpdate({incident: one.id, ...dry}, one.deps)).warnings).toEqual([])
  })
})

/** One Mastodon channel on its own instance name (the limits cache is keyed by instance). */
async function mastodonIncident(channelOptions = '') {
  const TOKEN = 'mastodon-token-Zx81qP0sKd'
  const fake: FakeMastodon = await startFakeMastodon({accessToken: TOKEN, domain: 'mastodon.example'})
  closers.push(() => fake.close())
  const instance = `https://m-${randomUUID().slice(0, 8)}.example`
  const {dir, playbook} = writePlaybook(`name: incident
facts:
  text: { required: true }
channels:
  mastodon: { type: mastodon, instance: "${instance}", api_url: "${fake.url}"${channelOptions} }
phases:
  investigating:
    posts:
      mastodon: { text: "{{text}}" }
`)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const {id} = await openIncident(store, {playbook, facts: {text: 'Acme is down.'}, actor: 'alice'})
  const deps: PublishDeps = {
    store,
    actor: 'alice',
    env: {CANDOR_MASTODON_ACCESS_TOKEN: TOKEN},
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 5000,
  }
  const instanceReads = () => fake.requests.filter((r) => r.path === '/api/v2/instance').length
  return {id, fake, instance, deps, instanceReads}
}

describe('the limits of a Mastodon instance', () => {
  it('a dry run does not ask the instance', async () => {
    const w = await mastodonIncident()
    await publishUpdate({incident: w.id, phase: 'investigating', facts: {}, interactive: false, dryRun: true}, w.deps)
    expect(w.instanceReads()).toBe(0)
  })

  it('an instance never asked before that cannot be asked now: its default assumed, with a warning', async () => {
    const w = await mastodonIncident()
    w.fake.fail({status: 503}, 1, {method: 'GET', path: '/api/v2/instance'})
    const result = await publishUpdate(
      {incident: w.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      w.deps,
    )
    expect(result.deliveries.map((d) => d.status)).toEqual(['published'])
    expect(result.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^mastodon: could not read ${w.instance.replace(/\./g, '\\.')}'s limits \\(.*503.*\\); assuming Mastodon's default of 500; set max_length in the playbook if the instance allows another$`,
        ),
      ),
    ])
  })
})

import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {openIncident, loadIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import type {ChannelProgress} from '../../src/services/publish/deliver.js'
import {publishUpdate, retryFailed, type Approver, type PublishDeps} from '../../src/services/publish/publish.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {Barrier} from '../helpers/wait.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

async function setup() {
  const dir = tempDir()
  const main = await startFakeX({credentials: X_CREDENTIALS})
  const brand = await startFakeX({credentials: X_CREDENTIALS})
  fakes.push(main, brand)
  const playbook = writeXPlaybook(dir, {x: main, 'brand-x': brand})
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const incident = await openIncident(store, {
    playbook,
    facts: {service: 'Acme Voice', impact: 'Calls fail'},
    actor: 'alice',
  })
  const progress: Array<[string, ChannelProgress['state']]> = []
  const deps: PublishDeps = {
    store,
    actor: 'alice',
    env: {...xEnv('X'), ...xEnv('BRAND_X')},
    reporter: {progress: (c, p) => progress.push([c, p.state])},
    backoffMs: 5,
    timeoutMs: 2000,
  }
  return {dir, main, brand, store, id: incident.id, deps, progress}
}

const scripted = (decide: Approver['approve']): Approver => ({approve: decide})

describe('publishUpdate', () => {
  it('sends nothing and records nothing when approval is refused', async () => {
    const s = await setup()
    const approver = scripted(async () => ({action: 'abort'}))
    await expect(
      publishUpdate({incident: s.id, phase: 'investigating', facts: {}, interactive: true, approver}, s.deps),
    ).rejects.toMatchObject({code: 'aborted', exit: 4})
    expect(s.main.requests).toHaveLength(0)
    expect(s.brand.requests).toHaveLength(0)
    expect((await s.store.read(s.id)).events.map((e) => e.type)).toEqual(['opened'])
  })

  it('publishes only the chosen channels, with the edited text, and records who approved', async () => {
    const s = await setup()
    const approver = scripted(async (req) => {
      expect(req.posts.map((p) => p.channel)).toEqual(['x', 'brand-x'])
      const revised = req.revise('brand-x', 'Edited by a human: we are on it.')
      return {
        action: 'publish',
        channels: ['brand-x'],
        posts: req.posts.map((p) => (p.channel === 'brand-x' ? {...p, parts: revised.parts, edited: true} : p)),
      }
    })
    const result = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, interactive: true, approver},
      s.deps,
    )
    expect(result.deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['brand-x', 'published'],
      ['x', 'skipped'],
    ])
    expect(s.main.tweets).toHaveLength(0)
    expect(s.brand.tweets.map((t) => t.text)).toEqual(['Edited by a human: we are on it.'])
    const {state} = await loadIncident(s.store, s.id)
    expect(state.updates[0]).toMatchObject({approvedBy: 'alice', phase: 'investigating'})
    expect(state.updates[0].posts.find((p) => p.channel === 'brand-x')!.edited).toBe(true)
  })

  it('publishes channels concurrently and one failing never stops the other', async () => {
    const s = await setup()
    // Each account holds its post until both are in flight: sent one after the other, the
    // barrier's deadline fails the test.
    const barrier = new Barrier(['x', 'brand-x'], {what: 'a post on both X accounts', timeoutMs: 5000})
    s.main.inFlight.hold((r) => (r.method === 'POST' ? barrier.arrive('x') : undefined))
    s.brand.inFlight.hold((r) => (r.method === 'POST' ? barrier.arrive('brand-x') : undefined))
    s.brand.fail({status: 403, duplicate: true})
    const result = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      {...s.deps, timeoutMs: 15_000},
    )
    barrier.assertMet()
    expect(result.deliveries.find((d) => d.channel === 'x')!.status).toBe('published')
    expect(result.deliveries.find((d) => d.channel === 'brand-x')).toMatchObject({
      status: 'failed',
      error: 'X refused a duplicate post (403): the same text is already on the account',
    })
    const firstSend = (fake: FakeX) => fake.requests.length
    expect(firstSend(s.main) + firstSend(s.brand)).toBe(2)
    expect(s.progress.filter(([, state]) => state === 'sending')).toHaveLength(2)
  })

  it('keeps connections alive: a thread and the next update reach an X server over one connection', async () => {
    const s = await setup()
    const impact = 'Calls to and from landlines fail to connect and voicemail is delayed for customers on every plan. '
      .repeat(4)
      .trim()
    await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {impact}, yes: true, interactive: false, channels: ['x']},
      s.deps,
    )
    await publishUpdate(
      {incident: s.id, phase: 'identified', facts: {}, yes: true, interactive: false, channels: ['x']},
      s.deps,
    )
    expect(s.main.tweets.length).toBeGreaterThanOrEqual(3) // a thread of two or more parts, then the next update
    expect(s.main.requests.length).toBeGreaterThanOrEqual(3)
    expect(s.main.connections).toBe(1)
  })

  it('retries 5xx, resets and timeouts with backoff, then publishes once', async () => {
    const s = await setup()
    const post = {method: 'POST', path: '/2/tweets'}
    s.main.fail({status: 503}, 1, post)
    s.main.fail({kind: 'reset'}, 1, post)
    s.main.fail({kind: 'hang'}, 1, post)
    const result = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false, channels: ['x']},
      {...s.deps, timeoutMs: 300},
    )
    expect(result.deliveries[0].status).toBe('published')
    expect(s.main.tweets).toHaveLength(1)
    expect(s.main.requests.filter((r) => r.method === 'POST')).toHaveLength(4)
    // Before each re-send it looked at the account's timeline: the failed attempt might have arrived.
    expect(s.main.requests.filter((r) => r.method === 'GET' && r.path.includes('/tweets')).length).toBe(3)
    expect(s.progress.filter(([, state]) => state === 'retrying')).toHaveLength(3)
  })

  it('a post accepted just before its answer was lost is found, not sent twice', async () => {
    const s = await setup()
    // The request is carried out but the answer never arrives (a reset after the work).
    s.main.fail({kind: 'lose-answer'}, 1, {method: 'POST', path: '/2/tweets'})
    const result = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false, channels: ['x']},
      s.deps,
    )
    expect(result.deliveries[0].status).toBe('published')
    expect(s.main.tweets).toHaveLength(1)
    expect(result.deliveries[0].ids).toEqual([s.main.tweets[0].id])
  })

  it('gives up after the retries, then retry resumes a split post at the failed part', async () => {
    const s = await setup()
    const impact = 'Calls to and from landlines fail to connect and voicemail is delayed for customers on every plan. '
      .repeat(4)
      .trim()
    // The first part meets four 503s in a row (1 try + 3 retries): nothing goes out.
    s.main.fail({status: 503}, 4, {method: 'POST'})
    const first = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {impact}, yes: true, interactive: false, channels: ['x']},
      s.deps,
    ).catch((e) => e)
    expect(first.deliveries[0]).toMatchObject({status: 'failed', error: expect.stringContaining('(after 4 attempts)')})
    expect(s.main.tweets).toHaveLength(0)

    const retried = await retryFailed({incident: s.id}, s.deps)
    expect(retried.updates[0].deliveries[0].status).toBe('published')
    const tweets = s.main.tweets
    expect(tweets.length).toBeGreaterThan(1)
    for (const [i, t] of tweets.entries()) expect(t.inReplyTo).toBe(i === 0 ? undefined : tweets[i - 1].id)
    expect((await retryFailed({incident: s.id}, s.deps)).updates).toEqual([])
    expect(s.main.tweets).toHaveLength(tweets.length)
  })

  it('a retry after a mid-thread failure re-sends only the missing parts, chained to the published ones', async () => {
    const s = await setup()
    const impact = 'Calls to and from landlines fail to connect and voicemail is delayed for customers on every plan. '
      .repeat(4)
      .trim()
    // Refuse part 2 for good the moment it is about to be sent; part 1 goes out.
    let armed = true
    s.deps.reporter = {
      progress(channel, p) {
        if (armed && channel === 'x' && p.state === 'sending' && p.part === 2) {
          armed = false
          s.main.fail({status: 401})
        }
      },
    }
    const first = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {impact}, yes: true, interactive: false, channels: ['x']},
      s.deps,
    )
    expect(first.deliveries[0]).toMatchObject({status: 'failed', ids: [s.main.tweets[0].id]})
    expect(s.main.tweets).toHaveLength(1)

    const retried = await retryFailed({incident: s.id, channels: ['x']}, s.deps)
    expect(retried.updates[0].deliveries[0]).toMatchObject({status: 'published'})
    const tweets = s.main.tweets
    expect(retried.updates[0].deliveries[0].ids).toEqual(tweets.map((t) => t.id))
    expect(tweets.length).toBeGreaterThanOrEqual(2)
    // Part 1 was not sent again: one POST per part plus the one refused.
    expect(s.main.requests.filter((r) => r.method === 'POST')).toHaveLength(tweets.length + 1)
    tweets.forEach((t, i) => {
      expect(t.text.endsWith(` (${i + 1}/${tweets.length})`)).toBe(true)
      expect(t.inReplyTo).toBe(i === 0 ? undefined : tweets[i - 1].id)
    })
  })
})

/**
 * One channel's delivery (services/publish/deliver.ts) through every way a part can go: rate
 * limits, transient failures and their retries, parts that may have arrived (looked up first, or
 * left for a person), interrupts, and where a part replies to. In-process scripted adapters, an
 * injected clock that records its waits, and a journal in memory: nothing is timed.
 */
import {describe, expect, it} from 'vitest'
import type {JournalEvent, RemotePost, RenderedPostRecord} from '../../src/services/incident/events.js'
import {foldIncident, type IncidentState} from '../../src/services/incident/state.js'
import type {IncidentStore} from '../../src/services/incident/store.js'
import {DeliveryError, type ChannelAdapter, type PostRequest} from '../../src/services/publish/adapter.js'
import {
  deliverAll,
  formatWait,
  postKeyFor,
  previousPost,
  systemClock,
  threadFor,
  threadRootOf,
  type ChannelProgress,
  type Clock,
  type DeliveryJob,
  type DeliveryOptions,
} from '../../src/services/publish/deliver.js'
import {Redactor} from '../../src/services/publish/redact.js'

const T0 = new Date('2026-12-05T03:00:00.000Z')

type Step = RemotePost | Error | ((request: PostRequest) => Promise<RemotePost>)

/** An adapter that answers each post with the next scripted step, and records every request. */
function scripted(steps: Step[], extra: Partial<ChannelAdapter> = {}) {
  const sent: PostRequest[] = []
  const adapter: ChannelAdapter = {
    describeTarget: () => 'scripted',
    async post(request) {
      sent.push(request)
      const step = steps.shift()
      if (!step) throw new Error('no step left')
      if (step instanceof Error) throw step
      if (typeof step === 'function') return step(request)
      return step
    },
    ...extra,
  }
  return {adapter, sent}
}

function record(channel: string, parts: string[]): RenderedPostRecord {
  return {channel, type: 'webhook', parts: parts.map((text) => ({text, length: text.length, limit: null}))}
}

interface Harness {
  opts: DeliveryOptions
  events: JournalEvent[]
  slept: number[]
  progress: Array<[string, ChannelProgress]>
}

function harness(over: Partial<DeliveryOptions> = {}, state?: IncidentState): Harness {
  const events: JournalEvent[] = []
  const slept: number[] = []
  const progress: Array<[string, ChannelProgress]> = []
  const store = {
    append: async (_id: string, e: JournalEvent, at: Date) => void events.push({...e, at: at.toISOString()}),
  } as unknown as IncidentStore
  const clock: Clock = {now: () => T0, sleep: async (ms) => void slept.push(ms)}
  const incident =
    state ?? ({id: 'inc-1', updates: [], events: [], facts: {service: 'Acme'}} as unknown as IncidentState)
  const opts: DeliveryOptions = {
    store,
    incident,
    update: {update: 1, phase: 'investigating'},
    actor: 'alice',
    redactor: new Redactor(['s3cret-token']),
    clock,
    reporter: {progress: (channel, p) => void progress.push([channel, p])},
    signal: new AbortController().signal,
    maxWaitMs: 60_000,
    retries: 2,
    backoffMs: 1000,
    random: () => 0.5,
    ...over,
  }
  return {opts, events, slept, progress}
}

function job(adapter: ChannelAdapter, parts = ['hello'], extra: Partial<DeliveryJob> = {}): DeliveryJob {
  return {channel: 'hook', post: record('hook', parts), adapter, done: new Map(), ...extra}
}

/** The journal in short: `attempt:part`, `published:part`, `failed:part:error`. */
function short(events: JournalEvent[]): string[] {
  return events.map((e) =>
    e.type === 'delivery_attempt'
      ? `attempt:${e.part}`
      : e.type === 'delivery_result'
        ? e.status === 'published'
          ? `published:${e.part}${e.error ? `:${e.error}` : ''}`
          : `${e.status}:${e.part}:${e.error}`
        : e.type,
  )
}

const rateLimited = (inMs: number) =>
  new DeliveryError('429 too many requests', {retry: 'rate-limit', retryAt: new Date(T0.getTime() + inMs)})

describe('deliver: rate limits', () => {
  it('waits until the limit resets (and a quarter second more), journaling why, then sends again', async () => {
    const h = harness()
    const {adapter, sent} = scripted([rateLimited(12_000), {id: 'p1', url: 'https://hook.example/p1'}])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome).toEqual({channel: 'hook', status: 'published', ids: ['p1'], urls: ['https://hook.example/p1']})
    expect(sent).toHaveLength(2)
    expect(h.slept).toEqual([12_250])
    expect(short(h.events)).toEqual([
      'attempt:1',
      'failed:1:429 too many requests; waiting 12s',
      'attempt:1',
      'published:1',
    ])
    expect(h.events.filter((e) => e.type === 'delivery_attempt').map((e) => (e as {attempt: number}).attempt)).toEqual([
      1, 2,
    ])
    expect(h.progress.map(([, p]) => p.state)).toEqual(['queued', 'sending', 'waiting', 'sending', 'published'])
    expect(h.progress[2][1]).toEqual({
      state: 'waiting',
      until: new Date(T0.getTime() + 12_000),
      reason: '429 too many requests',
    })
  })

  it('waits no time at all for a reset already past', async () => {
    const h = harness()
    const {adapter} = scripted([rateLimited(-5000), {id: 'p1'}])
    await deliverAll([job(adapter)], h.opts)
    expect(h.slept).toEqual([250])
    expect(short(h.events)[1]).toBe('failed:1:429 too many requests; waiting 0s')
  })

  it('gives up when the reset is further away than --max-wait, saying both', async () => {
    const h = harness({maxWaitMs: 60_000})
    const {adapter, sent} = scripted([rateLimited(125_000)])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    const error = '429 too many requests; the limit resets in 2m 5s, more than --max-wait 1m 0s'
    expect(outcome).toEqual({channel: 'hook', status: 'failed', ids: [], urls: [], error})
    expect(sent).toHaveLength(1)
    expect(h.slept).toEqual([])
    expect(short(h.events)).toEqual(['attempt:1', `failed:1:${error}`])
    expect(h.progress.at(-1)).toEqual(['hook', {state: 'failed', error}])
  })

  it('waits exactly up to --max-wait, not a moment more', async () => {
    const h = harness({maxWaitMs: 60_000})
    const {adapter} = scripted([rateLimited(60_000), {id: 'p1'}])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.status).toBe('published')
    expect(h.slept).toEqual([60_250])
  })

  it('stops after three waits', async () => {
    const h = harness()
    const {adapter, sent} = scripted([rateLimited(1000), rateLimited(1000), rateLimited(1000), rateLimited(1000)])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.error).toBe('429 too many requests; still limited after 3 waits')
    expect(sent).toHaveLength(4)
    expect(h.slept).toEqual([1250, 1250, 1250])
  })

  it('treats a rate limit without a reset time as a transient failure', async () => {
    const h = harness({retries: 0})
    const e = new DeliveryError('slow down', {retry: 'rate-limit', retryAt: undefined as unknown as Date})
    const {adapter} = scripted([e])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.error).toBe('slow down')
    expect(h.slept).toEqual([])
  })
})

describe('deliver: transient failures', () => {
  it('backs off with the jittered delay and sends again, up to --retries times, then says how many attempts', async () => {
    const h = harness({retries: 2, backoffMs: 1000, random: () => 0.5})
    const down = () => new DeliveryError('connection refused', {retry: 'transient', notSent: true})
    const {adapter, sent} = scripted([down(), down(), down()])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.error).toBe('connection refused (after 3 attempts)')
    expect(sent).toHaveLength(3)
    // Half of each cap: 1 s, then 2 s; nothing may have arrived, so no floor.
    expect(h.slept).toEqual([500, 1000])
    expect(short(h.events)).toEqual([
      'attempt:1',
      'failed:1:connection refused; retrying in 1s',
      'attempt:1',
      'failed:1:connection refused; retrying in 1s',
      'attempt:1',
      'failed:1:connection refused (after 3 attempts)',
    ])
    const retrying = h.progress.filter(([, p]) => p.state === 'retrying').map(([, p]) => p)
    expect(retrying).toEqual([
      {state: 'retrying', at: new Date(T0.getTime() + 500), reason: 'connection refused'},
      {state: 'retrying', at: new Date(T0.getTime() + 1000), reason: 'connection refused'},
    ])
  })

  it('recovers within the retries', async () => {
    const h = harness({retries: 1})
    const {adapter} = scripted([new DeliveryError('502', {retry: 'transient', notSent: true}), {id: 'p1'}])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome).toEqual({channel: 'hook', status: 'published', ids: ['p1'], urls: []})
  })

  it('does not retry a refusal, and says it once', async () => {
    const h = harness({retries: 3})
    const {adapter, sent} = scripted([new DeliveryError('401 unauthorized', {retry: 'never'})])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.error).toBe('401 unauthorized')
    expect(sent).toHaveLength(1)
    expect(h.slept).toEqual([])
  })

  it('takes any other error for a transient one that may have arrived, masking secrets', async () => {
    const h = harness({retries: 1})
    const findPublished = async () => null
    const {adapter, sent} = scripted([new Error('socket hang up with s3cret-token'), {id: 'p1'}], {findPublished})
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.status).toBe('published')
    expect(sent).toHaveLength(2)
    // It may have arrived and can be looked up: at least the first backoff before looking.
    expect(h.slept).toEqual([1000])
    expect(short(h.events)[1]).toBe('failed:1:socket hang up with ••••; retrying in 1s')
  })

  it('a failure after some parts went out reports those parts with it', async () => {
    const h = harness({retries: 0})
    const {adapter} = scripted([
      {id: 'p1', url: 'https://hook.example/p1'},
      new DeliveryError('refused', {retry: 'never'}),
    ])
    const [outcome] = await deliverAll([job(adapter, ['one', 'two'])], h.opts)
    expect(outcome).toEqual({
      channel: 'hook',
      status: 'failed',
      ids: ['p1'],
      urls: ['https://hook.example/p1'],
      error: 'refused',
    })
  })

  it('looks first, and waits at least the first backoff, only after a failure that may have reached the platform', async () => {
    const h = harness({retries: 1, random: () => 0.5})
    let looks = 0
    const findPublished = async () => {
      looks++
      return null
    }
    const {adapter, sent} = scripted([new DeliveryError('refused', {retry: 'transient', notSent: true}), {id: 'p1'}], {
      findPublished,
    })
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.status).toBe('published')
    expect(sent).toHaveLength(2)
    // Nothing reached the platform: no look, and no floor under the jittered delay.
    expect(looks).toBe(0)
    expect(h.slept).toEqual([500])
  })

  it('leaves a part that may have arrived, on a platform that cannot be asked, for a person', async () => {
    const h = harness({retries: 3})
    const {adapter, sent} = scripted([new DeliveryError('timed out', {retry: 'transient', mayHaveArrived: true})])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toBe(
      'timed out: part 1 may or may not be on hook; check it, then run `candor retry --assume-sent` or `--assume-lost`',
    )
    expect(sent).toHaveLength(1)
    // No result: the part stays "unknown".
    expect(short(h.events)).toEqual(['attempt:1'])
  })

  it('sends again at once on an idempotent platform, which drops repeats', async () => {
    const h = harness({retries: 1})
    const findPublished = async () => {
      throw new Error('should not look')
    }
    const {adapter, sent} = scripted(
      [new DeliveryError('timed out', {retry: 'transient', mayHaveArrived: true}), {id: 'p1'}],
      {idempotent: true, findPublished},
    )
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.status).toBe('published')
    expect(sent.map((r) => r.idempotencyKey)).toEqual(['candor-inc-1-1-hook-1', 'candor-inc-1-1-hook-1'])
    // Nothing to look for, so no floor under the backoff.
    expect(h.slept).toEqual([500])
  })
})

describe('deliver: looking for a part that may have arrived', () => {
  it('keeps a part found on the platform and does not send it again', async () => {
    const h = harness()
    const found: RemotePost = {id: 'p1', url: 'https://hook.example/p1'}
    const looked: PostRequest[] = []
    const {adapter, sent} = scripted([{id: 'p2'}], {
      findPublished: async (r) => {
        looked.push(r)
        return found
      },
    })
    const [outcome] = await deliverAll([job(adapter, ['one', 'two'], {verifyFirst: new Set([1])})], h.opts)
    expect(looked.map((r) => r.part)).toEqual([1])
    expect(sent.map((r) => [r.text, r.replyTo?.id, r.threadRoot?.id])).toEqual([['two', 'p1', 'p1']])
    expect(outcome).toEqual({
      channel: 'hook',
      status: 'published',
      ids: ['p1', 'p2'],
      urls: ['https://hook.example/p1'],
    })
    expect(short(h.events)).toEqual([
      'published:1:found on the platform after a failed attempt',
      'attempt:2',
      'published:2',
    ])
    expect((h.events[0] as {remote: RemotePost}).remote).toEqual(found)
  })

  it('sends a part not found', async () => {
    const h = harness()
    const {adapter, sent} = scripted([{id: 'p1'}], {findPublished: async () => null})
    const [outcome] = await deliverAll([job(adapter, ['one'], {verifyFirst: new Set([1])})], h.opts)
    expect(outcome.ids).toEqual(['p1'])
    expect(sent).toHaveLength(1)
  })

  it('never sends blind when the look fails: backs off, looks again, and gives up within the retries', async () => {
    const h = harness({retries: 1, backoffMs: 1000, random: () => 0})
    const {adapter, sent} = scripted([], {
      findPublished: async () => {
        throw new Error('search is down for s3cret-token')
      },
    })
    const [outcome] = await deliverAll([job(adapter, ['one'], {verifyFirst: new Set([1])})], h.opts)
    const reason = 'could not check whether part 1 arrived before sending it again: search is down for ••••'
    expect(outcome.error).toBe(reason)
    expect(sent).toHaveLength(0)
    // The floor: at least the first backoff before looking again.
    expect(h.slept).toEqual([1000])
    expect(h.progress.find(([, p]) => p.state === 'retrying')?.[1]).toEqual({
      state: 'retrying',
      at: new Date(T0.getTime() + 1000),
      reason,
    })
    expect(short(h.events)).toEqual([`failed:1:${reason}`])
  })

  it('sends once the look succeeds after failing', async () => {
    const h = harness({retries: 2})
    let looks = 0
    const {adapter, sent} = scripted([{id: 'p1'}], {
      findPublished: async () => {
        if (++looks === 1) throw new Error('search is down')
        return null
      },
    })
    const [outcome] = await deliverAll([job(adapter, ['one'], {verifyFirst: new Set([1])})], h.opts)
    expect(outcome.status).toBe('published')
    expect(looks).toBe(2)
    expect(sent).toHaveLength(1)
  })

  it('does not look before a first attempt, nor for a part not marked', async () => {
    const h = harness()
    let looks = 0
    const {adapter} = scripted([{id: 'p1'}, {id: 'p2'}], {
      findPublished: async () => {
        looks++
        return null
      },
    })
    await deliverAll([job(adapter, ['one', 'two'], {verifyFirst: new Set([2])})], h.opts)
    expect(looks).toBe(1)
  })

  it('does not look on an idempotent platform: sending again is harmless there', async () => {
    const h = harness()
    let looks = 0
    const {adapter, sent} = scripted([{id: 'p1'}], {
      idempotent: true,
      findPublished: async () => {
        looks++
        return {id: 'never'}
      },
    })
    await deliverAll([job(adapter, ['one'], {verifyFirst: new Set([1])})], h.opts)
    expect(looks).toBe(0)
    expect(sent).toHaveLength(1)
  })
})

describe('deliver: interrupts', () => {
  it('sends nothing once interrupted, and journals why', async () => {
    const ac = new AbortController()
    ac.abort()
    const h = harness({signal: ac.signal, graceMs: 1})
    const {adapter, sent} = scripted([{id: 'p1'}])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome).toEqual({channel: 'hook', status: 'failed', ids: [], urls: [], error: 'interrupted before sending'})
    expect(sent).toHaveLength(0)
    expect(short(h.events)).toEqual(['failed:1:interrupted before sending'])
  })

  it('journals no result for a request cut off after the grace period: it may or may not be up', async () => {
    const ac = new AbortController()
    const h = harness({signal: ac.signal, graceMs: 1})
    const {adapter} = scripted([
      (request) =>
        new Promise((_resolve, reject) => {
          request.signal.addEventListener('abort', () => reject(new Error('aborted')))
          ac.abort()
        }),
    ])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.error).toBe('interrupted while sending part 1; it may or may not be up: run `candor retry`')
    expect(short(h.events)).toEqual(['attempt:1'])
  })

  it('journals the failure of a request that failed by itself during the interrupt', async () => {
    const ac = new AbortController()
    const h = harness({signal: ac.signal, graceMs: 60_000})
    const {adapter} = scripted([
      async () => {
        ac.abort()
        throw new DeliveryError('503 s3cret-token', {retry: 'transient', notSent: true})
      },
    ])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(outcome.error).toBe('interrupted: 503 ••••')
    expect(short(h.events)).toEqual(['attempt:1', 'failed:1:interrupted: 503 ••••'])
    expect(h.slept).toEqual([])
  })

  it('a request in flight keeps the request signal open during the grace period', async () => {
    const ac = new AbortController()
    const h = harness({signal: ac.signal, graceMs: 60_000})
    let abortedInFlight: boolean | undefined
    const {adapter} = scripted([
      async (request) => {
        ac.abort()
        abortedInFlight = request.signal.aborted
        return {id: 'p1'}
      },
    ])
    const [outcome] = await deliverAll([job(adapter)], h.opts)
    expect(abortedInFlight).toBe(false)
    expect(outcome.status).toBe('published')
  })
})

describe('deliver: what each request carries', () => {
  it('names the incident, update and phase, a stable idempotency key, and the whole post', async () => {
    const h = harness()
    const {adapter, sent} = scripted([{id: 'p1'}, {id: 'p2'}])
    const j = job(adapter, ['one', 'two'])
    await deliverAll([j], h.opts)
    expect(sent[1]).toMatchObject({
      text: 'two',
      part: 2,
      parts: 2,
      post: j.post,
      incident: {id: 'inc-1', update: 1, phase: 'investigating', facts: {service: 'Acme'}},
      idempotencyKey: 'candor-inc-1-1-hook-2',
    })
    expect(sent[0].postKey).toBeUndefined()
    expect(h.events[0]).not.toHaveProperty('reply_to')
    expect(h.events[2]).toMatchObject({type: 'delivery_attempt', reply_to: 'p1', by: 'alice', update: 1})
    expect(h.events[0].at).toBe(T0.toISOString())
  })

  it('makes a post key once per part, journals it, and uses the same on every attempt', async () => {
    const h = harness({retries: 1})
    let made = 0
    const {adapter, sent} = scripted(
      [new DeliveryError('503', {retry: 'transient', notSent: true}), {id: 'p1'}, {id: 'p2'}],
      {newPostKey: () => `key-${++made}`},
    )
    await deliverAll([job(adapter, ['one', 'two'])], h.opts)
    expect(sent.map((r) => [r.part, r.postKey])).toEqual([
      [1, 'key-1'],
      [1, 'key-1'],
      [2, 'key-2'],
    ])
    expect(
      h.events.filter((e) => e.type === 'delivery_attempt').map((e) => (e as {post_key?: string}).post_key),
    ).toEqual(['key-1', 'key-1', 'key-2'])
  })

  it('leaves out parts published earlier whose post is not known, and replies to the last one known', async () => {
    const h = harness()
    const {adapter, sent} = scripted([{id: 'p3'}])
    const done = new Map<number, RemotePost | null>([
      [1, {id: 'p1', url: 'https://hook.example/p1'}],
      [2, null],
    ])
    const [outcome] = await deliverAll([job(adapter, ['one', 'two', 'three'], {done})], h.opts)
    expect(sent.map((r) => [r.text, r.replyTo?.id, r.threadRoot?.id])).toEqual([['three', 'p1', 'p1']])
    expect(outcome).toEqual({
      channel: 'hook',
      status: 'published',
      ids: ['p1', 'p3'],
      urls: ['https://hook.example/p1'],
    })
  })

  it('reports a channel whose delivery threw (the journal failed) as failed, secrets masked', async () => {
    const h = harness()
    h.opts.store = {
      append: async () => {
        throw new Error('disk full near s3cret-token')
      },
    } as unknown as IncidentStore
    const {adapter} = scripted([{id: 'p1'}])
    const outcomes = await deliverAll([job(adapter), {...job(adapter), channel: 'other'}], h.opts)
    expect(outcomes).toEqual([
      {channel: 'hook', status: 'failed', ids: [], urls: [], error: 'disk full near ••••'},
      {channel: 'other', status: 'failed', ids: [], urls: [], error: 'disk full near ••••'},
    ])
  })
})

// --- Threads across updates, on journals written by hand and folded as Candor reads them.

type Event = Omit<JournalEvent, 'seq' | 'at' | 'by'>

function journal(...events: Event[]): IncidentState {
  const opened = {
    type: 'opened',
    incident: 'inc-1',
    playbook: {name: 'p', file: 'p.yaml'},
    started_at: '2026-03-01T09:59:00.000Z',
    facts: {},
  }
  return foldIncident(
    [opened, ...events].map(
      (e, i) =>
        ({seq: i + 1, at: `2026-03-01T10:${String(i).padStart(2, '0')}:00.000Z`, by: 'alice', ...e}) as JournalEvent,
    ),
  )
}
const rendered = (update: number, channels: string[], parts = 1): Event =>
  ({
    type: 'rendered',
    update,
    phase: 'investigating',
    posts: channels.map((c) =>
      record(
        c,
        Array.from({length: parts}, (_, i) => `${c} ${update}.${i + 1}`),
      ),
    ),
  }) as Event
const attempt = (update: number, channel: string, part: number, replyTo?: string): Event =>
  ({type: 'delivery_attempt', update, channel, part, attempt: 1, ...(replyTo && {reply_to: replyTo})}) as Event
const published = (update: number, channel: string, part: number, id: string, status = 'published'): Event =>
  ({type: 'delivery_result', update, channel, part, status, remote: {id, url: `https://x.example/${id}`}}) as Event
const retracted = (update: number, channel: string, part: number): Event =>
  ({type: 'retraction', update, channel, part, status: 'deleted'}) as Event

/** Update 1 (two parts: a1, a2 replying to a1) and update 2 (b1 replying to a2) on x; y has its own post. */
function twoUpdates(...more: Event[]): IncidentState {
  return journal(
    rendered(1, ['x', 'y'], 2),
    attempt(1, 'x', 1),
    published(1, 'x', 1, 'a1'),
    attempt(1, 'x', 2, 'a1'),
    published(1, 'x', 2, 'a2'),
    attempt(1, 'y', 1),
    published(1, 'y', 1, 'y1'),
    rendered(2, ['x'], 1),
    attempt(2, 'x', 1, 'a2'),
    published(2, 'x', 1, 'b1'),
    ...more,
  )
}

describe('deliver: where an update replies to', () => {
  it('the last post published on the channel before the update', () => {
    const state = twoUpdates()
    expect(previousPost(state, 'x', 3)?.id).toBe('b1')
    expect(previousPost(state, 'x', 2)?.id).toBe('a2')
    expect(previousPost(state, 'x', 1)).toBeUndefined()
    expect(previousPost(state, 'y', 3)?.id).toBe('y1')
    expect(previousPost(state, 'z', 3)).toBeUndefined()
  })

  it('skips parts that failed or were never sent', () => {
    const state = journal(
      rendered(1, ['x'], 2),
      published(1, 'x', 1, 'a1'),
      published(1, 'x', 2, 'a2', 'failed'),
      rendered(2, ['x']),
    )
    expect(previousPost(state, 'x', 3)?.id).toBe('a1')
  })

  it('follows each post up the replies it was sent as, to the root', () => {
    const state = twoUpdates()
    expect(threadRootOf(state, 'x', {id: 'b1'})).toEqual({
      root: {id: 'a1', url: 'https://x.example/a1'},
      retracted: false,
    })
    expect(threadRootOf(state, 'y', {id: 'y1'}).root.id).toBe('y1')
    // A post it never saw is its own root.
    expect(threadRootOf(state, 'x', {id: 'zz'})).toEqual({root: {id: 'zz'}, retracted: false})
  })

  it('stops at a parent it does not know, and at a loop', () => {
    const orphan = journal(rendered(1, ['x']), attempt(1, 'x', 1, 'gone'), published(1, 'x', 1, 'a1'))
    expect(threadRootOf(orphan, 'x', {id: 'a1'}).root.id).toBe('a1')
    const loop = journal(
      rendered(1, ['x'], 2),
      attempt(1, 'x', 1, 'a2'),
      published(1, 'x', 1, 'a1'),
      attempt(1, 'x', 2, 'a1'),
      published(1, 'x', 2, 'a2'),
    )
    expect(['a1', 'a2']).toContain(threadRootOf(loop, 'x', {id: 'a2'}).root.id)
  })

  it('keeps the parent of the first time a post was published, and reads attempts of its channel only', () => {
    const state = journal(
      rendered(1, ['x', 'y'], 2),
      attempt(1, 'x', 1),
      published(1, 'x', 1, 'a1'),
      attempt(1, 'y', 2, 'elsewhere'),
      attempt(1, 'x', 2, 'a1'),
      published(1, 'x', 2, 'a2'),
      attempt(1, 'x', 2, 'a2'),
      published(1, 'x', 2, 'a2'),
    )
    expect(threadRootOf(state, 'x', {id: 'a2'}).root.id).toBe('a1')
  })

  it('says when the root was retracted, and only then', () => {
    expect(threadRootOf(twoUpdates(retracted(1, 'x', 1)), 'x', {id: 'b1'}).retracted).toBe(true)
    expect(threadRootOf(twoUpdates(retracted(1, 'x', 2)), 'x', {id: 'b1'}).retracted).toBe(false)
    expect(threadRootOf(twoUpdates(retracted(1, 'y', 1)), 'x', {id: 'b1'}).retracted).toBe(false)
  })

  it('a new thread after a retracted root only where the platform needs one', () => {
    const state = twoUpdates(retracted(1, 'x', 1))
    expect(threadFor(state, 'x', 3, {retractedRootEndsThread: true})).toEqual({})
    expect(threadFor(state, 'x', 3, {})).toEqual({
      replyTo: {id: 'b1', url: 'https://x.example/b1'},
      threadRoot: {id: 'a1', url: 'https://x.example/a1'},
    })
    expect(threadFor(twoUpdates(), 'x', 3, {retractedRootEndsThread: true}).threadRoot?.id).toBe('a1')
    expect(threadFor(twoUpdates(), 'x', 1, {})).toEqual({})
  })

  it('a later update replies to the last post and names the root', async () => {
    const h = harness({update: {update: 3, phase: 'monitoring'}}, twoUpdates())
    const {adapter, sent} = scripted([{id: 'c1'}])
    await deliverAll([{...job(adapter), channel: 'x', post: record('x', ['later'])}], h.opts)
    expect(sent.map((r) => [r.replyTo?.id, r.threadRoot?.id])).toEqual([['b1', 'a1']])
    expect(h.events[0]).toMatchObject({type: 'delivery_attempt', reply_to: 'b1'})
  })
})

describe('deliver: post keys', () => {
  const keyed = (): ChannelAdapter => ({
    describeTarget: () => '',
    post: async () => ({id: ''}),
    newPostKey: () => 'new',
  })

  it('none for a platform that names nothing', () => {
    expect(
      postKeyFor(twoUpdates(), 'x', 1, 1, {describeTarget: () => '', post: async () => ({id: ''})}),
    ).toBeUndefined()
  })

  it('the journaled one, else none for a part attempted without one, else a new one', () => {
    const state = journal(
      rendered(1, ['x'], 2),
      {type: 'delivery_attempt', update: 1, channel: 'x', part: 1, attempt: 1, post_key: 'first'} as Event,
      {type: 'delivery_attempt', update: 1, channel: 'x', part: 1, attempt: 2, post_key: 'second'} as Event,
      attempt(1, 'x', 2),
    )
    expect(postKeyFor(state, 'x', 1, 1, keyed())).toBe('first')
    expect(postKeyFor(state, 'x', 1, 2, keyed())).toBeUndefined()
    expect(postKeyFor(state, 'x', 1, 3, keyed())).toBe('new')
    expect(postKeyFor(state, 'y', 1, 1, keyed())).toBe('new')
    expect(postKeyFor(state, 'x', 2, 1, keyed())).toBe('new')
  })
})

describe('formatWait', () => {
  it('says seconds, rounded up, and minutes from 60 s', () => {
    expect(formatWait(0)).toBe('0s')
    expect(formatWait(1)).toBe('1s')
    expect(formatWait(59_000)).toBe('59s')
    expect(formatWait(59_001)).toBe('1m 0s')
    expect(formatWait(60_000)).toBe('1m 0s')
    expect(formatWait(125_000)).toBe('2m 5s')
  })
})

describe('systemClock.sleep', () => {
  it('resolves early when the signal aborts, and at once when it already has', async () => {
    const ac = new AbortController()
    const slept = systemClock.sleep(60_000, ac.signal)
    ac.abort()
    await slept
    await systemClock.sleep(60_000, ac.signal)
    // Without a signal, a short sleep still ends.
    await systemClock.sleep(1)
  })
})

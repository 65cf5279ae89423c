/**
 * Publishing fans out: every channel's delivery is in flight at once (services/publish/deliver.ts,
 * deliverAll), while the parts of one channel go one after another. Counted with in-process
 * fake adapters, so a sequential fan-out fails here without depending on timing.
 */
import {describe, expect, it} from 'vitest'
import type {JournalEvent, RemotePost, RenderedPostRecord} from '../../src/services/incident/events.js'
import type {IncidentState} from '../../src/services/incident/state.js'
import type {IncidentStore} from '../../src/services/incident/store.js'
import {DeliveryError, type ChannelAdapter, type PostRequest} from '../../src/services/publish/adapter.js'
import {deliverAll, systemClock, type DeliveryJob, type DeliveryOptions} from '../../src/services/publish/deliver.js'
import {Redactor} from '../../src/services/publish/redact.js'

/** Counts posts in flight across every adapter; a post waits (up to 1 s) until `expected` are. */
function inFlightCounter(expected: number) {
  let inFlight = 0
  let most = 0
  let release!: () => void
  const allStarted = new Promise<void>((resolve) => (release = resolve))
  return {
    get most() {
      return most
    },
    async enter() {
      inFlight++
      most = Math.max(most, inFlight)
      if (inFlight >= expected) release()
      await Promise.race([allStarted, new Promise((r) => setTimeout(r, 1000))])
      inFlight--
    },
  }
}

function fakeAdapter(
  name: string,
  counter: {enter(): Promise<void>},
  sent: PostRequest[],
  fail?: string,
): ChannelAdapter {
  let next = 0
  return {
    describeTarget: () => name,
    async post(request) {
      sent.push(request)
      await counter.enter()
      if (fail) throw new DeliveryError(fail, {retry: 'never'})
      return {id: `${name}-${++next}`, url: `https://${name}.example/${next}`}
    },
  }
}

function post(channel: string, parts: string[]): RenderedPostRecord {
  return {
    channel,
    type: 'webhook',
    parts: parts.map((text) => ({text, length: text.length, limit: null})),
  } as unknown as RenderedPostRecord
}

function options(events: JournalEvent[]): DeliveryOptions {
  const store = {append: async (_id: string, e: JournalEvent) => void events.push(e)} as unknown as IncidentStore
  const incident = {id: 'inc-1', updates: [], events: [], facts: {}} as unknown as IncidentState
  return {
    store,
    incident,
    update: {update: 1, phase: 'investigating'},
    actor: 'alice',
    redactor: new Redactor([]),
    clock: systemClock,
    reporter: {progress() {}},
    signal: new AbortController().signal,
    maxWaitMs: 1000,
    retries: 0,
    backoffMs: 1,
  }
}

describe('the fan-out of a publish', () => {
  it('has every channel in flight at once', async () => {
    const counter = inFlightCounter(3)
    const sent: PostRequest[] = []
    const jobs: DeliveryJob[] = ['a', 'b', 'c'].map((c) => ({
      channel: c,
      post: post(c, [`to ${c}`]),
      adapter: fakeAdapter(c, counter, sent),
      done: new Map(),
    }))
    const outcomes = await deliverAll(jobs, options([]))
    expect(counter.most).toBe(3)
    expect(outcomes.map((o) => [o.channel, o.status, o.ids])).toEqual([
      ['a', 'published', ['a-1']],
      ['b', 'published', ['b-1']],
      ['c', 'published', ['c-1']],
    ])
  })

  it('sends the parts of one channel one after another, each replying to the one before', async () => {
    const counter = inFlightCounter(1)
    const sent: PostRequest[] = []
    const events: JournalEvent[] = []
    const jobs: DeliveryJob[] = [
      {
        channel: 'a',
        post: post('a', ['one', 'two', 'three']),
        adapter: fakeAdapter('a', counter, sent),
        done: new Map(),
      },
    ]
    const [outcome] = await deliverAll(jobs, options(events))
    expect(counter.most).toBe(1)
    expect(sent.map((r) => [r.text, r.part, r.parts, r.replyTo?.id, r.threadRoot?.id])).toEqual([
      ['one', 1, 3, undefined, undefined],
      ['two', 2, 3, 'a-1', 'a-1'],
      ['three', 3, 3, 'a-2', 'a-1'],
    ])
    expect(outcome).toEqual({
      channel: 'a',
      status: 'published',
      ids: ['a-1', 'a-2', 'a-3'],
      urls: ['https://a.example/1', 'https://a.example/2', 'https://a.example/3'],
    })
    // Each attempt journaled before it is made, its result after.
    expect(events.map((e) => `${e.type}:${(e as {part: number}).part}`)).toEqual([
      'delivery_attempt:1',
      'delivery_result:1',
      'delivery_attempt:2',
      'delivery_result:2',
      'delivery_attempt:3',
      'delivery_result:3',
    ])
  })

  it('keeps the other channels going when one fails, all in flight together', async () => {
    const counter = inFlightCounter(2)
    const sent: PostRequest[] = []
    const jobs: DeliveryJob[] = [
      {
        channel: 'bad',
        post: post('bad', ['x']),
        adapter: fakeAdapter('bad', counter, sent, 'refused'),
        done: new Map(),
      },
      {channel: 'good', post: post('good', ['y']), adapter: fakeAdapter('good', counter, sent), done: new Map()},
    ]
    const outcomes = await deliverAll(jobs, options([]))
    expect(counter.most).toBe(2)
    expect(outcomes).toEqual([
      {channel: 'bad', status: 'failed', ids: [], urls: [], error: 'refused'},
      {channel: 'good', status: 'published', ids: ['good-1'], urls: ['https://good.example/1']},
    ])
  })

  it('keeps parts published earlier and never sends them again', async () => {
    const counter = inFlightCounter(1)
    const sent: PostRequest[] = []
    const earlier: RemotePost = {id: 'old-1', url: 'https://a.example/old'}
    const jobs: DeliveryJob[] = [
      {
        channel: 'a',
        post: post('a', ['one', 'two']),
        adapter: fakeAdapter('a', counter, sent),
        done: new Map([[1, earlier]]),
      },
    ]
    const [outcome] = await deliverAll(jobs, options([]))
    expect(sent.map((r) => [r.text, r.replyTo?.id, r.threadRoot?.id])).toEqual([['two', 'old-1', 'old-1']])
    expect(outcome.ids).toEqual(['old-1', 'a-1'])
  })
})

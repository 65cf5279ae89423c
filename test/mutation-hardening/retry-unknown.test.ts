/**
 * `candor retry` settling parts whose fate is unknown (an attempt journaled, no result: Candor
 * stopped while sending), in process (services/publish/publish.ts, retryFailed): looked up on
 * the platform where it can be (found, or not found and sent), sent again where the platform
 * drops repeats, otherwise as the person says (--assume-sent, --assume-lost, or asked), and
 * refused when no one can say. Fake X and Slack servers; the journal is written by hand.
 */
import {afterEach, describe, expect, it} from 'vitest'
import type {NewEvent, RenderedPostRecord} from '../../src/services/incident/events.js'
import {openIncident} from '../../src/services/incident/service.js'
import {publishUpdate, retryFailed} from '../../src/services/publish/publish.js'
import {xAndChatWorld} from '../helpers/x-and-chat.js'
import {xEnv} from '../helpers/x-incident.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

const TEXT = 'Acme is down.'

async function world() {
  const w = await xAndChatWorld()
  closers.push(w.close)
  const {dir, playbook: file, x, slack, store, deps} = w
  /** An incident whose update 1 was being sent to `channels` when Candor stopped: attempts, no results. */
  const interrupted = async (id: string, channels = ['x', 'chat']) => {
    await openIncident(store, {playbook: file, facts: {service: 'Acme'}, actor: 'alice', id})
    const post = (channel: string): RenderedPostRecord => ({
      channel,
      type: channel === 'x' ? 'x' : 'slack',
      parts: [{text: TEXT, length: TEXT.length, limit: 280}],
    })
    const events: NewEvent[] = [
      {type: 'rendered', by: 'alice', update: 1, phase: 'investigating', posts: channels.map(post)},
      {type: 'approved', by: 'alice', update: 1, channels, declined: []},
      ...channels.map(
        (channel): NewEvent => ({type: 'delivery_attempt', by: 'alice', update: 1, channel, part: 1, attempt: 1}),
      ),
    ]
    for (const e of events) await store.append(id, e)
    return id
  }
  const results = async (id: string) =>
    (await store.read(id)).events.flatMap((e) =>
      e.type === 'delivery_result' ? [[e.channel, e.status, e.remote?.id ?? null, e.error ?? null]] : [],
    )
  return {dir, file, x, slack, store, deps, interrupted, results}
}

describe('retry settles parts whose fate is unknown', () => {
  it('looks on a platform that can be asked: not there, so sent; the one that cannot be asked needs a person', async () => {
    const w = await world()
    const id = await w.interrupted('inc-a')
    await expect(retryFailed({incident: id}, w.deps)).rejects.toMatchObject({
      code: 'delivery_unknown',
      message:
        "update 1 on chat, part 1, may or may not have arrived (Candor stopped, or got no clear answer, while sending it), and chat can't be asked",
      suggestions: [expect.stringContaining('candor retry --assume-sent')],
    })
    // Refused before sending anything.
    expect(w.x.tweets).toHaveLength(0)
    expect(w.slack.requests).toHaveLength(0)
  })

  it('finds a part that did arrive, journals it, and sends nothing again', async () => {
    const w = await world()
    // Another incident posted the same text: X shows it on the account's timeline.
    await w.interrupted('inc-other', [])
    await publishUpdate(
      {incident: 'inc-other', phase: 'investigating', facts: {}, yes: true, interactive: false, channels: ['x']},
      w.deps,
    )
    expect(w.x.tweets.map((t) => t.text)).toEqual([TEXT])
    const id = await w.interrupted('inc-a', ['x'])
    const retried = await retryFailed({incident: id}, w.deps)
    expect(retried.resolved).toEqual([{update: 1, channel: 'x', part: 1, how: 'found'}])
    expect(w.x.tweets).toHaveLength(1)
    expect(retried.updates).toEqual([
      {
        update: 1,
        phase: 'investigating',
        deliveries: [
          {
            channel: 'x',
            status: 'published',
            ids: [w.x.tweets[0].id],
            urls: [expect.stringContaining(w.x.tweets[0].id)],
          },
        ],
      },
    ])
    expect(await w.results(id)).toEqual([
      ['x', 'published', w.x.tweets[0].id, 'found on the platform after an interrupted send'],
    ])
  })

  it('--assume-sent: journaled as sent by that person, not sent again', async () => {
    const w = await world()
    const id = await w.interrupted('inc-a')
    const retried = await retryFailed({incident: id, assume: 'sent'}, w.deps)
    expect(retried.resolved).toEqual([
      {update: 1, channel: 'x', part: 1, how: 'not-found'},
      {update: 1, channel: 'chat', part: 1, how: 'assumed-sent'},
    ])
    expect(w.slack.requests).toHaveLength(0)
    expect(w.x.tweets).toHaveLength(1)
    expect(retried.updates[0].deliveries.map((d) => [d.channel, d.status, d.ids.length])).toEqual([
      ['x', 'published', 1],
      ['chat', 'published', 0],
    ])
    expect(await w.results(id)).toContainEqual(['chat', 'published', null, 'assumed sent by alice'])
  })

  it('--assume-lost: sent again', async () => {
    const w = await world()
    const id = await w.interrupted('inc-a', ['chat'])
    const retried = await retryFailed({incident: id, assume: 'lost'}, w.deps)
    expect(retried.resolved).toEqual([{update: 1, channel: 'chat', part: 1, how: 'assumed-lost'}])
    expect(w.slack.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    expect(retried.updates[0].deliveries[0].status).toBe('published')
  })

  it('asks a person about each part, showing what it says', async () => {
    const w = await world()
    const id = await w.interrupted('inc-a', ['chat'])
    const asked: unknown[] = []
    const retried = await retryFailed(
      {
        incident: id,
        ask: async (part) => {
          asked.push(part)
          return 'sent'
        },
      },
      w.deps,
    )
    expect(asked).toEqual([{update: 1, channel: 'chat', part: 1, text: TEXT}])
    expect(retried.resolved).toEqual([{update: 1, channel: 'chat', part: 1, how: 'assumed-sent'}])
    expect(w.slack.requests).toHaveLength(0)
  })

  it('--assume given wins over asking', async () => {
    const w = await world()
    const id = await w.interrupted('inc-a', ['chat'])
    let asked = 0
    const ask = async () => {
      asked++
      return 'sent' as const
    }
    await retryFailed({incident: id, assume: 'lost', ask}, w.deps)
    expect(asked).toBe(0)
  })

  it('a lookup that fails falls back on what the person says', async () => {
    const w = await world()
    const id = await w.interrupted('inc-a', ['x'])
    w.x.fail({status: 401}, 5, {method: 'GET', path: '/2/users/me'})
    const retried = await retryFailed({incident: id, assume: 'sent'}, w.deps)
    expect(retried.resolved).toEqual([{update: 1, channel: 'x', part: 1, how: 'assumed-sent'}])
    expect(w.x.tweets).toHaveLength(0)
  })

  it('only the channels asked for', async () => {
    const w = await world()
    const id = await w.interrupted('inc-a')
    const retried = await retryFailed({incident: id, channels: ['x']}, w.deps)
    expect(retried.resolved.map((r) => r.channel)).toEqual(['x'])
    expect(retried.updates[0].deliveries.map((d) => d.channel)).toEqual(['x'])
  })

  it('refuses, naming them, when credentials are missing', async () => {
    const w = await world()
    const id = await w.interrupted('inc-a')
    await expect(retryFailed({incident: id}, {...w.deps, env: xEnv('X')})).rejects.toMatchObject({
      code: 'credentials_missing',
      message: 'nothing was retried: missing credentials: set CANDOR_CHAT_WEBHOOK_URL',
    })
  })
})

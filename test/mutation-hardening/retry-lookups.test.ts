/**
 * What publish.ts hands on, in process: to an adapter's lookup of a part whose fate is unknown
 * (retryFailed: the post it replies to, the incident, the idempotency key, the abort signal), to reading an
 * instance's limits (the signal) and to rendering (the incident's id and start, `@incident`).
 * Fake Mastodon, Statuspage and Bluesky servers, a Markdown folder; the journal is written by hand where
 * retry needs it.
 */
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {startFakeStatuspage} from '../../src/infrastructure/sandbox/fakes/statuspage-api.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import type {NewEvent, RemotePost, RenderedPostRecord} from '../../src/services/incident/events.js'
import {incidentPlaybook, loadIncident, openIncident} from '../../src/services/incident/service.js'
import {buildAdapters, publishUpdate, retryFailed, type PublishDeps} from '../../src/services/publish/publish.js'
import {writePlaybook} from '../helpers/cli.js'
import {folderChannelPlaybook} from '../helpers/folder-channel.js'
import {MASTODON_TOKEN, mastodonInstanceIncident} from '../helpers/mastodon-instance.js'
import {testClock} from '../helpers/test-clock.js'
import {threadWorld} from '../helpers/thread-world.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

/** An incident on one Mastodon channel; statuses are put on the fake directly, the journal written by hand. */
async function mastodonWorld() {
  const m = await mastodonInstanceIncident({text: 'Acme is down.'})
  closers.push(m.close)
  /** A status of the account on the fake, replying to `inReplyTo` if given. */
  const status = async (text: string, inReplyTo?: RemotePost): Promise<RemotePost> => {
    const res = await fetch(`${m.fake.url}/api/v1/statuses`, {
      method: 'POST',
      headers: {authorization: `Bearer ${MASTODON_TOKEN}`, 'content-type': 'application/json'},
      body: JSON.stringify({status: text, ...(inReplyTo && {in_reply_to_id: inReplyTo.id})}),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {id: string; url: string}
    return {id: body.id, url: body.url}
  }
  /**
   * Update `update` (parts `texts`) rendered and approved; the parts in `published` journaled as
   * out (with their statuses), then an attempt with no result for the part after them.
   */
  const journal = async (update: number, texts: string[], published: RemotePost[], unknown: boolean) => {
    const events: NewEvent[] = [
      {
        type: 'rendered',
        by: 'alice',
        update,
        phase: update === 1 ? 'investigating' : 'identified',
        posts: [
          {
            channel: 'mastodon',
            type: 'mastodon',
            parts: texts.map((text) => ({text, length: text.length, limit: 500})),
          },
        ],
      },
      {type: 'approved', by: 'alice', update, channels: ['mastodon'], declined: []},
    ]
    published.forEach((remote, i) => {
      const part = i + 1
      events.push(
        {type: 'delivery_attempt', by: 'alice', update, channel: 'mastodon', part, attempt: 1},
        {type: 'delivery_result', by: 'alice', update, channel: 'mastodon', part, status: 'published', remote},
      )
    })
    if (unknown) {
      const part = published.length + 1
      events.push({type: 'delivery_attempt', by: 'alice', update, channel: 'mastodon', part, attempt: 1})
    }
    for (const e of events) await m.store.append(m.id, e)
  }
  const retry = (signal?: AbortSignal) => retryFailed({incident: m.id}, {...m.deps, ...(signal && {signal})})
  return {...m, status, journal, retry}
}

describe('retry looks an unknown part up under the post it replies to', () => {
  it('a later part of a thread: the status replying to part 1, not a newer one with the same words elsewhere', async () => {
    const w = await mastodonWorld()
    const texts = ['Acme is down for everyone. 1/2', 'We are looking into it. 2/2']
    const first = await w.status(texts[0])
    const reply = await w.status(texts[1], first)
    // The same words posted later on their own: newest first, a lookup by text alone takes this one.
    await w.status(texts[1])
    await w.journal(1, texts, [first], true)
    const retried = await w.retry()
    expect(retried.resolved).toEqual([{update: 1, channel: 'mastodon', part: 2, how: 'found'}])
    expect(retried.updates[0].deliveries[0]).toMatchObject({status: 'published', ids: [first.id, reply.id]})
    expect(w.fake.statuses).toHaveLength(3)
  })

  it('a later part whose only look-alike replies to nothing: not found, so sent as the reply', async () => {
    const w = await mastodonWorld()
    const texts = ['Acme is down for everyone. 1/2', 'We are looking into it. 2/2']
    const first = await w.status(texts[0])
    await w.status(texts[1])
    await w.journal(1, texts, [first], true)
    const retried = await w.retry()
    expect(retried.resolved).toEqual([{update: 1, channel: 'mastodon', part: 2, how: 'not-found'}])
    expect(w.fake.statuses.map((s) => [s.text, s.inReplyToId])).toEqual([
      [texts[0], undefined],
      [texts[1], undefined],
      [texts[1], first.id],
    ])
  })

  it('the first part of a later update: the status replying to the last post of the update before', async () => {
    const w = await mastodonWorld()
    const earlier = await w.status('Acme is down.')
    await w.journal(1, ['Acme is down.'], [earlier], false)
    const reply = await w.status('Found it. Acme is down.', earlier)
    await w.status('Found it. Acme is down.')
    await w.journal(2, ['Found it. Acme is down.'], [], true)
    const retried = await w.retry()
    expect(retried.resolved).toEqual([{update: 2, channel: 'mastodon', part: 1, how: 'found'}])
    expect(retried.updates[0].deliveries[0]).toMatchObject({status: 'published', ids: [reply.id]})
    expect(w.fake.statuses).toHaveLength(3)
  })
})

describe('the idempotency key handed to a lookup', () => {
  it('Bluesky, no record key journaled (an attempt from before Candor journaled them): found by the key it derives', async () => {
    const w = await threadWorld()
    closers.push(() => w.close())
    const text = 'We are investigating problems with Acme Voice.'
    const post: RenderedPostRecord = {
      channel: 'bluesky',
      type: 'bluesky',
      parts: [{text, length: text.length, limit: 300}],
    }
    for (const e of [
      {type: 'rendered', by: 'alice', update: 1, phase: 'investigating', posts: [post]},
      {type: 'approved', by: 'alice', update: 1, channels: ['bluesky'], declined: []},
      {type: 'delivery_attempt', by: 'alice', update: 1, channel: 'bluesky', part: 1, attempt: 1},
    ] satisfies NewEvent[])
      await w.deps.store.append(w.id, e)
    // The part did go out, named (as then) after its idempotency key and text.
    const {state} = await loadIncident(w.deps.store, w.id)
    const bluesky = (await buildAdapters(incidentPlaybook(state), ['bluesky'], w.deps)).get('bluesky')!
    const remote = await bluesky.post({
      text,
      part: 1,
      parts: 1,
      post,
      incident: {id: w.id, update: 1, phase: 'investigating', facts: state.facts},
      idempotencyKey: `candor-${w.id}-1-bluesky-1`,
      signal: new AbortController().signal,
    })
    const retried = await retryFailed({incident: w.id}, w.deps)
    expect(retried.resolved).toEqual([{update: 1, channel: 'bluesky', part: 1, how: 'found'}])
    expect(retried.updates[0].deliveries[0]).toMatchObject({status: 'published', ids: [remote.id]})
    expect(w.bluesky.posts).toHaveLength(1)
  })
})

describe('the abort signal reaches the platform', () => {
  it('a lookup stopped by an interrupt is no answer: the part is settled by the key Mastodon keeps', async () => {
    const w = await mastodonWorld()
    const first = await w.status('Acme is down for everyone. 1/2')
    await w.journal(1, ['Acme is down for everyone. 1/2', 'We are looking into it. 2/2'], [first], true)
    const interrupt = new AbortController()
    interrupt.abort()
    const retried = await w.retry(interrupt.signal)
    // The lookup was cut off: Mastodon was never asked for the account's statuses.
    expect(retried.resolved).toEqual([{update: 1, channel: 'mastodon', part: 2, how: 'idempotent'}])
    expect(w.fake.requests.filter((r) => r.method === 'GET')).toEqual([])
  })

  it("reading an instance's limits is cut off by an interrupt, with a warning", async () => {
    const w = await mastodonWorld()
    const interrupt = new AbortController()
    interrupt.abort()
    const published = await publishUpdate(
      {incident: w.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      {...w.deps, signal: interrupt.signal},
    )
    expect(w.instanceReads()).toBe(0)
    expect(published.warnings).toContainEqual(expect.stringMatching(/^mastodon: could not read .*'s limits \(/))
  })
})

describe('the incident handed on', () => {
  it('to a Statuspage lookup: the incident it created for the update, found by its phase and name', async () => {
    const apiKey = 'sp-api-key-0123456789abcdef'
    const statuspage = await startFakeStatuspage({apiKey})
    closers.push(() => statuspage.close())
    const {dir, playbook} = writePlaybook(`name: incident
facts:
  service: { required: true }
channels:
  statuspage: { type: statuspage, page_id: "${statuspage.pageId}", api_url: "${statuspage.url}" }
phases:
  identified:
    posts:
      statuspage: { text: "We found why {{service}} is down." }
`)
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const {id} = await openIncident(store, {playbook, facts: {service: 'Acme'}, actor: 'alice'})
    const deps: PublishDeps = {
      store,
      actor: 'alice',
      env: {CANDOR_STATUSPAGE_API_KEY: apiKey},
      reporter: {progress() {}},
      backoffMs: 5,
      timeoutMs: 5000,
      retries: 0,
    }
    // The incident is created, but the answer never comes back; then Candor stopped while sending again.
    statuspage.fail({kind: 'lose-answer'}, 1, {method: 'POST'})
    const sent = await publishUpdate(
      {incident: id, phase: 'identified', facts: {}, yes: true, interactive: false},
      deps,
    )
    expect(sent.deliveries.map((d) => d.status)).toEqual(['failed'])
    expect(statuspage.incidents).toHaveLength(1)
    const {state} = await loadIncident(store, id)
    const attempts = state.events.flatMap((e) => (e.type === 'delivery_attempt' ? [e] : []))
    const {seq, at, ...last} = attempts.at(-1)!
    await store.append(id, {...last, attempt: last.attempt + 1} as NewEvent)

    // Its phase (identified) is the status the lookup compares: without it nothing matches.
    const retried = await retryFailed({incident: id}, deps)
    expect(retried.resolved).toEqual([{update: 1, channel: 'statuspage', part: 1, how: 'found'}])
    expect(retried.updates[0].deliveries[0]).toMatchObject({status: 'published', ids: [statuspage.incidents[0].id]})
    expect(statuspage.incidents).toHaveLength(1)
  })

  it("to rendering: `@incident` is the incident's id and the time it started", async () => {
    const {playbook, store, deps} = folderChannelPlaybook('markdown', {
      investigating: '{{@incident.id}} began {{since @incident.started_at}} ago.',
    })
    const opened = Date.parse('2026-03-02T10:00:00Z')
    const {id} = await openIncident(store, {playbook, facts: {service: 'Acme'}, actor: 'alice', now: new Date(opened)})
    const clock = testClock(opened + (2 * 60 + 5) * 60_000)
    await publishUpdate(
      {incident: id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      {...deps, clock},
    )
    const rendered = (await store.read(id)).events.flatMap((e) => (e.type === 'rendered' ? e.posts : []))
    expect(rendered.map((p) => p.parts.map((part) => part.text))).toEqual([[`${id} began 2 hours 5 minutes ago.`]])
  })
})

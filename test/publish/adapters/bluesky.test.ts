import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {RemotePost} from '../../../src/services/incident/events.js'
import type {PostRequest} from '../../../src/services/publish/adapter.js'
import {createAdapter, linkFacets, recordKey, timestampTid} from '../../../src/channels/bluesky/adapter.js'
import {startFakeBluesky, type FakeBluesky} from '../../../src/infrastructure/sandbox/fakes/bluesky-api.js'
import {deliveryFailure, postRequest, signal, TIMEOUT} from './requests.js'

const IDENTIFIER = 'acme-status.bsky.social'
const APP_PASSWORD = 'abcd-efgh-ijkl-mnop'

let fake: FakeBluesky
afterEach(async () => fake?.close())

async function setup(
  options: Record<string, unknown> = {},
  credentials = {IDENTIFIER, APP_PASSWORD},
  timeoutMs = TIMEOUT,
) {
  fake = await startFakeBluesky({appPassword: APP_PASSWORD, handle: 'acme-status.bsky.social'})
  return createAdapter({
    channel: {name: 'main', type: 'bluesky', kind: CHANNEL_KINDS.bluesky, options: {api_url: fake.url, ...options}},
    credentials,
    timeoutMs,
  })
}

let seq = 0
/** Each request gets its own idempotency key, as parts of different updates do. */
function request(text: string, extra: Partial<PostRequest> = {}): PostRequest {
  seq++
  return postRequest(
    {
      channel: 'main',
      type: 'bluesky',
      text,
      limit: 300,
      incident: {id: 'db-outage'},
      idempotencyKey: `candor-db-outage-1-main-${seq}`,
    },
    extra,
  )
}

/** No app password and no JWT (access or refresh token) in a message. */
const failure = (p: Promise<unknown>) => deliveryFailure(p, [APP_PASSWORD, /eyJ[\w-]+\.eyJ/])
const created = () => fake.requests.filter((r) => r.nsid === 'com.atproto.repo.createRecord')

describe('bluesky link facets', () => {
  it('uses UTF-8 byte offsets, also after an emoji and accented text', () => {
    const text = '🚨 Störung: see https://status.acme.com/incidents/42, or status.acme.com.'
    const facets = linkFacets(text)
    const bytes = Buffer.from(text, 'utf8')
    expect(facets.map((f) => bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8'))).toEqual([
      'https://status.acme.com/incidents/42',
      'status.acme.com',
    ])
    expect(facets.map((f) => f.features[0].uri)).toEqual([
      'https://status.acme.com/incidents/42',
      'https://status.acme.com',
    ])
    // The emoji is 4 bytes and ö 2: UTF-16 indices would be off.
    expect(facets[0]!.index.byteStart).toBe(text.indexOf('https') + 3)
  })

  it('finds nothing in plain text', () => {
    expect(linkFacets('We are investigating. Next update at 14:00 UTC.')).toEqual([])
  })
})

describe('bluesky record keys', () => {
  const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/
  /** The microseconds a TID claims (its top 53 bits after the sign bit). */
  const micros = (tid: string) =>
    [...tid].reduce((v, c) => (v << 5n) | BigInt('234567abcdefghijklmnopqrstuvwxyz'.indexOf(c)), 0n) >> 10n

  it('derives the same valid TID from the same part in every process, and never changes how', () => {
    // A fixed vector: changing the derivation would lose parts sent by the previous version.
    expect(recordKey('candor-2026-11-25-db-outage-1-bluesky-1', 'We are investigating.')).toBe('2bnliott7ctfl')
    for (let i = 0; i < 200; i++) expect(recordKey(`candor-inc-${i}-bluesky-1`, `text ${i}`)).toMatch(TID)
  })

  it('gives another part, or other words under a reused key, another record', () => {
    const key = 'candor-db-outage-1-bluesky-1'
    const keys = new Set([
      recordKey(key, 'a'),
      recordKey('candor-db-outage-1-bluesky-2', 'a'),
      recordKey('candor-db-outage-2-bluesky-1', 'a'),
      recordKey(key, 'b'),
    ])
    expect(keys.size).toBe(4)
  })

  it('legacy keys (parts attempted before keys were journaled) claim a time in the past', () => {
    for (let i = 0; i < 200; i++) expect(micros(recordKey(`k-${i}`, 't'))).toBeLessThan(2n ** 50n)
  })

  it('new keys are timestamp TIDs: the current time in microseconds, always increasing', () => {
    const before = BigInt(Date.now()) * 1000n
    const keys = Array.from({length: 500}, () => timestampTid())
    const after = BigInt(Date.now()) * 1000n + 1000n
    for (const key of keys) expect(key).toMatch(TID)
    expect([...keys].sort()).toEqual(keys)
    expect(new Set(keys).size).toBe(keys.length)
    expect(micros(keys[0]!)).toBeGreaterThanOrEqual(before)
    // 500 keys in the same millisecond step one microsecond each.
    expect(micros(keys.at(-1)!)).toBeLessThanOrEqual(after + 500n)
  })
})

describe('bluesky adapter', () => {
  it('signs in once and creates a post record with text, time, langs and link facets', async () => {
    const adapter = await setup({langs: ['en']})
    const text = '🚨 API errors are elevated. Details: https://status.acme.com/i/42'
    const remote = await adapter.post(request(text))

    expect(fake.requests.map((r) => [r.method, r.nsid])).toEqual([
      ['POST', 'com.atproto.server.createSession'],
      ['POST', 'com.atproto.repo.createRecord'],
    ])
    expect(fake.requests[0]!.body).toEqual({identifier: IDENTIFIER, password: APP_PASSWORD})
    const sent = created()[0]!
    expect(sent.headers.authorization).toMatch(/^Bearer eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
    expect(sent.body).toEqual({
      repo: fake.did,
      collection: 'app.bsky.feed.post',
      rkey: expect.stringMatching(/^[234567a-j][234567a-z]{12}$/),
      record: {
        $type: 'app.bsky.feed.post',
        text,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        langs: ['en'],
        facets: [
          {
            index: {byteStart: 39, byteEnd: 67},
            features: [{$type: 'app.bsky.richtext.facet#link', uri: 'https://status.acme.com/i/42'}],
          },
        ],
      },
    })
    const stored = fake.posts[0]!
    expect(Buffer.from(text).subarray(39, 67).toString()).toBe('https://status.acme.com/i/42')
    expect(stored.uri).toBe(`at://${fake.did}/app.bsky.feed.post/${stored.rkey}`)
    expect(stored.cid).toMatch(/^bafyrei[a-z2-7]{52}$/)
    expect(remote).toEqual({
      id: stored.uri,
      url: `https://bsky.app/profile/acme-status.bsky.social/post/${stored.rkey}`,
      ref: {cid: stored.cid},
    })
  })

  it('reuses the session for later posts and falls back to the locale for langs', async () => {
    const adapter = await setup({locale: 'de'})
    await adapter.post(request('eins'))
    await adapter.post(request('zwei'))
    await adapter.post(request('drei'))
    expect(fake.sessionsCreated).toBe(1)
    expect(fake.posts.map((p) => [p.record.text, p.record.langs])).toEqual([
      ['eins', ['de']],
      ['zwei', ['de']],
      ['drei', ['de']],
    ])
    expect(fake.posts[0]!.record.facets).toBeUndefined()
  })

  it('threads parts and later updates under the first post, with exact root and parent refs', async () => {
    const adapter = await setup()
    const first = await adapter.post(request('Update 1 (1/2)', {part: 1, parts: 2}))
    const second = await adapter.post(request('Update 1 (2/2)', {part: 2, parts: 2, replyTo: first, threadRoot: first}))
    const third = await adapter.post(
      request('Update 2: resolved', {
        incident: {id: 'db-outage', update: 2, phase: 'resolved', facts: {}},
        replyTo: second,
        threadRoot: first,
      }),
    )

    const rootRef = {uri: first.id, cid: first.ref!.cid}
    expect((created()[1]!.body as {record: {reply: unknown}}).record.reply).toEqual({root: rootRef, parent: rootRef})
    expect((created()[2]!.body as {record: {reply: unknown}}).record.reply).toEqual({
      root: rootRef,
      parent: {uri: second.id, cid: second.ref!.cid},
    })
    expect(fake.ancestors(third.id).map((p) => p.record.text)).toEqual([
      'Update 2: resolved',
      'Update 1 (2/2)',
      'Update 1 (1/2)',
    ])
    expect(fake.posts.every((p) => p.record.reply === undefined || p.record.reply.root.uri === first.id)).toBe(true)
  })

  it('is refused by the fake when a reply names a stale cid', async () => {
    const adapter = await setup()
    const first = await adapter.post(request('first'))
    const stale: RemotePost = {...first, ref: {cid: 'bafyreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm'}}
    const e = await failure(adapter.post(request('second', {replyTo: stale, threadRoot: stale})))
    expect(e.retry).toBe('never')
    expect(e.message).toMatch(/^Bluesky answered 400: Invalid reply: root cid .* does not match .* \(InvalidRequest\)$/)
    expect(fake.posts).toHaveLength(1)
  })

  it('cannot reply without the previous post’s cid', async () => {
    const adapter = await setup()
    const e = await failure(adapter.post(request('second', {replyTo: {id: 'at://did:plc:x/app.bsky.feed.post/3kabc'}})))
    expect(e.retry).toBe('never')
    expect(e.message).toContain('has no recorded cid')
    expect(fake.requests).toHaveLength(0)
  })

  it('refreshes an expired access token and carries on', async () => {
    const adapter = await setup()
    await adapter.post(request('before'))
    fake.expireAccessTokens()
    await adapter.post(request('after'))
    expect(fake.requests.map((r) => r.nsid)).toEqual([
      'com.atproto.server.createSession',
      'com.atproto.repo.createRecord',
      'com.atproto.repo.createRecord', // 400 ExpiredToken
      'com.atproto.server.refreshSession',
      'com.atproto.repo.createRecord',
    ])
    expect(fake.posts.map((p) => p.record.text)).toEqual(['before', 'after'])
    expect(fake.sessionsCreated).toBe(1)
    const [expired, fresh] = created()
      .slice(1)
      .map((r) => r.headers.authorization)
    expect(fresh).not.toBe(expired)
  })

  it('signs in again when the refresh token has expired too', async () => {
    const adapter = await setup()
    await adapter.post(request('before'))
    fake.expireRefreshTokens()
    await adapter.post(request('after'))
    expect(fake.sessionsCreated).toBe(2)
    expect(fake.posts.map((p) => p.record.text)).toEqual(['before', 'after'])
  })

  it('does not post twice when a retry follows a lost answer', async () => {
    const adapter = await setup()
    fake.fail({kind: 'lose-answer'}, 1, {nsid: 'com.atproto.repo.createRecord'}) // the post is created, the answer never comes
    const lost = await failure(
      adapter.post(request('We are investigating.', {idempotencyKey: 'candor-db-outage-1-main-1'})),
    )
    expect(lost.retry).toBe('transient')
    expect(fake.posts).toHaveLength(1)

    const retried = await adapter.post(request('We are investigating.', {idempotencyKey: 'candor-db-outage-1-main-1'}))
    expect(fake.posts).toHaveLength(1)
    expect(retried).toEqual({
      id: fake.posts[0]!.uri,
      url: `https://bsky.app/profile/acme-status.bsky.social/post/${fake.posts[0]!.rkey}`,
      ref: {cid: fake.posts[0]!.cid},
    })
    expect(fake.requests.at(-1)!.nsid).toBe('com.atproto.repo.getRecord')
  })

  it('retries under the same record key after a 5xx', async () => {
    const adapter = await setup()
    fake.fail({status: 502}, 1, {nsid: 'com.atproto.repo.createRecord'})
    const e = await failure(adapter.post(request('hello', {idempotencyKey: 'k-502'})))
    expect(e.retry).toBe('transient')
    expect(e.message).toBe('Bluesky answered 502: Upstream Failure (UpstreamFailure)')
    await adapter.post(request('hello', {idempotencyKey: 'k-502'}))
    const keys = created().map((r) => (r.body as {rkey: string}).rkey)
    expect(keys).toHaveLength(2)
    expect(keys[1]).toBe(keys[0])
    expect(fake.posts).toHaveLength(1)
  })

  it('rejects a wrong app password with a clear message naming the variables, never the password', async () => {
    const adapter = await setup({}, {IDENTIFIER, APP_PASSWORD: 'wxyz-wxyz-wxyz-wxyz'})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('never')
    expect(e.message).toBe(
      'Bluesky refused the sign-in (401: Invalid identifier or password (AuthenticationRequired)); check CANDOR_MAIN_IDENTIFIER and CANDOR_MAIN_APP_PASSWORD',
    )
    expect(e.message).not.toContain('wxyz-wxyz-wxyz-wxyz')
    expect(fake.posts).toHaveLength(0)
    // The failed sign-in is not cached: the next call tries again.
    await failure(adapter.whoami!(signal()))
    expect(fake.requests.filter((r) => r.nsid === 'com.atproto.server.createSession')).toHaveLength(2)
  })

  it('passes a validation error through as final', async () => {
    const adapter = await setup()
    const e = await failure(adapter.post(request('x'.repeat(301))))
    expect(e.retry).toBe('never')
    expect(e.message).toBe(
      'Bluesky answered 400: Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes (InvalidRequest)',
    )
  })

  it('waits for the rate limit until Retry-After', async () => {
    const adapter = await setup()
    fake.fail({status: 429, resetInSeconds: 3600, retryAfterSeconds: 90}, 1, {nsid: 'com.atproto.repo.createRecord'})
    const before = Date.now()
    const e = await failure(adapter.post(request('hello')))
    const after = Date.now()
    expect(e.retry).toBe('rate-limit')
    expect(e.message).toBe('Bluesky rate limit reached (429)')
    expect(e.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 90_000)
    expect(e.retryAt!.getTime()).toBeLessThanOrEqual(after + 90_000)
  })

  it('waits for the rate limit until RateLimit-Reset when there is no Retry-After', async () => {
    const adapter = await setup()
    fake.fail({status: 429, resetInSeconds: 1800, retryAfterSeconds: null}, 1, {
      nsid: 'com.atproto.server.createSession',
    })
    const before = Math.floor(Date.now() / 1000)
    const e = await failure(adapter.post(request('hello')))
    const after = Math.floor(Date.now() / 1000)
    expect(e.retry).toBe('rate-limit')
    expect(e.retryAt!.getTime() % 1000).toBe(0) // epoch seconds
    expect(e.retryAt!.getTime() / 1000).toBeGreaterThanOrEqual(before + 1800)
    expect(e.retryAt!.getTime() / 1000).toBeLessThanOrEqual(after + 1800)
  })

  it.each([500, 502, 503] as const)('retries after a %i', async (status) => {
    const adapter = await setup()
    fake.fail({status})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('transient')
    expect(e.message).toMatch(new RegExp(`^Bluesky answered ${status}: `))
  })

  it('gives up on a request that hangs past the timeout, as transient', async () => {
    const adapter = await setup({}, {IDENTIFIER, APP_PASSWORD}, 500)
    fake.fail({kind: 'hang'})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('transient')
    expect(e.message).toMatch(/^Bluesky did not answer within/)
  })

  it('treats a reset connection as transient', async () => {
    const adapter = await setup()
    fake.fail({kind: 'reset'})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('transient')
    expect(e.message).toMatch(/^could not reach Bluesky/)
  })

  it('deletes a post, and deleting it again is a no-op', async () => {
    const adapter = await setup()
    const remote = await adapter.post(request('wrong information'))
    await adapter.delete!(remote, signal())
    const del = fake.requests.at(-1)!
    expect(del.nsid).toBe('com.atproto.repo.deleteRecord')
    expect(del.body).toEqual({repo: fake.did, collection: 'app.bsky.feed.post', rkey: fake.posts[0]!.rkey})
    expect(del.headers.authorization).toMatch(/^Bearer /)
    expect(fake.posts[0]!.deleted).toBe(true)
    await adapter.delete!(remote, signal())
  })

  it('refuses to delete something that is not a record URI', async () => {
    const adapter = await setup()
    const e = await failure(adapter.delete!({id: '12345'}, signal()))
    expect(e.retry).toBe('never')
    expect(fake.requests).toHaveLength(0)
  })

  it('says who it posts as', async () => {
    const adapter = await setup()
    expect(await adapter.whoami!(signal())).toBe('@acme-status.bsky.social')
    expect(fake.requests.map((r) => r.nsid)).toEqual(['com.atproto.server.createSession'])
    expect(fake.posts).toHaveLength(0)
  })

  it('describes the target without a secret and without a request', async () => {
    const adapter = await setup()
    expect(adapter.describeTarget()).toBe(
      `Bluesky account of CANDOR_MAIN_IDENTIFIER on https://bsky.social via ${fake.url}`,
    )
    expect(adapter.describeTarget()).not.toContain(IDENTIFIER)
    expect(fake.requests).toHaveLength(0)
  })

  it('talks to the service itself when there is no api_url, whatever PDS the DID document names', async () => {
    fake = await startFakeBluesky({appPassword: APP_PASSWORD, pdsEndpoint: 'https://morel.us-east.host.bsky.network'})
    const adapter = createAdapter({
      channel: {name: 'main', type: 'bluesky', kind: CHANNEL_KINDS.bluesky, options: {service: fake.url}},
      credentials: {IDENTIFIER: fake.did, APP_PASSWORD},
      timeoutMs: TIMEOUT,
    })
    await adapter.post(request('hello'))
    expect(fake.posts).toHaveLength(1)
    expect(adapter.describeTarget()).toBe(`Bluesky account of CANDOR_MAIN_IDENTIFIER on ${fake.url}`)
  })
})

describe('the fake PDS', () => {
  it('satisfies the official @atproto/api agent: sign-in, PDS from the DID document, facets, replies, refresh, delete', async () => {
    const {AtpAgent, RichText} = await import('@atproto/api')
    fake = await startFakeBluesky({appPassword: APP_PASSWORD})
    const agent = new AtpAgent({service: fake.url})
    await agent.login({identifier: fake.handle, password: APP_PASSWORD})
    expect(agent.pdsUrl?.origin).toBe(fake.url) // the DID document points back at the fake

    const rt = new RichText({text: '🚨 Details: https://status.acme.com/i/42'})
    rt.detectFacetsWithoutResolution()
    const root = await agent.post({text: rt.text, facets: rt.facets})
    expect(root.cid).toMatch(/^bafyrei/)
    const ref = (p: {uri: string; cid: string}) => ({uri: p.uri, cid: p.cid})
    const reply = await agent.post({text: 'part 2', reply: {root: ref(root), parent: ref(root)}})
    fake.expireAccessTokens()
    const last = await agent.post({text: 'part 3', reply: {root: ref(root), parent: ref(reply)}})
    expect(fake.requests.map((r) => r.nsid)).toContain('com.atproto.server.refreshSession')

    const got = await agent.com.atproto.repo.getRecord({
      repo: fake.did,
      collection: 'app.bsky.feed.post',
      rkey: last.uri.split('/').pop()!,
    })
    expect(got.data.cid).toBe(last.cid)
    expect(fake.ancestors(last.uri).map((p) => p.record.text)).toEqual(['part 3', 'part 2', rt.text])
    expect(fake.posts[0]!.record.facets).toEqual(linkFacets(rt.text))

    await agent.deletePost(last.uri)
    expect(fake.posts.map((p) => p.deleted)).toEqual([false, false, true])
  })
})

describe('bluesky after an interrupted send', () => {
  const KEY = 'candor-db-outage-1-main-1'
  /** A new adapter is what `candor retry` has: a new process, nothing remembered. */
  const fresh = () =>
    createAdapter({
      channel: {name: 'main', type: 'bluesky', kind: CHANNEL_KINDS.bluesky, options: {api_url: fake.url}},
      credentials: {IDENTIFIER, APP_PASSWORD},
      timeoutMs: TIMEOUT,
    })

  it('posts each part under the record key derived from its idempotency key and text', async () => {
    const adapter = await setup()
    const remote = await adapter.post(request('We are investigating.', {idempotencyKey: KEY}))
    expect(created()[0]!.body).toMatchObject({rkey: recordKey(KEY, 'We are investigating.')})
    expect(remote.id).toBe(`at://${fake.did}/app.bsky.feed.post/${recordKey(KEY, 'We are investigating.')}`)
  })

  it('finds a part whose answer was lost with one getRecord of its key, from a new process', async () => {
    const adapter = await setup()
    fake.fail({kind: 'lose-answer'}, 1, {nsid: 'com.atproto.repo.createRecord'})
    await failure(adapter.post(request('We are investigating.', {idempotencyKey: KEY})))
    expect(fake.posts).toHaveLength(1)

    const before = fake.requests.length
    const found = await fresh().findPublished!(request('We are investigating.', {idempotencyKey: KEY}))
    expect(found).toEqual({
      id: fake.posts[0]!.uri,
      url: `https://bsky.app/profile/acme-status.bsky.social/post/${fake.posts[0]!.rkey}`,
      ref: {cid: fake.posts[0]!.cid},
    })
    const lookup = fake.requests.slice(before).filter((r) => r.nsid !== 'com.atproto.server.createSession')
    expect(lookup.map((r) => r.path)).toEqual([
      `/xrpc/com.atproto.repo.getRecord?repo=${encodeURIComponent(fake.did)}&collection=app.bsky.feed.post&rkey=${recordKey(KEY, 'We are investigating.')}`,
    ])
  })

  it('finds nothing for a part that never arrived, nor for another part', async () => {
    const adapter = await setup()
    await adapter.post(request('We are investigating.', {idempotencyKey: 'candor-db-outage-1-main-2'}))
    fake.fail({kind: 'reset'}, 1, {nsid: 'com.atproto.repo.createRecord'})
    await failure(adapter.post(request('We are investigating.', {idempotencyKey: KEY})))
    expect(await fresh().findPublished!(request('We are investigating.', {idempotencyKey: KEY}))).toBeNull()
    expect(fake.posts).toHaveLength(1)
  })

  it('never posts a part twice: a new process sending it again gets the first record back', async () => {
    const adapter = await setup()
    fake.fail({kind: 'lose-answer'}, 1, {nsid: 'com.atproto.repo.createRecord'})
    await failure(adapter.post(request('We are investigating.', {idempotencyKey: KEY})))
    // The PDS refuses a second record under the key; the adapter looks it up instead.
    const again = await fresh().post(request('We are investigating.', {idempotencyKey: KEY}))
    expect(fake.posts).toHaveLength(1)
    expect(again).toEqual({
      id: fake.posts[0]!.uri,
      url: `https://bsky.app/profile/acme-status.bsky.social/post/${fake.posts[0]!.rkey}`,
      ref: {cid: fake.posts[0]!.cid},
    })
  })

  it('posts under the journaled post key when it has one, and looks it up there', async () => {
    const adapter = await setup()
    const postKey = timestampTid()
    fake.fail({kind: 'lose-answer'}, 1, {nsid: 'com.atproto.repo.createRecord'})
    await failure(adapter.post(request('We are investigating.', {idempotencyKey: KEY, postKey})))
    expect(fake.posts.map((p) => p.rkey)).toEqual([postKey])
    expect(
      await fresh().findPublished!(request('We are investigating.', {idempotencyKey: KEY, postKey})),
    ).toMatchObject({id: `at://${fake.did}/app.bsky.feed.post/${postKey}`})
    expect(await fresh().post(request('We are investigating.', {idempotencyKey: KEY, postKey}))).toMatchObject({
      id: `at://${fake.did}/app.bsky.feed.post/${postKey}`,
    })
    expect(fake.posts).toHaveLength(1)
  })

  it('a lookup that fails is an error, not "not there"', async () => {
    await setup()
    fake.fail({status: 503}, 1, {nsid: 'com.atproto.repo.getRecord'})
    const e = await failure(fresh().findPublished!(request('We are investigating.', {idempotencyKey: KEY})))
    expect(e.retry).toBe('transient')
  })

  it('sends a retracted part again under the same key', async () => {
    const adapter = await setup()
    const first = await adapter.post(request('We are investigating.', {idempotencyKey: KEY}))
    await adapter.delete!(first, signal())
    expect(await fresh().findPublished!(request('We are investigating.', {idempotencyKey: KEY}))).toBeNull()
    const again = await fresh().post(request('We are investigating.', {idempotencyKey: KEY}))
    expect(again.id).toBe(first.id)
    expect(fake.posts.map((p) => p.deleted)).toEqual([true, false])
  })
})

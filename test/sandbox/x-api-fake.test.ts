import http from 'node:http'
import {ApiRequestError, ApiResponseError, type ITwitterApiClientPlugin, TwitterApi} from 'twitter-api-v2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {type FakeX, type FakeXCredentials, startFakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {waitFor} from '../helpers/wait.js'

const CREDS: FakeXCredentials = {
  appKey: 'app-key-123',
  appSecret: 'app secret/with+odd*chars!',
  accessToken: '1590000000000000001-accessToken',
  accessSecret: 'access-secret-456',
}
const USER_ID = '1590000000000000001'

/**
 * Sends the library's requests to the fake instead of https://api.x.com (or api.twitter.com).
 * `onBeforeRequestConfig` runs before the URL is parsed and signed, and the library re-reads
 * `params.url` afterwards, so reassigning `params.url` (a string) moves both the request and the
 * OAuth signature base. The hook must return nothing: a truthy return is used as the response.
 */
function redirectTo(baseUrl: string): ITwitterApiClientPlugin {
  return {
    onBeforeRequestConfig({params}) {
      params.url = params.url.replace(/^https:\/\/api\.(?:x|twitter)\.com\//, `${baseUrl}/`)
    },
  }
}

function clientFor(fake: FakeX, creds: FakeXCredentials = CREDS): TwitterApi {
  return new TwitterApi(
    {
      appKey: creds.appKey,
      appSecret: creds.appSecret,
      accessToken: creds.accessToken,
      accessSecret: creds.accessSecret,
    },
    {httpAgent: new http.Agent(), plugins: [redirectTo(fake.url)]},
  )
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject')
}

async function responseError(p: Promise<unknown>): Promise<ApiResponseError> {
  const e = await rejection(p)
  expect(e).toBeInstanceOf(ApiResponseError)
  return e as ApiResponseError
}

/** A raw request on loopback, for what the library will not send (replays). */
function rawRequest(url: string, opts: {method: string; path: string; headers: Record<string, string>; body?: string}) {
  return new Promise<{status: number; headers: http.IncomingHttpHeaders; body: string}>((resolve, reject) => {
    const req = http.request(url + opts.path, {method: opts.method, headers: opts.headers}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body}))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

let fake: FakeX
let client: TwitterApi

beforeEach(async () => {
  fake = await startFakeX({credentials: CREDS, username: 'acme_status', userId: USER_ID})
  client = clientFor(fake)
})

afterEach(async () => {
  await fake.close()
})

describe('fake X API v2 driven by twitter-api-v2', () => {
  it('posts a tweet, signed with OAuth 1.0a over the rewritten URL', async () => {
    const {data} = await client.v2.tweet('API latency is elevated; we are investigating.')
    expect(data.id).toMatch(/^\d{19}$/)
    expect(data.text).toBe('API latency is elevated; we are investigating.')
    // The live API (and the fake) add edit_history_tweet_ids; the library's type omits it.
    expect((data as {edit_history_tweet_ids?: string[]}).edit_history_tweet_ids).toEqual([data.id])

    expect(fake.tweets).toEqual([{id: data.id, text: data.text, deleted: false, createdAt: expect.any(String)}])
    expect(fake.requests).toHaveLength(1)
    const [req] = fake.requests
    expect(req).toMatchObject({method: 'POST', path: '/2/tweets', body: {text: data.text}})
    expect(req!.headers['content-type']).toMatch(/^application\/json/)
    expect(req!.headers.host).toBe(new URL(fake.url).host)
    expect(String(req!.headers.authorization)).toMatch(
      /^OAuth oauth_consumer_key="app-key-123",.*oauth_signature_method="HMAC-SHA1"/,
    )
  })

  it('answers with rate-limit headers the library exposes', async () => {
    const first = await client.v2.post('tweets', {text: 'one'}, {fullResponse: true})
    expect(first.rateLimit).toEqual({limit: 100, remaining: 99, reset: expect.any(Number)})
    expect(first.rateLimit!.reset).toBeGreaterThan(Date.now() / 1000)
    const second = await client.v2.post('tweets', {text: 'two'}, {fullResponse: true})
    expect(second.rateLimit!.remaining).toBe(98)
  })

  it('builds a reply chain', async () => {
    const a = await client.v2.tweet('1/3 Investigating elevated error rates.')
    const b = await client.v2.tweet('2/3 Cause identified.', {reply: {in_reply_to_tweet_id: a.data.id}})
    const c = await client.v2.tweet('3/3 Resolved.', {reply: {in_reply_to_tweet_id: b.data.id}})
    expect(BigInt(b.data.id)).toBeGreaterThan(BigInt(a.data.id))
    expect(BigInt(c.data.id)).toBeGreaterThan(BigInt(b.data.id))
    expect(fake.tweets.map((t) => [t.id, t.inReplyTo])).toEqual([
      [a.data.id, undefined],
      [b.data.id, a.data.id],
      [c.data.id, b.data.id],
    ])
    expect(fake.requests[1]!.body).toEqual({text: '2/3 Cause identified.', reply: {in_reply_to_tweet_id: a.data.id}})
  })

  it('refuses a reply to a deleted or unknown tweet with 403 Forbidden', async () => {
    const first = await client.v2.tweet('Investigating.')
    await client.v2.deleteTweet(first.data.id)
    for (const id of [first.data.id, '1234567890']) {
      const e = await responseError(client.v2.tweet('orphan', {reply: {in_reply_to_tweet_id: id}}))
      expect(e.code).toBe(403)
      expect(e.data).toEqual({
        title: 'Forbidden',
        type: 'about:blank',
        status: 403,
        detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.',
      })
    }
    expect(fake.tweets.map((t) => t.text)).toEqual(['Investigating.'])
  })

  it('rejects empty and over-long text with 400, counting as X does (twitter-text weighted length)', async () => {
    expect((await responseError(client.v2.tweet(''))).code).toBe(400)
    expect((await responseError(client.v2.tweet('x'.repeat(281)))).code).toBe(400)
    // CJK counts 2: 150 characters weigh 300.
    expect((await responseError(client.v2.tweet('障'.repeat(150)))).code).toBe(400)
    await client.v2.tweet('障'.repeat(140))
    await client.v2.tweet('é'.repeat(280))
    // A URL counts 23 however long it is: 300 code points that weigh 273.
    const long = `${'a'.repeat(249)} https://status.acme.com/${'p'.repeat(26)}`
    expect([...long].length).toBe(300)
    await client.v2.tweet(long)
    expect(fake.tweets).toHaveLength(3)
  })

  it('answers a wrong app secret with 401, as ApiResponseError code 401', async () => {
    const bad = clientFor(fake, {...CREDS, appSecret: 'wrong'})
    const e = await responseError(bad.v2.tweet('should not post'))
    expect(e.code).toBe(401)
    expect(e.data).toEqual({title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized'})
    expect(e.headers['content-type']).toBe('application/problem+json')
    expect(fake.tweets).toEqual([])
    expect(fake.requests).toHaveLength(1)
  })

  it('answers a wrong access secret or token with 401', async () => {
    expect((await responseError(clientFor(fake, {...CREDS, accessSecret: 'nope'}).v2.me())).code).toBe(401)
    expect((await responseError(clientFor(fake, {...CREDS, accessToken: 'other-token'}).v2.me())).code).toBe(401)
    expect((await responseError(clientFor(fake, {...CREDS, appKey: 'other-key'}).v2.me())).code).toBe(401)
  })

  it('rejects a request without OAuth and a replayed nonce', async () => {
    const host = new URL(fake.url).host
    const none = await rawRequest(fake.url, {method: 'GET', path: '/2/users/me', headers: {host}})
    expect(none.status).toBe(401)
    expect(JSON.parse(none.body)).toEqual({
      title: 'Unauthorized',
      type: 'about:blank',
      status: 401,
      detail: 'Unauthorized',
    })

    await client.v2.me()
    const signed = fake.requests.at(-1)!
    const replay = await rawRequest(fake.url, {
      method: 'GET',
      path: signed.path,
      headers: {host, authorization: String(signed.headers.authorization)},
    })
    expect(replay.status).toBe(401)
  })

  it('answers duplicate text with the exact 403 X sends', async () => {
    await client.v2.tweet('We are investigating.')
    const e = await responseError(client.v2.tweet('We are investigating.'))
    expect(e.code).toBe(403)
    expect(e.data).toEqual({
      detail: 'You are not allowed to create a Tweet with duplicate content.',
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
    })
    expect(fake.tweets).toHaveLength(1)
  })

  it('can inject the duplicate 403 as a fault', async () => {
    fake.fail({status: 403, duplicate: true})
    const e = await responseError(client.v2.tweet('fresh text'))
    expect(e.code).toBe(403)
    expect(e.data.detail).toBe('You are not allowed to create a Tweet with duplicate content.')
    expect(fake.tweets).toEqual([])
  })

  it('injects a 429 with rateLimit.reset populated, then recovers', async () => {
    fake.fail({status: 429, resetInSeconds: 120})
    const before = Math.floor(Date.now() / 1000)
    const e = await responseError(client.v2.tweet('rate limited'))
    expect(e.code).toBe(429)
    expect(e.rateLimitError).toBe(true)
    expect(e.data).toEqual({title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429})
    expect(e.rateLimit).toMatchObject({limit: 100, remaining: 0})
    expect(e.rateLimit!.reset).toBeGreaterThanOrEqual(before + 120)
    expect(e.rateLimit!.reset).toBeLessThanOrEqual(before + 121)

    const ok = await client.v2.tweet('rate limited')
    expect(fake.tweets.map((t) => t.id)).toEqual([ok.data.id])
    expect(fake.requests).toHaveLength(2)
  })

  it('injects a 503 with an RFC 7807 body', async () => {
    fake.fail({status: 503})
    const e = await responseError(client.v2.tweet('outage'))
    expect(e.code).toBe(503)
    expect(e.data).toMatchObject({title: 'Service Unavailable', status: 503, type: 'about:blank'})
    expect(fake.tweets).toEqual([])
  })

  it('injects a 401 fault even with good credentials', async () => {
    fake.fail({status: 401})
    expect((await responseError(client.v2.me())).code).toBe(401)
    expect((await client.v2.me()).data.id).toBe(USER_ID)
  })

  it('applies faults only to matching requests, `times` times', async () => {
    fake.fail({status: 503}, 2, {method: 'POST', path: '/2/tweets'})
    expect((await client.v2.me()).data.username).toBe('acme_status')
    expect((await responseError(client.v2.tweet('a'))).code).toBe(503)
    expect((await responseError(client.v2.tweet('a'))).code).toBe(503)
    await client.v2.tweet('a')
    expect(fake.requests.map((r) => r.method + ' ' + r.path)).toEqual([
      'GET /2/users/me',
      'POST /2/tweets',
      'POST /2/tweets',
      'POST /2/tweets',
    ])
  })

  it('matches `:param` path patterns', async () => {
    const {data} = await client.v2.tweet('to delete')
    fake.fail({status: 503}, 1, {path: '/2/tweets/:id'})
    expect((await responseError(client.v2.deleteTweet(data.id))).code).toBe(503)
    expect((await client.v2.deleteTweet(data.id)).data.deleted).toBe(true)
  })

  it('hangs until the client times out', async () => {
    fake.fail({kind: 'hang'})
    const e = await rejection(client.v2.post('tweets', {text: 'hang'}, {timeout: 300}))
    expect(e).toBeInstanceOf(ApiRequestError)
    expect(fake.requests).toHaveLength(1)
    expect(fake.tweets).toEqual([])
  })

  it('ends hanging requests on close()', async () => {
    const own = await startFakeX({credentials: CREDS})
    own.fail({kind: 'hang'})
    const pending = rejection(clientFor(own).v2.tweet('hang'))
    await waitFor(() => own.requests.length > 0, {what: 'the hanging request to reach the fake'})
    await own.close()
    expect(await pending).toBeInstanceOf(ApiRequestError)
  })

  it('resets the connection', async () => {
    fake.fail({kind: 'reset'})
    const e = await rejection(client.v2.tweet('reset'))
    expect(e).toBeInstanceOf(ApiRequestError)
    expect(fake.tweets).toEqual([])
    await client.v2.tweet('reset')
    expect(fake.tweets).toHaveLength(1)
  })

  it('delays answers by latencyMs', async () => {
    fake.latencyMs = 200
    const start = Date.now()
    await client.v2.me()
    expect(Date.now() - start).toBeGreaterThanOrEqual(190)
  })

  it('deletes a tweet; unknown or already deleted ids are 404', async () => {
    const {data} = await client.v2.tweet('Resolved.')
    const del = await client.v2.deleteTweet(data.id)
    expect(del).toEqual({data: {deleted: true}})
    expect(fake.tweets[0]).toMatchObject({id: data.id, deleted: true})
    expect(fake.requests.at(-1)).toMatchObject({method: 'DELETE', path: `/2/tweets/${data.id}`})

    const again = await responseError(client.v2.deleteTweet(data.id))
    expect(again.code).toBe(404)
    expect(again.data.title).toBe('Not Found Error')
    expect((await responseError(client.v2.deleteTweet('1111111111111111111'))).code).toBe(404)

    // Once deleted, the same text is no longer a duplicate.
    await client.v2.tweet('Resolved.')
    expect(fake.tweets.filter((t) => !t.deleted)).toHaveLength(1)
  })

  it('answers users/me', async () => {
    const me = await client.v2.me()
    expect(me.data).toEqual({id: USER_ID, name: expect.any(String), username: 'acme_status'})
    expect(fake.requests[0]!.path).toBe('/2/users/me')
  })

  it('lists users/:id/tweets newest first without deleted ones, with max_results and pagination', async () => {
    const ids: string[] = []
    for (let i = 1; i <= 7; i++) ids.push((await client.v2.tweet(`update ${i}`)).data.id)
    await client.v2.deleteTweet(ids[6]!)

    const page = await client.v2.userTimeline(USER_ID, {max_results: 5, exclude: ['replies', 'retweets']})
    expect(page.tweets.map((t) => t.text)).toEqual(['update 6', 'update 5', 'update 4', 'update 3', 'update 2'])
    expect(page.meta.result_count).toBe(5)
    expect(page.meta.next_token).toEqual(expect.any(String))
    // The query string (with a percent-encoded comma) is part of the OAuth signature.
    expect(fake.requests.at(-1)!.path).toBe(`/2/users/${USER_ID}/tweets?max_results=5&exclude=replies%2Cretweets`)

    const next = await page.next()
    expect(next.tweets.map((t) => t.text)).toEqual(['update 1'])
    expect(next.done).toBe(true)

    const all = await client.v2.userTimeline(USER_ID)
    expect(all.tweets.map((t) => t.id)).toEqual(ids.slice(0, 6).reverse())
    expect(all.meta).toMatchObject({result_count: 6, newest_id: ids[5], oldest_id: ids[0]})
  })

  it('returns an empty timeline without `data`, and 400 for max_results out of range', async () => {
    const empty = await client.v2.get(`users/${USER_ID}/tweets`)
    expect(empty).toEqual({meta: {result_count: 0}})
    const e = await responseError(client.v2.userTimeline(USER_ID, {max_results: 2}))
    expect(e.code).toBe(400)
  })

  it('also redirects api.twitter.com URLs', async () => {
    const me = await client.v2.get('users/me', undefined, {prefix: 'https://api.twitter.com/2/'})
    expect(me.data.id).toBe(USER_ID)
  })

  it('records every request, including rejected and faulted ones', async () => {
    fake.fail({status: 503})
    await rejection(client.v2.tweet('a'))
    await rejection(clientFor(fake, {...CREDS, appSecret: 'bad'}).v2.tweet('b'))
    await client.v2.tweet('c')
    expect(fake.requests.map((r) => r.body)).toEqual([{text: 'a'}, {text: 'b'}, {text: 'c'}])
    expect(fake.tweets.map((t) => t.text)).toEqual(['c'])
  })
})

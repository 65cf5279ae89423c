/**
 * A fake X API v2 server on loopback, for tests of the X channel.
 *
 * It speaks the real wire protocol as described in docs/platform-fakes.md (X): OAuth 1.0a
 * (HMAC-SHA1, RFC 5849) is verified on every request, bodies are JSON, errors are
 * RFC 7807-style problem documents (`application/problem+json`), and answers carry the
 * `x-rate-limit-*` headers. Text is measured as X measures it, with twitter-text's weighted
 * length (over 280 is a 400); a reply to a deleted (or unknown) post is a 403. Faults (429,
 * also with the 24-hour `x-user-limit-24hour-*` headers of a used-up daily cap, 503,
 * duplicate 403, 401, a redirect, hang, connection reset) can be queued per request.
 *
 * Order of processing for each request: read and record it, then a queued fault (if one
 * matches) wins over everything else, including authentication; then OAuth; then routing.
 */
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto'
import type http from 'node:http'
import twitterText from 'twitter-text'
import {
  answerFault,
  type AnswerFault,
  FakeHttpServer,
  type FakePlatform,
  faultAction,
  FaultQueue,
  header,
  matchesRoute,
  parseBody,
  readRequest,
  sentTarget,
  type RecordedRequest,
  type RouteMatch,
  type FakeMount,
} from './fake-server.js'

export interface FakeXCredentials {
  appKey: string
  appSecret: string
  accessToken: string
  accessSecret: string
}

export interface FakeTweet {
  id: string
  text: string
  inReplyTo?: string
  deleted: boolean
  createdAt: string
}

export type FakeXFault =
  /**
   * 429 with the 15-minute window's headers; with `userDayResetInSeconds`, the account's
   * 24-hour cap is what ran out: `x-user-limit-24hour-remaining: 0` and its own reset, while
   * the 15-minute window still has requests left (docs/channels/x.md).
   */
  | {status: 429; resetInSeconds: number; userDayResetInSeconds?: number}
  /** A redirect to `location` (X never redirects the API; a proxy in front of it might). */
  | {status: 301 | 302 | 307 | 308; location: string}
  | {status: 503}
  | {status: 403; duplicate: true}
  | {status: 401}
  | {kind: 'hang'}
  | {kind: 'reset'}
  /** Carry the request out, then cut the connection before answering (the answer is lost). */
  | {kind: 'lose-answer'}

export type FakeXRequest = RecordedRequest

export interface FakeX extends FakePlatform<FakeXFault, FakeXRequest> {
  /** Everything created, in order (deleted ones stay, with `deleted: true`). */
  tweets: FakeTweet[]
  /**
   * Queue a fault for the next `times` matching requests (default 1). `match.path` is compared
   * with the path without query string; `:name` segments match any one segment
   * (e.g. `/2/tweets/:id`). Faults are consumed in the order they were queued.
   */
  fail(fault: FakeXFault, times?: number, match?: RouteMatch): void
  /** TCP connections accepted so far. */
  readonly connections: number
}

export interface StartFakeXOptions {
  /** Mounted on another server (`candor sandbox`) instead of listening on its own port. */
  mount?: FakeMount
  credentials: FakeXCredentials
  username?: string
  userId?: string
}

// ---------------------------------------------------------------------------------------
// Bodies X sends
// ---------------------------------------------------------------------------------------

const UNAUTHORIZED_BODY = {title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized'}
const TOO_MANY_REQUESTS_BODY = {
  title: 'Too Many Requests',
  detail: 'Too Many Requests',
  type: 'about:blank',
  status: 429,
}
const SERVICE_UNAVAILABLE_BODY = {
  title: 'Service Unavailable',
  detail: 'Service Unavailable',
  type: 'about:blank',
  status: 503,
}
const DUPLICATE_BODY = {
  detail: 'You are not allowed to create a Tweet with duplicate content.',
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
}

/** A reply to a post that was deleted (or never visible): X answers 403 Forbidden. */
const REPLY_TO_DELETED_BODY = {
  detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.',
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
}

function invalidRequest(message: string, parameters: Record<string, unknown[]> = {}) {
  return {
    errors: [{parameters, message}],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  }
}

function notFound(detail: string, extra: Record<string, string> = {}) {
  return {
    errors: [
      {...extra, title: 'Not Found Error', detail, type: 'https://api.twitter.com/2/problems/resource-not-found'},
    ],
    title: 'Not Found Error',
    detail,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
    status: 404,
  }
}

// ---------------------------------------------------------------------------------------
// Rate limits (per endpoint, per 15-minute window; counted, not enforced — use fail() for 429)
// ---------------------------------------------------------------------------------------

const WINDOW_SECONDS = 15 * 60
const LIMITS: Record<string, number> = {
  'POST /2/tweets': 100,
  'DELETE /2/tweets/:id': 50,
  'GET /2/users/me': 75,
  'GET /2/users/:id/tweets': 900,
}
const DEFAULT_LIMIT = 300
/**
 * The account's 24-hour cap on POST /2/tweets that the 24-hour headers report (Basic access:
 * 100 requests / 24 hours per user, https://docs.x.com/x-api/fundamentals/rate-limits).
 */
const USER_DAY_LIMIT = 100

// ---------------------------------------------------------------------------------------
// OAuth 1.0a (RFC 5849)
// ---------------------------------------------------------------------------------------

/** RFC 3986 percent-encoding as RFC 5849 §3.6 requires (unreserved characters kept). */
function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

function parseOAuthHeader(header: string | undefined): Map<string, string> | undefined {
  if (!header) return undefined
  const m = /^OAuth\s+(.*)$/is.exec(header.trim())
  if (!m) return undefined
  const params = new Map<string, string>()
  try {
    for (const part of m[1]!.split(',')) {
      if (!part.trim()) continue
      const kv = /^\s*([^=\s]+)\s*=\s*"([^"]*)"\s*$/.exec(part)
      if (!kv) return undefined
      const key = decodeURIComponent(kv[1]!)
      if (params.has(key)) return undefined
      params.set(key, decodeURIComponent(kv[2]!))
    }
  } catch {
    return undefined
  }
  return params
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a)
  const bb = Buffer.from(b)
  return ba.length === bb.length && timingSafeEqual(ba, bb)
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const PAGE_TOKEN_PREFIX = 'fakex:'

function encodePageToken(id: string): string {
  return Buffer.from(PAGE_TOKEN_PREFIX + id).toString('base64url')
}

function decodePageToken(token: string): string | undefined {
  const s = Buffer.from(token, 'base64url').toString('utf8')
  return s.startsWith(PAGE_TOKEN_PREFIX) && /^\d+$/.test(s.slice(PAGE_TOKEN_PREFIX.length))
    ? s.slice(PAGE_TOKEN_PREFIX.length)
    : undefined
}

// ---------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------

interface Reply {
  status: number
  body?: unknown
  /** Route key for the x-rate-limit-* headers; omitted = no rate-limit headers. */
  rateKey?: string
  headers?: Record<string, string>
}

export async function startFakeX(opts: StartFakeXOptions): Promise<FakeX> {
  const creds = opts.credentials
  const username = opts.username ?? 'candor_status'
  const userId = opts.userId ?? '1590000000000000001'

  const tweets: FakeTweet[] = []
  const requests: FakeXRequest[] = []
  const faults = new FaultQueue<FakeXFault, RouteMatch>()
  const seenNonces = new Set<string>()
  const windows = new Map<string, {remaining: number; reset: number}>()
  let nextId = 1_860_000_000_000_000_000n

  const now = () => Math.floor(Date.now() / 1000)

  function rateHeaders(key: string): Record<string, string> {
    const limit = LIMITS[key] ?? DEFAULT_LIMIT
    let w = windows.get(key)
    if (!w || w.reset <= now()) {
      w = {remaining: limit, reset: now() + WINDOW_SECONDS}
      windows.set(key, w)
    }
    w.remaining = Math.max(0, w.remaining - 1)
    return {
      'x-rate-limit-limit': String(limit),
      'x-rate-limit-remaining': String(w.remaining),
      'x-rate-limit-reset': String(w.reset),
    }
  }

  function routeKey(method: string, path: string): string {
    if (/^\/2\/tweets\/[^/]+$/.test(path)) return `${method} /2/tweets/:id`
    if (path !== '/2/users/me' && /^\/2\/users\/[^/]+\/tweets$/.test(path)) return `${method} /2/users/:id/tweets`
    return `${method} ${path}`
  }

  function send(res: http.ServerResponse, reply: Reply): void {
    if (!server.answerable(res)) return
    const headers: Record<string, string> = {
      'x-transaction-id': randomBytes(8).toString('hex'),
      'cache-control': 'no-cache, no-store, max-age=0',
      ...(reply.rateKey ? rateHeaders(reply.rateKey) : {}),
      ...reply.headers,
    }
    let payload = ''
    if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body)
      headers['content-type'] = reply.status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8'
      headers['content-length'] = String(Buffer.byteLength(payload))
    }
    res.writeHead(reply.status, headers)
    res.end(payload)
  }

  /** Verifies the OAuth 1.0a header; returns a reason on failure (for debugging), undefined if valid. */
  function checkOAuth(req: http.IncomingMessage, method: string, rawPath: string, rawBody: string): string | undefined {
    const oauth = parseOAuthHeader(header(req, 'authorization'))
    if (!oauth) return 'no OAuth header'
    if (oauth.get('oauth_signature_method') !== 'HMAC-SHA1') return 'signature method'
    const version = oauth.get('oauth_version')
    if (version !== undefined && version !== '1.0') return 'version'
    if (oauth.get('oauth_consumer_key') !== creds.appKey) return 'consumer key'
    if (oauth.get('oauth_token') !== creds.accessToken) return 'token'
    const nonce = oauth.get('oauth_nonce')
    const timestamp = oauth.get('oauth_timestamp')
    const signature = oauth.get('oauth_signature')
    if (!nonce || !timestamp || !/^\d+$/.test(timestamp) || !signature) return 'missing oauth params'

    const host = header(req, 'host')?.toLowerCase()
    if (!host) return 'no host'
    const [pathOnly = '/', query = ''] = rawPath.split(/\?(.*)/s)
    const baseUri = `http://${host.replace(/:80$/, '')}${pathOnly}`

    const params: Array<[string, string]> = []
    for (const [k, v] of oauth) if (k !== 'oauth_signature' && k !== 'realm') params.push([k, v])
    for (const [k, v] of new URLSearchParams(query)) params.push([k, v])
    // A form-encoded body is part of the signature (RFC 5849 §3.4.1.3.1); a JSON body is not.
    if ((header(req, 'content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(rawBody)) params.push([k, v])
    }
    const normalized = params
      .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
      .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&')
    const base = `${method}&${percentEncode(baseUri)}&${percentEncode(normalized)}`
    const key = `${percentEncode(creds.appSecret)}&${percentEncode(creds.accessSecret)}`
    const expected = createHmac('sha1', key).update(base).digest('base64')
    if (!safeEqual(expected, signature)) return 'signature'

    const replayKey = `${creds.appKey}&${creds.accessToken}&${timestamp}&${nonce}`
    if (seenNonces.has(replayKey)) return 'replayed nonce'
    seenNonces.add(replayKey)
    return undefined
  }

  function faultReply(fault: AnswerFault<FakeXFault>, method: string, path: string): Reply {
    switch (fault.status) {
      case 429: {
        const key = routeKey(method, path)
        const daily = fault.userDayResetInSeconds
        return {
          status: 429,
          body: TOO_MANY_REQUESTS_BODY,
          headers: {
            'x-rate-limit-limit': String(LIMITS[key] ?? DEFAULT_LIMIT),
            'x-rate-limit-remaining': daily === undefined ? '0' : String((LIMITS[key] ?? DEFAULT_LIMIT) - 1),
            'x-rate-limit-reset': String(now() + fault.resetInSeconds),
            ...(daily !== undefined && {
              'x-user-limit-24hour-limit': String(USER_DAY_LIMIT),
              'x-user-limit-24hour-remaining': '0',
              'x-user-limit-24hour-reset': String(now() + daily),
            }),
          },
        }
      }
      case 301:
      case 302:
      case 307:
      case 308:
        return {status: fault.status, headers: {location: fault.location}}
      case 503:
        return {status: 503, body: SERVICE_UNAVAILABLE_BODY}
      case 403:
        return {status: 403, body: DUPLICATE_BODY, rateKey: routeKey(method, path)}
      case 401:
        return {status: 401, body: UNAUTHORIZED_BODY}
    }
  }

  function createTweet(body: unknown, rateKey: string): Reply {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return {status: 400, rateKey, body: invalidRequest('Request body must be a JSON object.')}
    }
    const {text, reply} = body as {text?: unknown; reply?: unknown}
    if (text !== undefined && typeof text !== 'string') {
      return {status: 400, rateKey, body: invalidRequest('$.text: string expected', {text: [text]})}
    }
    if (text === undefined || text.length === 0) {
      return {status: 400, rateKey, body: invalidRequest('Post text is empty.', {text: [text ?? '']})}
    }
    // X counts as twitter-text does (config v3): URLs 23, CJK and emoji 2, NFC-normalised.
    const parsed = twitterText.parseTweet(text)
    if (!parsed.valid) {
      return {
        status: 400,
        rateKey,
        body: invalidRequest(
          `Your Tweet text is too long or invalid (weighted length ${parsed.weightedLength} > 280).`,
          {text: [text]},
        ),
      }
    }
    let inReplyTo: string | undefined
    if (reply !== undefined) {
      const target =
        typeof reply === 'object' && reply !== null
          ? (reply as {in_reply_to_tweet_id?: unknown}).in_reply_to_tweet_id
          : undefined
      if (typeof target !== 'string' || !/^\d{1,19}$/.test(target)) {
        return {
          status: 400,
          rateKey,
          body: invalidRequest('$.reply.in_reply_to_tweet_id: is missing but it is required', {
            '$.reply': [JSON.stringify(reply)],
          }),
        }
      }
      if (!tweets.some((t) => t.id === target && !t.deleted)) return {status: 403, rateKey, body: REPLY_TO_DELETED_BODY}
      inReplyTo = target
    }
    if (tweets.some((t) => !t.deleted && t.text === text)) return {status: 403, rateKey, body: DUPLICATE_BODY}

    nextId += 4_194_304n // one millisecond of snowflake time: ids increase, like X's
    const tweet: FakeTweet = {id: String(nextId), text, deleted: false, createdAt: new Date().toISOString()}
    if (inReplyTo) tweet.inReplyTo = inReplyTo
    tweets.push(tweet)
    return {status: 201, rateKey, body: {data: {id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id]}}}
  }

  function deleteTweet(id: string, rateKey: string): Reply {
    if (!/^\d{1,19}$/.test(id)) {
      return {
        status: 400,
        rateKey,
        body: invalidRequest(`The \`id\` query parameter value [${id}] is not valid`, {id: [id]}),
      }
    }
    const tweet = tweets.find((t) => t.id === id && !t.deleted)
    if (!tweet) {
      return {
        status: 404,
        rateKey,
        body: notFound(`Could not find tweet with id: [${id}].`, {
          value: id,
          parameter: 'id',
          resource_type: 'tweet',
          resource_id: id,
        }),
      }
    }
    tweet.deleted = true
    return {status: 200, rateKey, body: {data: {deleted: true}}}
  }

  function timeline(id: string, query: URLSearchParams, rateKey: string): Reply {
    const rawMax = query.get('max_results')
    let max = 10
    if (rawMax !== null) {
      max = Number(rawMax)
      if (!/^\d+$/.test(rawMax) || max < 5 || max > 100) {
        return {
          status: 400,
          rateKey,
          body: invalidRequest(`The \`max_results\` query parameter value [${rawMax}] is not between 5 and 100`, {
            max_results: [rawMax],
          }),
        }
      }
    }
    if (!/^\d{1,19}$/.test(id)) {
      return {
        status: 400,
        rateKey,
        body: invalidRequest(`The \`id\` query parameter value [${id}] is not valid`, {id: [id]}),
      }
    }
    let list = id === userId ? tweets.filter((t) => !t.deleted).reverse() : []
    const sinceId = query.get('since_id')
    if (sinceId && /^\d+$/.test(sinceId)) list = list.filter((t) => BigInt(t.id) > BigInt(sinceId))
    const untilId = query.get('until_id')
    if (untilId && /^\d+$/.test(untilId)) list = list.filter((t) => BigInt(t.id) < BigInt(untilId))
    const token = query.get('pagination_token')
    if (token !== null) {
      const from = decodePageToken(token)
      if (!from)
        return {
          status: 400,
          rateKey,
          body: invalidRequest(`The \`pagination_token\` query parameter value [${token}] is not valid`, {
            pagination_token: [token],
          }),
        }
      list = list.filter((t) => BigInt(t.id) <= BigInt(from))
    }
    const page = list.slice(0, max)
    const meta: Record<string, unknown> = {result_count: page.length}
    if (page.length === 0) return {status: 200, rateKey, body: {meta}}
    meta.newest_id = page[0]!.id
    meta.oldest_id = page[page.length - 1]!.id
    if (list.length > max) meta.next_token = encodePageToken(list[max]!.id)
    return {
      status: 200,
      rateKey,
      body: {data: page.map((t) => ({id: t.id, text: t.text, edit_history_tweet_ids: [t.id]})), meta},
    }
  }

  function route(method: string, path: string, query: URLSearchParams, body: unknown): Reply {
    const rateKey = routeKey(method, path)
    if (path === '/2/tweets' && method === 'POST') return createTweet(body, rateKey)
    const del = /^\/2\/tweets\/([^/]+)$/.exec(path)
    if (del && method === 'DELETE') return deleteTweet(decodeURIComponent(del[1]!), rateKey)
    if (path === '/2/users/me' && method === 'GET') {
      return {status: 200, rateKey, body: {data: {id: userId, name: `${username} (fake)`, username}}}
    }
    const tl = /^\/2\/users\/([^/]+)\/tweets$/.exec(path)
    if (tl && method === 'GET') return timeline(decodeURIComponent(tl[1]!), query, rateKey)
    return {
      status: 404,
      body: {title: 'Not Found Error', detail: `No route for ${method} ${path}`, type: 'about:blank', status: 404},
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {method, target: rawPath, path: pathOnly, query, raw: rawBody} = await readRequest(req)
    const body = parseBody(header(req, 'content-type'), rawBody)
    requests.push({method, path: rawPath, headers: {...req.headers}, body})

    const fault = faults.take((match) => matchesRoute(match, method, pathOnly))
    if (!(await server.delay(req, fault, fakeX.latencyMs))) return
    const answer = answerFault(fault)
    if (answer) return send(res, faultReply(answer, method, pathOnly))

    // A bad signature is answered even when the answer was to be lost: nothing was carried out.
    // Signed as sent: with the path of the mount (`candor sandbox`), if any.
    if (checkOAuth(req, method, sentTarget(req), rawBody) !== undefined)
      return send(res, {status: 401, body: UNAUTHORIZED_BODY})
    if (faultAction(fault) === 'lose-answer') {
      route(method, pathOnly, new URLSearchParams(query), body)
      req.socket.destroy()
      return
    }

    send(res, route(method, pathOnly, new URLSearchParams(query), body))
  }

  const server = await FakeHttpServer.start(
    {
      handle,
      onError: (res, error) =>
        send(res, {
          status: 500,
          body: {title: 'Internal Server Error', detail: String(error), type: 'about:blank', status: 500},
        }),
      faults,
    },
    opts.mount,
  )

  const fakeX: FakeX = {
    url: server.url,
    tweets,
    requests,
    latencyMs: 0,
    inFlight: server.inFlight,
    fail: (fault, times, match) => faults.add(fault, times, match),
    close: () => server.close(),
    get connections() {
      return server.connections
    },
  }
  return fakeX
}

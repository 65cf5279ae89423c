/**
 * A fake Facebook Graph API (Pages) on loopback, for tests of the facebook channel.
 *
 * It speaks the wire protocol of the Graph API documentation listed in docs/platform-fakes.md:
 * an optional version prefix (`/v26.0/...`), the Page token as `access_token` (form body or query) or an
 * `Authorization: Bearer|OAuth` header, form or JSON bodies, and Graph error objects
 * `{"error": {message, type, code, error_subcode?, fbtrace_id}}` — throttling comes as
 * 400/403 with codes 4/17/32/613/80001 and an `X-Business-Use-Case-Usage` header, never 429.
 *
 * `GET /{page-id}/feed` and `/posts` list the Page's live posts newest first, `{data, paging}`,
 * with the requested `fields` (`id` always) and `limit` (default 25, at most 100).
 *
 * Order per request: read and record it, then a queued fault (if one matches) wins over
 * everything else, including the token check; then the token; then routing.
 */
import {randomBytes} from 'node:crypto'
import type http from 'node:http'
import {
  answerFault,
  type AnswerFault,
  FakeHttpServer,
  type FakePlatform,
  faultAction,
  FaultQueue,
  matchesRoute,
  parseBody,
  readRequest,
  type RecordedRequest,
  type RouteMatch,
  type FakeMount,
} from './fake-server.js'

export interface FakePagePost {
  /** `{page-id}_{post-id}`, as the Graph API answers. */
  id: string
  message: string
  link?: string
  deleted: boolean
  createdAt: string
}

export type FakeFacebookFault =
  /** Throttling: `code` 4, 17, 32, 613 or 80001; HTTP 400 (403 for 32 unless `status` says); `regainMinutes` fills the BUC header. */
  | {kind: 'throttle'; code: 4 | 17 | 32 | 613 | 80001; status?: 400 | 403; regainMinutes?: number}
  | {status: 500 | 503}
  /** The token is expired/invalid (code 190). */
  | {kind: 'bad-token'}
  | {kind: 'duplicate'}
  | {kind: 'policy'}
  /** A redirect to `location`, as a proxy in front of the Graph API might answer. */
  | {kind: 'redirect'; status: 301 | 302 | 307 | 308; location: string}
  | {kind: 'hang'}
  | {kind: 'reset'}
  /** Carries the request out, then resets the connection instead of answering: the client never learns it worked. */
  | {kind: 'lose-answer'}

export type FakeFacebookRequest = RecordedRequest

export interface FakeFacebook extends FakePlatform<FakeFacebookFault, FakeFacebookRequest> {
  pageId: string
  posts: FakePagePost[]
  /** Queue a fault for the next `times` matching requests (default 1); `:name` path segments match any segment; the version prefix is ignored. */
  fail(fault: FakeFacebookFault, times?: number, match?: RouteMatch): void
}

export interface StartFakeFacebookOptions {
  /** Mounted on another server (`candor sandbox`) instead of listening on its own port. */
  mount?: FakeMount
  pageId?: string
  pageName?: string
  pageToken: string
  /** A user token: valid, but /me answers with a person and posting to the Page is refused. */
  userToken?: string
  /**
   * The Page is whichever the client first posts to or lists (`candor sandbox`, which cannot
   * know the playbook's Page ID). Everything else stays as strict as the Graph API.
   */
  adopt?: boolean
}

interface GraphErrorBody {
  message: string
  type: string
  code: number
  error_subcode?: number
  is_transient?: boolean
  error_user_title?: string
  error_user_msg?: string
}

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

const graphError = (status: number, error: GraphErrorBody, headers?: Record<string, string>): Reply => ({
  status,
  body: {error: {...error, fbtrace_id: randomBytes(8).toString('base64url')}},
  headers,
})

const NO_TOKEN = graphError(400, {
  message: 'An access token is required to request this resource.',
  type: 'OAuthException',
  code: 104,
})
const BAD_TOKEN = graphError(400, {
  message: 'Invalid OAuth access token - Cannot parse access token',
  type: 'OAuthException',
  code: 190,
})
const EXPIRED_TOKEN = graphError(400, {
  message: 'Error validating access token: Session has expired on Tuesday, 24-Nov-26 10:00:00 PST.',
  type: 'OAuthException',
  code: 190,
  error_subcode: 463,
})
const THROTTLE_MESSAGES: Record<number, string> = {
  4: 'Application request limit reached',
  17: 'User request limit reached',
  32: 'Page request limit reached',
  613: 'Calls to this api have exceeded the rate limit.',
  80001: 'There have been too many calls to this Page account. Wait a bit and try again.',
}

export async function startFakeFacebook(opts: StartFakeFacebookOptions): Promise<FakeFacebook> {
  let pageId = opts.pageId ?? '102030405060708'
  let pageAdopted = false
  const pageName = opts.pageName ?? 'Acme Status'
  const posts: FakePagePost[] = []
  const requests: FakeFacebookRequest[] = []
  const faults = new FaultQueue<FakeFacebookFault, RouteMatch>()
  let nextPost = 1_234_567_890_000n
  let calls = 0

  /** Usage headers Graph sends with Page-token calls (percentages of the hourly budget). */
  function usageHeaders(regainMinutes = 0, full = false): Record<string, string> {
    const pct = full ? 100 : Math.min(99, ++calls)
    return {
      'x-app-usage': JSON.stringify({call_count: pct, total_cputime: 1, total_time: 1}),
      'x-business-use-case-usage': JSON.stringify({
        [pageId]: [
          {
            type: 'pages',
            call_count: pct,
            total_cputime: 1,
            total_time: 1,
            estimated_time_to_regain_access: regainMinutes,
          },
        ],
      }),
    }
  }

  function faultReply(fault: AnswerFault<FakeFacebookFault>): Reply {
    if ('status' in fault && !('kind' in fault)) {
      return fault.status === 503
        ? graphError(503, {
            message: 'Service temporarily unavailable',
            type: 'OAuthException',
            code: 2,
            is_transient: true,
          })
        : graphError(500, {
            message: 'An unknown error has occurred.',
            type: 'OAuthException',
            code: 1,
            is_transient: false,
          })
    }
    switch (fault.kind) {
      case 'throttle': {
        const status = fault.status ?? (fault.code === 32 ? 403 : 400)
        const error: GraphErrorBody = {
          message: `(#${fault.code}) ${THROTTLE_MESSAGES[fault.code]}`,
          type: 'OAuthException',
          code: fault.code,
          is_transient: true,
        }
        if (fault.code === 80001) error.error_subcode = 2446079
        return graphError(status, error, usageHeaders(fault.regainMinutes ?? 0, true))
      }
      case 'redirect':
        return {status: fault.status, headers: {location: fault.location}}
      case 'bad-token':
        return EXPIRED_TOKEN
      case 'duplicate':
        return graphError(400, {
          message: '(#506) Duplicate status message',
          type: 'OAuthException',
          code: 506,
          error_subcode: 1455006,
          error_user_title: 'Duplicate Status Update',
          error_user_msg: 'This status update is identical to the last one you posted.',
        })
      case 'policy':
        return graphError(400, {
          message:
            'It looks like you were misusing this feature by going too fast. You’ve been temporarily blocked from using it.',
          type: 'OAuthException',
          code: 368,
          error_subcode: 1390008,
        })
    }
  }

  function tokenOf(req: http.IncomingMessage, query: URLSearchParams, body: unknown): string | undefined {
    const auth = req.headers.authorization
    const m = auth ? /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(auth) : null
    if (m) return m[1]
    const fromBody =
      typeof body === 'object' && body !== null ? (body as {access_token?: unknown}).access_token : undefined
    return typeof fromBody === 'string' ? fromBody : (query.get('access_token') ?? undefined)
  }

  function route(method: string, p: string, query: URLSearchParams, body: unknown, token: string): Reply {
    const params = {
      ...Object.fromEntries(query),
      ...(typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}),
    }
    const isPage = token === opts.pageToken
    if (method === 'GET' && p === '/me') {
      const me = isPage ? {id: pageId, name: pageName} : {id: '100000000000001', name: 'Dana On-Call'}
      const fields = String(params.fields ?? 'name,id').split(',')
      return {
        status: 200,
        body: Object.fromEntries(Object.entries(me).filter(([k]) => fields.includes(k))),
        headers: usageHeaders(),
      }
    }
    const named = /^\/(\d{1,20})\/(?:feed|posts)$/.exec(p)?.[1]
    if (opts.adopt && !pageAdopted && named) {
      pageId = named
      pageAdopted = true
    }
    const listing = /^\/([^/]+)\/(?:feed|posts)$/.exec(p)
    if (method === 'GET' && listing) {
      if (listing[1] !== pageId)
        return graphError(400, {
          message: `(#100) Object with ID '${listing[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
          type: 'GraphMethodException',
          code: 100,
          error_subcode: 33,
        })
      const fields = new Set(['id', ...String(params.fields ?? 'created_time,message,id').split(',')])
      const limit = Math.min(100, Math.max(1, Number(params.limit ?? 25) || 25))
      const live = posts.filter((x) => !x.deleted).reverse()
      const after = typeof params.after === 'string' ? Number(Buffer.from(params.after, 'base64url').toString()) : 0
      const page = live.slice(after, after + limit)
      const view = (x: FakePagePost) =>
        Object.fromEntries(
          Object.entries({
            id: x.id,
            message: x.message || undefined,
            created_time: x.createdAt.replace(/\.\d{3}Z$/, '+0000'),
          }).filter(([k, v]) => fields.has(k) && v !== undefined),
        )
      const cursor = (n: number) => Buffer.from(String(n)).toString('base64url')
      return {
        status: 200,
        body: {
          data: page.map(view),
          paging: {
            cursors: {before: cursor(after), after: cursor(after + page.length)},
            ...(after + limit < live.length && {
              next: `https://graph.facebook.com/v21.0${p}?limit=${limit}&after=${cursor(after + page.length)}`,
            }),
          },
        },
        headers: usageHeaders(),
      }
    }
    const feed = /^\/([^/]+)\/feed$/.exec(p)
    if (method === 'POST' && feed) {
      if (feed[1] !== pageId)
        return graphError(400, {
          message: `(#100) Unsupported post request. Object with ID '${feed[1]}' does not exist`,
          type: 'GraphMethodException',
          code: 100,
          error_subcode: 33,
        })
      if (!isPage)
        return graphError(403, {
          message:
            '(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission',
          type: 'OAuthException',
          code: 200,
        })
      const message = typeof params.message === 'string' ? params.message : ''
      const link = typeof params.link === 'string' && params.link ? params.link : undefined
      if (!message && !link)
        return graphError(400, {message: '(#100) Missing message or attachment.', type: 'OAuthException', code: 100})
      // 63,206 characters, counted as Unicode code points (an emoji is one), not UTF-16 units.
      if ([...message].length > 63206)
        return graphError(400, {
          message: '(#100) Param message must be at most 63206 characters long.',
          type: 'OAuthException',
          code: 100,
        })
      if (posts.some((x) => !x.deleted && x.message === message && x.link === link))
        return faultReply({kind: 'duplicate'})
      nextPost += 1n
      const post: FakePagePost = {
        id: `${pageId}_${nextPost}`,
        message,
        deleted: false,
        createdAt: new Date().toISOString(),
      }
      if (link) post.link = link
      posts.push(post)
      return {status: 200, body: {id: post.id}, headers: usageHeaders()}
    }
    const object = /^\/([^/]+)$/.exec(p)
    if (object && (method === 'DELETE' || (method === 'POST' && params.method === 'delete'))) {
      const post = posts.find((x) => x.id === object[1] && !x.deleted)
      if (!post || !isPage) {
        return graphError(400, {
          message: `Unsupported delete request. Object with ID '${object[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
          type: 'GraphMethodException',
          code: 100,
          error_subcode: 33,
        })
      }
      post.deleted = true
      return {status: 200, body: {success: true}, headers: usageHeaders()}
    }
    if (object && method === 'GET') {
      const post = posts.find((x) => x.id === object[1] && !x.deleted)
      if (post)
        return {
          status: 200,
          body: {
            id: post.id,
            message: post.message,
            created_time: post.createdAt,
            permalink_url: `https://www.facebook.com/${post.id}`,
          },
        }
    }
    return graphError(400, {message: `Unknown path components: ${p}`, type: 'OAuthException', code: 2500})
  }

  function send(res: http.ServerResponse, reply: Reply): void {
    if (!server.answerable(res)) return
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body)
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=UTF-8',
      'facebook-api-version': 'v26.0',
      'x-fb-trace-id': randomBytes(8).toString('base64url'),
      'content-length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    })
    res.end(payload)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {method, target, path: pathOnly, query: queryString, raw} = await readRequest(req)
    const p = pathOnly.replace(/^\/v\d+\.\d+(?=\/)/, '')
    const body = parseBody(req.headers['content-type'], raw)
    requests.push({method, path: target, headers: {...req.headers}, body})

    const fault = faults.take((match) => matchesRoute(match, method, p))
    if (!(await server.delay(req, fault, fake.latencyMs))) return
    const answer = answerFault(fault)
    if (answer) return send(res, faultReply(answer))

    const query = new URLSearchParams(queryString)
    const token = tokenOf(req, query, body)
    const reply = !token
      ? NO_TOKEN
      : token !== opts.pageToken && token !== opts.userToken
        ? BAD_TOKEN
        : route(method, p, query, body, token)
    if (faultAction(fault) === 'lose-answer') return void req.socket.destroy()
    send(res, reply)
  }

  const server = await FakeHttpServer.start(
    {
      handle,
      onError: (res, error) => send(res, graphError(500, {message: String(error), type: 'FakeError', code: 1})),
      faults,
    },
    opts.mount,
  )

  const fake: FakeFacebook = {
    url: server.url,
    pageId,
    posts,
    requests,
    latencyMs: 0,
    inFlight: server.inFlight,
    fail: (fault, times, match) => faults.add(fault, times, match),
    close: () => server.close(),
  }
  return fake
}

/**
 * A fake Mastodon instance on loopback, for tests of the Mastodon channel.
 *
 * It speaks the REST API as described in docs/channels/mastodon.md and docs/platform-fakes.md: bearer tokens with
 * scopes, form or JSON bodies, Status and Account entities, `{"error": "…"}` bodies,
 * `X-RateLimit-*` headers (reset as ISO 8601 with microseconds, as Mastodon's Rack::Attack
 * setup sends), and `Idempotency-Key`: a key repeated within an hour returns the original
 * status (200) and creates nothing, unless that status was deleted since. Status `content`
 * is HTML as Mastodon's plain-text formatter makes it (escaped, `<p>`/`<br />`, links with
 * the hidden `https://` span and a shortened display); `GET /api/v1/accounts/:id/statuses`
 * lists the account's statuses newest first (needs a read scope when a token is sent).
 * `GET /api/v2/instance` answers the Instance entity with the configured
 * `max_characters` and `characters_reserved_per_url`, which `POST /api/v1/statuses` enforces.
 *
 * Order of processing: read and record the request, then a queued fault wins over
 * everything else (including auth), then the token, then routing.
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
  header,
  matchesRoute,
  parseBody,
  readRequest,
  type RecordedRequest,
  type RouteMatch,
  type FakeMount,
} from './fake-server.js'

export interface FakeStatus {
  id: string
  text: string
  inReplyToId?: string
  visibility: string
  language: string | null
  deleted: boolean
  createdAt: string
  idempotencyKey?: string
}

export type FakeMastodonFault =
  | {status: 429; resetInSeconds: number}
  | {status: 500}
  /** 502/503 come from the reverse proxy in front of Mastodon: an HTML page, not JSON. */
  | {status: 502 | 503}
  | {status: 401}
  | {status: 422; error: string}
  | {kind: 'hang'}
  | {kind: 'reset'}
  /** Carries the request out, then resets the connection instead of answering: the client never learns it worked. */
  | {kind: 'lose-answer'}

export type FakeMastodonRequest = RecordedRequest

export interface FakeMastodon extends FakePlatform<FakeMastodonFault, FakeMastodonRequest> {
  /** The instance's domain as it appears in status URLs and handles. */
  domain: string
  /** Every status created, in order (deleted ones stay, with `deleted: true`). */
  statuses: FakeStatus[]
  /** Queue a fault for the next `times` matching requests (default 1); `:id` segments in `match.path` match any segment. */
  fail(fault: FakeMastodonFault, times?: number, match?: RouteMatch): void
  /** Forgets every Idempotency-Key, as Mastodon does after an hour. */
  forgetIdempotencyKeys(): void
}

export interface StartFakeMastodonOptions {
  /** Mounted on another server (`candor sandbox`) instead of listening on its own port. */
  mount?: FakeMount
  accessToken: string
  /** The token's scopes (default read and write). */
  scopes?: string[]
  username?: string
  /** Status URLs use this domain (default the fake's own host:port, over http). */
  domain?: string
  /** The instance's `configuration.statuses.max_characters` (default 500, Mastodon's own). */
  maxCharacters?: number
  /** The instance's `configuration.statuses.characters_reserved_per_url` (default 23). */
  charactersReservedPerUrl?: number
}

const VISIBILITIES = ['public', 'unlisted', 'private', 'direct']
const IDEMPOTENCY_TTL_MS = 60 * 60 * 1000
const RATE_LIMIT = 300
const RATE_PERIOD_S = 5 * 60
const URL_LENGTH = 23

const graphemes = new Intl.Segmenter(undefined, {granularity: 'grapheme'})

/** Mastodon's StatusLengthValidator, simplified: graphemes, every http(s) URL as the instance's reserved length. */
function statusLength(text: string, urlLength: number): number {
  const countable = text.replace(/https?:\/\/[^\s<>"]+/gi, 'x'.repeat(urlLength))
  return [...graphemes.segment(countable)].length
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
}

/** A URL as Mastodon's formatter links it: `https://` hidden, the display cut after 30 characters. */
function linkHtml(url: string): string {
  const m = /^(https?:\/\/(?:www\.)?)(.*)$/i.exec(url)!
  const shown = m[2]!
  const visible =
    shown.length > 30
      ? `<span class="ellipsis">${escapeHtml(shown.slice(0, 30))}</span><span class="invisible">${escapeHtml(shown.slice(30))}</span>`
      : `<span class="">${escapeHtml(shown)}</span><span class="invisible"></span>`
  return `<a href="${escapeHtml(url)}" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">${escapeHtml(m[1]!)}</span>${visible}</a>`
}

/** A plain-text status as HTML `content`: paragraphs, line breaks, escaped text, linked URLs. */
function contentHtml(text: string): string {
  const inline = (s: string) =>
    s
      .split(/(https?:\/\/[^\s<>"]+)/gi)
      .map((piece, i) => (i % 2 === 1 ? linkHtml(piece) : escapeHtml(piece)))
      .join('')
      .replace(/\n/g, '<br />')
  return `<p>${text
    .split(/\n{2,}/)
    .map(inline)
    .join('</p><p>')}</p>`
}

/** `.iso8601(6)` as Ruby prints it: microseconds, `Z`. */
function iso6(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

const PROXY_PAGE = (status: number) =>
  `<html>\r\n<head><title>${status} ${status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable'}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`

interface Reply {
  status: number
  body?: unknown
  /** Sent as text/html instead of JSON. */
  html?: string
  headers?: Record<string, string>
}

export async function startFakeMastodon(opts: StartFakeMastodonOptions): Promise<FakeMastodon> {
  const scopes = opts.scopes ?? ['read', 'write']
  const username = opts.username ?? 'acme'
  const maxCharacters = opts.maxCharacters ?? 500
  const urlLength = opts.charactersReservedPerUrl ?? URL_LENGTH
  const accountId = '109348000000000001'
  const statuses: FakeStatus[] = []
  const requests: FakeMastodonRequest[] = []
  const faults = new FaultQueue<FakeMastodonFault, RouteMatch>()
  const idempotency = new Map<string, {id: string; at: number}>()
  let window = {start: 0, used: 0}
  // Mastodon ids are snowflakes: milliseconds << 16 plus a sequence; they increase.
  let lastId = BigInt(Date.now()) << 16n
  let origin = ''

  const nextId = () => String((lastId += 1n + BigInt(Math.floor(Math.random() * 100))))

  function rateHeaders(): Record<string, string> {
    const now = Date.now()
    const periodStart = Math.floor(now / 1000 / RATE_PERIOD_S) * RATE_PERIOD_S * 1000
    if (window.start !== periodStart) window = {start: periodStart, used: 0}
    window.used += 1
    return {
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - window.used)),
      'x-ratelimit-reset': iso6(periodStart + RATE_PERIOD_S * 1000),
    }
  }

  function account() {
    return {
      id: accountId,
      username,
      acct: username,
      display_name: `${username} status`,
      locked: false,
      bot: true,
      created_at: '2022-11-14T00:00:00.000Z',
      note: '<p>Service status updates</p>',
      url: `${origin}/@${username}`,
      uri: `${origin}/users/${username}`,
      avatar: `${origin}/avatars/original/missing.png`,
      followers_count: 1200,
      following_count: 0,
      statuses_count: statuses.filter((s) => !s.deleted).length,
      emojis: [],
      fields: [],
    }
  }

  function statusEntity(s: FakeStatus, extra: Record<string, unknown> = {}) {
    const parent = s.inReplyToId ? statuses.find((p) => p.id === s.inReplyToId) : undefined
    return {
      id: s.id,
      created_at: s.createdAt,
      in_reply_to_id: s.inReplyToId ?? null,
      in_reply_to_account_id: parent ? accountId : null,
      sensitive: false,
      spoiler_text: '',
      visibility: s.visibility,
      language: s.language,
      uri: `${origin}/users/${username}/statuses/${s.id}`,
      url: `${origin}/@${username}/${s.id}`,
      replies_count: statuses.filter((r) => r.inReplyToId === s.id && !r.deleted).length,
      reblogs_count: 0,
      favourites_count: 0,
      edited_at: null,
      content: contentHtml(s.text),
      reblog: null,
      application: {name: 'Candor', website: null},
      account: account(),
      media_attachments: [],
      mentions: [],
      tags: [],
      emojis: [],
      card: null,
      poll: null,
      ...extra,
    }
  }

  /** The Instance entity of `GET /api/v2/instance` (public: no token needed), as Mastodon 4.3 answers. */
  function instance() {
    const domain = new URL(origin).host
    return {
      domain,
      title: 'Fake Mastodon',
      version: '4.3.0',
      source_url: 'https://github.com/mastodon/mastodon',
      description: 'A fake Mastodon instance for tests',
      usage: {users: {active_month: 1}},
      thumbnail: {url: `${origin}/packs/media/images/preview.png`},
      icon: [],
      languages: ['en'],
      configuration: {
        urls: {streaming: `wss://${domain}`, status: null},
        vapid: {public_key: 'BCkMmVdKDnKYwzVCDC99Iuc9GvId-x7-kKtuHnLgfF98ENiZp_aj-UNthbCdI70DqN1zUVis-x0Wrot2sBagkMc='},
        accounts: {max_featured_tags: 10, max_pinned_statuses: 5},
        statuses: {max_characters: maxCharacters, max_media_attachments: 4, characters_reserved_per_url: urlLength},
        media_attachments: {
          supported_mime_types: ['image/jpeg', 'image/png'],
          image_size_limit: 16777216,
          image_matrix_limit: 33177600,
          video_size_limit: 103809024,
          video_frame_rate_limit: 120,
          video_matrix_limit: 8294400,
        },
        polls: {max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746},
        translation: {enabled: false},
      },
      registrations: {enabled: false, approval_required: false, message: null, url: null},
      api_versions: {mastodon: 2},
      contact: {email: `admin@${domain}`, account: null},
      rules: [],
    }
  }

  function faultReply(fault: AnswerFault<FakeMastodonFault>): Reply {
    switch (fault.status) {
      case 429:
        return {
          status: 429,
          body: {error: 'Too many requests'},
          headers: {
            'x-ratelimit-limit': String(RATE_LIMIT),
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': iso6(Date.now() + fault.resetInSeconds * 1000),
          },
        }
      case 500:
        return {status: 500, body: {error: "We're sorry, but something went wrong on our end."}}
      case 502:
      case 503:
        return {status: fault.status, html: PROXY_PAGE(fault.status)}
      case 401:
        return {status: 401, body: {error: 'The access token is invalid'}}
      case 422:
        return {status: 422, body: {error: fault.error}}
    }
  }

  /** Doorkeeper's checks: a valid bearer token, then one of the scopes the action accepts. */
  function authorize(req: http.IncomingMessage, accepted: string[]): Reply | undefined {
    const m = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization') ?? '')
    if (!m || m[1] !== opts.accessToken) return {status: 401, body: {error: 'The access token is invalid'}}
    if (!accepted.some((s) => scopes.includes(s)))
      return {status: 403, body: {error: 'This action is outside the authorized scopes'}}
    return undefined
  }

  /** `authorize_if_got_token!`: no token is fine (public data only); a token sent must be valid and carry a scope. */
  function authorizeIfToken(req: http.IncomingMessage, accepted: string[]): Reply | undefined {
    return header(req, 'authorization') === undefined ? undefined : authorize(req, accepted)
  }

  function accountStatuses(req: http.IncomingMessage, id: string, query: URLSearchParams): Reply {
    const denied = authorizeIfToken(req, ['read', 'read:statuses'])
    if (denied) return denied
    if (id !== accountId) return {status: 404, body: {error: 'Record not found'}}
    const limit = Math.min(40, Math.max(1, Number(query.get('limit') ?? 20) || 20))
    const maxId = query.get('max_id')
    const signedIn = header(req, 'authorization') !== undefined
    const list = statuses
      .filter((s) => !s.deleted && (signedIn || s.visibility === 'public' || s.visibility === 'unlisted'))
      .filter((s) => query.get('exclude_replies') !== 'true' || !s.inReplyToId)
      .filter((s) => !maxId || BigInt(s.id) < BigInt(maxId))
      .reverse()
      .slice(0, limit)
    return {status: 200, body: list.map((s) => statusEntity(s))}
  }

  function createStatus(body: unknown, key: string | undefined): Reply {
    const params = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    if (key) {
      const seen = idempotency.get(key)
      const original =
        seen && Date.now() - seen.at < IDEMPOTENCY_TTL_MS
          ? statuses.find((s) => s.id === seen.id && !s.deleted)
          : undefined
      if (original) return {status: 200, body: statusEntity(original)}
    }
    const text = typeof params.status === 'string' ? params.status : ''
    if (text.trim() === '') return {status: 422, body: {error: "Validation failed: Text can't be blank"}}
    if (statusLength(text, urlLength) > maxCharacters)
      return {status: 422, body: {error: `Validation failed: Text character limit of ${maxCharacters} exceeded`}}
    const visibility =
      params.visibility === undefined || params.visibility === '' ? 'public' : String(params.visibility)
    if (!VISIBILITIES.includes(visibility))
      return {status: 422, body: {error: `'${visibility}' is not a valid visibility`}}
    let inReplyToId: string | undefined
    if (params.in_reply_to_id !== undefined && params.in_reply_to_id !== '') {
      inReplyToId = String(params.in_reply_to_id)
      if (!statuses.some((s) => s.id === inReplyToId && !s.deleted)) {
        return {status: 404, body: {error: 'The post you are trying to reply to does not appear to exist.'}}
      }
    }
    const status: FakeStatus = {
      id: nextId(),
      text,
      visibility,
      language: typeof params.language === 'string' && params.language ? params.language : null,
      deleted: false,
      createdAt: new Date().toISOString(),
    }
    if (inReplyToId) status.inReplyToId = inReplyToId
    if (key) {
      status.idempotencyKey = key
      idempotency.set(key, {id: status.id, at: Date.now()})
    }
    statuses.push(status)
    return {status: 200, body: statusEntity(status)}
  }

  function route(
    req: http.IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): Reply {
    const one = /^\/api\/v1\/statuses\/([^/]+)$/.exec(path)
    const byAccount = /^\/api\/v1\/accounts\/([^/]+)\/statuses$/.exec(path)
    if (byAccount && method === 'GET') return accountStatuses(req, decodeURIComponent(byAccount[1]!), query)
    if (method === 'POST' && path === '/api/v1/statuses') {
      return authorize(req, ['write', 'write:statuses']) ?? createStatus(body, header(req, 'idempotency-key'))
    }
    if (one && method === 'DELETE') {
      const denied = authorize(req, ['write', 'write:statuses'])
      if (denied) return denied
      const s = statuses.find((x) => x.id === decodeURIComponent(one[1]!) && !x.deleted)
      if (!s) return {status: 404, body: {error: 'Record not found'}}
      s.deleted = true
      // Mastodon answers with the deleted status and its source text, for "delete & redraft".
      return {status: 200, body: statusEntity(s, {text: s.text})}
    }
    if (one && method === 'GET') {
      const s = statuses.find((x) => x.id === decodeURIComponent(one[1]!) && !x.deleted)
      return s ? {status: 200, body: statusEntity(s)} : {status: 404, body: {error: 'Record not found'}}
    }
    if (method === 'GET' && path === '/api/v1/accounts/verify_credentials') {
      return (
        authorize(req, ['read', 'read:accounts', 'profile']) ?? {
          status: 200,
          body: {
            ...account(),
            source: {privacy: 'public', sensitive: false, language: null, note: 'Service status updates', fields: []},
          },
        }
      )
    }
    if (method === 'GET' && path === '/api/v2/instance') return {status: 200, body: instance()}
    return {status: 404, body: {error: 'Record not found'}}
  }

  function send(res: http.ServerResponse, reply: Reply, rate: boolean): void {
    if (!server.answerable(res)) return
    const headers: Record<string, string> = {
      'x-request-id': randomBytes(10).toString('hex'),
      ...(rate ? rateHeaders() : {}),
      ...reply.headers,
    }
    let payload = ''
    if (reply.html !== undefined) {
      payload = reply.html
      headers['content-type'] = 'text/html'
    } else if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body)
      headers['content-type'] = 'application/json; charset=utf-8'
    }
    headers['content-length'] = String(Buffer.byteLength(payload))
    res.writeHead(reply.status, headers)
    res.end(payload)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {method, target: rawPath, path, raw} = await readRequest(req)
    const body = parseBody(header(req, 'content-type'), raw)
    requests.push({method, path: rawPath, headers: {...req.headers}, body})

    const fault = faults.take((match) => matchesRoute(match, method, path))
    if (!(await server.delay(req, fault, fake.latencyMs))) return
    const answer = answerFault(fault)
    if (answer) return send(res, faultReply(answer), false)
    const reply = route(req, method, path, new URLSearchParams(rawPath.split('?')[1] ?? ''), body)
    if (faultAction(fault) === 'lose-answer') return void req.socket.destroy()
    send(res, reply, reply.status !== 401)
  }

  const server = await FakeHttpServer.start(
    {
      handle,
      onError: (res, error) => send(res, {status: 500, body: {error: String(error)}}, false),
      faults,
    },
    opts.mount,
  )
  const url = server.url
  origin = opts.domain ? `https://${opts.domain}` : url

  const fake: FakeMastodon = {
    url,
    domain: new URL(origin).host,
    statuses,
    requests,
    latencyMs: 0,
    inFlight: server.inFlight,
    forgetIdempotencyKeys() {
      idempotency.clear()
    },
    fail: (fault, times, match) => faults.add(fault, times, match),
    close: () => server.close(),
  }
  return fake
}

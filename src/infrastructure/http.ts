import {DeliveryError, describeTimeout, statusMayHaveArrived} from '../services/publish/adapter.js'

/**
 * The small HTTP layer every fetch-based adapter shares: a per-request timeout, the
 * caller's abort signal, and one mapping of platform answers onto what the publisher
 * decides (wait for a rate limit, retry, or give up). Node's fetch pools keep-alive
 * connections per origin, so a publish reuses one connection per host.
 */

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  headers?: Record<string, string>
  /** Sent as JSON with content-type application/json. */
  json?: unknown
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>
  /** Raw body (then set content-type yourself). */
  body?: string
  timeoutMs: number
  signal?: AbortSignal
  /**
   * The URL's path is a secret (a webhook token): a redirect's message shows only where
   * the `Location` points by origin and whether its path differs, never the path itself.
   */
  secretPath?: boolean
}

export interface HttpResponse {
  status: number
  headers: Headers
  text: string
  /** The body parsed as JSON, when it is JSON; undefined otherwise. */
  json: unknown
}

/**
 * Performs one request; network failures and timeouts become transient DeliveryErrors naming `platform`.
 * Redirects are never followed (a 3xx is a final DeliveryError naming its `Location`): `fetch`
 * would turn a POST into a body-less GET, and the 200 that follows would count as delivered.
 */
export async function httpRequest(platform: string, req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = {
    'user-agent': 'candor (+https://github.com/candor-cli/candor)',
    accept: 'application/json',
    ...req.headers,
  }
  let body: string | undefined = req.body
  if (req.json !== undefined) {
    body = JSON.stringify(req.json)
    headers['content-type'] = 'application/json'
  } else if (req.form) {
    body = new URLSearchParams(req.form).toString()
    headers['content-type'] = 'application/x-www-form-urlencoded'
  }
  const timeout = AbortSignal.timeout(req.timeoutMs)
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout
  let res: Response
  let text: string
  try {
    res = await fetch(req.url, {method: req.method, headers, body, signal, redirect: 'manual'})
    text = await res.text()
  } catch (error) {
    if (timeout.aborted)
      throw new DeliveryError(`${platform} did not answer within ${describeTimeout(req.timeoutMs)}`, {
        retry: 'transient',
        mayHaveArrived: true,
      })
    if (req.signal?.aborted) throw new DeliveryError(`interrupted while talking to ${platform}`, {retry: 'never'})
    throw networkError(platform, req.url, error)
  }
  if (res.status >= 300 && res.status < 400) throw redirectError(platform, req, res)
  let json: unknown
  if (text && /json/.test(res.headers.get('content-type') ?? '')) {
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
  }
  return {status: res.status, headers: res.headers, text, json}
}

/** Connection failures that mean the request never left this machine: nothing was sent. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'BAD_PORT'])

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host',
}

type NodeNetError = {code?: string; message?: string; cause?: unknown; errors?: unknown[]}

/** The innermost error that says what happened: fetch's `cause`, the first of an AggregateError (Node tries IPv4 and IPv6). */
function rootCause(error: unknown): NodeNetError {
  let e = error as NodeNetError | undefined
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.code && !e.errors?.length) return e
    const inner = (e.errors?.[0] ?? e.cause) as NodeNetError | undefined
    if (!inner || typeof inner !== 'object') return e
    e = inner
  }
  return e ?? {}
}

/**
 * A request that failed below HTTP, as one DeliveryError that names the host, the
 * port and the cause (`could not reach Mastodon at 127.0.0.1:8080 (connection refused)`).
 * Refused or unresolvable: nothing was sent (`notSent`), and sending again is safe.
 * Anything else may have cut off a request the platform got (`mayHaveArrived`).
 */
export function networkError(platform: string, url: string | URL | undefined, error: unknown): DeliveryError {
  const parsed = url === undefined ? undefined : URL.canParse(String(url)) ? new URL(String(url)) : undefined
  const port = parsed ? parsed.port || (parsed.protocol === 'http:' ? '80' : '443') : undefined
  const {what, notSent} = networkCause(error, port)
  // A platform already named by its address (`webhook https://ops.acme.com`) is not named twice.
  const where = parsed && !platform.includes(parsed.host) ? ` at ${parsed.hostname}:${port}` : ''
  // A blocked port stays blocked: trying again cannot help.
  return new DeliveryError(`could not reach ${platform}${where} (${what})`, {
    retry: /^Node's fetch/.test(what) ? 'never' : 'transient',
    mayHaveArrived: !notSent,
    notSent,
  })
}

/** What a connection failure was, in words (`connection refused`), and whether nothing can have been sent. */
export function networkCause(error: unknown, port?: string): {what: string; notSent: boolean} {
  const cause = rootCause(error)
  // fetch refuses the ports browsers block (9, 25, 6000, …) before connecting.
  const code = cause.code ?? (cause.message === 'bad port' ? 'BAD_PORT' : undefined)
  const what =
    code === 'BAD_PORT'
      ? `Node's fetch does not connect to port ${port ?? 'this port'}, one browsers block: use another`
      : ((code && CAUSES[code]) ?? code ?? cause.message ?? String(error))
  return {what, notSent: NEVER_SENT.has(code ?? '')}
}

/**
 * A 3xx as a final failure that says where the URL now points, so the user updates it:
 * the redirect is not followed, nothing was delivered.
 */
function redirectError(platform: string, req: HttpRequest, res: Response): DeliveryError {
  const raw = res.headers.get('location')
  const location = raw && URL.canParse(raw, req.url) ? new URL(raw, req.url) : undefined
  let where = 'without a Location'
  if (location && req.secretPath) {
    const from = new URL(req.url)
    where = `to ${location.origin} (${location.pathname === from.pathname ? 'same path' : 'another path'})`
  } else if (location) where = `to ${location.origin}${location.pathname}` // the query may carry a token
  return new DeliveryError(
    `${platform} answered ${res.status} redirecting ${where}; Candor does not follow redirects: point the channel at the new URL`,
    {retry: 'never'},
  )
}

/**
 * When a rate-limited request may be tried again, from the headers platforms use:
 * `Retry-After` (seconds or an HTTP date), `X-RateLimit-Reset` / `RateLimit-Reset`
 * (epoch seconds or ISO 8601), `X-RateLimit-Reset-After` (seconds).
 */
export function retryAtFromHeaders(headers: Headers, now: Date = new Date()): Date | undefined {
  const retryAfter = headers.get('retry-after')
  if (retryAfter) {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) return new Date(now.getTime() + seconds * 1000)
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return new Date(date)
  }
  const resetAfter = Number(headers.get('x-ratelimit-reset-after') ?? NaN)
  if (Number.isFinite(resetAfter)) return new Date(now.getTime() + resetAfter * 1000)
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset')
  if (reset) {
    const n = Number(reset)
    // Epoch seconds are large; small numbers are "seconds from now" (RateLimit header drafts).
    if (Number.isFinite(n)) return new Date(n > 1e9 ? n * 1000 : now.getTime() + n * 1000)
    const date = Date.parse(reset)
    if (!Number.isNaN(date)) return new Date(date)
  }
  return undefined
}

/**
 * The DeliveryError for an unsuccessful answer: 429 (and `extraRateLimit` statuses such
 * as Statuspage's 420) wait for the reset, 5xx and 408 retry, everything else is final.
 * A 5xx other than 503 may have come after the post was made (`statusMayHaveArrived`):
 * the publisher then looks before sending again, or leaves the part to a person where the
 * platform can't be asked. `detail` is the platform's own error text, already extracted from its body.
 */
export function errorFromResponse(
  platform: string,
  res: HttpResponse,
  detail: string,
  opts: {extraRateLimit?: number[]; retryAt?: Date; now?: Date} = {},
): DeliveryError {
  const summary = `${platform} answered ${res.status}${detail ? `: ${detail}` : ''}`
  if (res.status === 429 || opts.extraRateLimit?.includes(res.status)) {
    const retryAt =
      opts.retryAt ?? retryAtFromHeaders(res.headers, opts.now) ?? new Date((opts.now ?? new Date()).getTime() + 60_000)
    return new DeliveryError(`${platform} rate limit reached (${res.status})`, {retry: 'rate-limit', retryAt})
  }
  if (res.status >= 500 || res.status === 408)
    return new DeliveryError(summary, {retry: 'transient', mayHaveArrived: statusMayHaveArrived(res.status)})
  return new DeliveryError(summary, {retry: 'never'})
}

/** Joins an API base and a path, keeping any path prefix of the base (self-hosted instances behind a proxy). */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '')
}

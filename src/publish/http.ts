import {DeliveryError, describeTimeout, statusMayHaveArrived} from './adapter.js'

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
  const headers: Record<string, string> = {'user-agent': 'candor (+https://github.com/candor-cli/candor)', accept: 'application/json', ...req.headers}
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
    if (timeout.aborted) throw new DeliveryError(`${platform} did not answer within ${describeTimeout(req.timeoutMs)}`, {retry: 'transient', mayHaveArrived: true})
    if (req.signal?.aborted) throw new DeliveryError(`interrupted while talking to ${platform}`, {retry: 'never'})
    const cause = (error as {cause?: {code?: string; message?: string}}).cause
    // Refused or unresolvable: nothing was sent. Anything else may have cut off a request the platform got.
    const neverSent = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(cause?.code ?? '')
    throw new DeliveryError(`could not reach ${platform}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, {retry: 'transient', mayHaveArrived: !neverSent})
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
  return new DeliveryError(`${platform} answered ${res.status} redirecting ${where}; Candor does not follow redirects: point the channel at the new URL`, {retry: 'never'})
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
export function errorFromResponse(platform: string, res: HttpResponse, detail: string, opts: {extraRateLimit?: number[]; retryAt?: Date; now?: Date} = {}): DeliveryError {
  const summary = `${platform} answered ${res.status}${detail ? `: ${detail}` : ''}`
  if (res.status === 429 || opts.extraRateLimit?.includes(res.status)) {
    const retryAt = opts.retryAt ?? retryAtFromHeaders(res.headers, opts.now) ?? new Date((opts.now ?? new Date()).getTime() + 60_000)
    return new DeliveryError(`${platform} rate limit reached (${res.status})`, {retry: 'rate-limit', retryAt})
  }
  if (res.status >= 500 || res.status === 408) return new DeliveryError(summary, {retry: 'transient', mayHaveArrived: statusMayHaveArrived(res.status)})
  return new DeliveryError(summary, {retry: 'never'})
}

/** Joins an API base and a path, keeping any path prefix of the base (self-hosted instances behind a proxy). */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '')
}

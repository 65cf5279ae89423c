/**
 * A fake webhook receiver on loopback that behaves like a careful Standard Webhooks consumer:
 * it verifies every signature as the Standard Webhooks reference library does (its own code,
 * independent of Candor's adapter, and checked against the `standardwebhooks` package in
 * test/sandbox/webhook-signature.test.ts), refusing timestamps more than 5 minutes off; it
 * dedupes by `webhook-id`, answering a repeat with 200 without processing it again; and it
 * only accepts POSTs to its own (secret) path.
 *
 * Order for each request: read and record it, then a queued fault (if one matches) wins,
 * then path, signature and JSON checks, then dedupe and acceptance.
 */
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto'
import http from 'node:http'
import {
  answerFault,
  FakeHttpServer,
  faultAction,
  FaultQueue,
  header,
  type InFlight,
  readRequest,
  type FakeMount,
} from './fake-server.js'

export interface ReceivedWebhook {
  /** The `webhook-id` header. */
  id: string
  /** The `webhook-timestamp` header, Unix seconds. */
  timestamp: number
  payload: Record<string, unknown>
  /** The exact body received. */
  raw: string
}

export interface FakeWebhookRequest {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: string
  /** What the receiver did with it. */
  outcome: 'accepted' | 'duplicate' | 'rejected' | 'fault'
}

export type FakeWebhookFault =
  | {status: 429 | 502 | 503 | 504; retryAfter?: number}
  | {status: 400 | 401 | 404 | 410 | 413 | 422 | 500; body?: string}
  /** A receiver that moved: answers with a redirect to `location` (a sender must not follow it, Standard Webhooks: a 3xx is a failure). */
  | {status: 301 | 302 | 303 | 307 | 308; location: string}
  | {kind: 'hang'}
  | {kind: 'reset'}
  /** Processes the delivery, then drops the connection before answering (a lost acknowledgement). */
  | {kind: 'drop-response'}

export interface FakeWebhookReceiver {
  /** Full URL to POST to, secret path included: http://127.0.0.1:PORT/hooks/<token> */
  url: string
  /** Origin only, e.g. http://127.0.0.1:PORT */
  origin: string
  /** The signing secret, `whsec_` + base64. */
  secret: string
  /** Deliveries processed once each, in order. */
  deliveries: ReceivedWebhook[]
  /** Every request received, including rejected, duplicate and faulted ones. */
  requests: FakeWebhookRequest[]
  /** Queue a fault for the next `times` requests (default 1). */
  fail(fault: FakeWebhookFault, times?: number): void
  /** Artificial delay before answering, default 0. */
  latencyMs: number
  /** Requests being handled now and the most at once, and a gate to hold them. */
  inFlight: InFlight
  close(): Promise<void>
}

/** How far a `webhook-timestamp` may be from now, either way (the reference libraries' tolerance). */
const TOLERANCE_SECONDS = 5 * 60

/**
 * Why a delivery's Standard Webhooks signature does not verify, in the words of the reference
 * JavaScript library (standardwebhooks 1.x, Webhook.verify); undefined when it verifies. The
 * signed content is `{id}.{timestamp}.{body}`, HMAC-SHA256 with the secret's key, base64, sent as
 * `v1,<signature>` among space-separated signatures (https://www.standardwebhooks.com, "Verifying").
 * Written here rather than bundled, so `candor sandbox` ships no extra package.
 */
export function signatureProblem(
  key: Buffer,
  raw: string,
  headers: {'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string},
  nowSeconds = Math.floor(Date.now() / 1000),
): string | undefined {
  const {'webhook-id': id, 'webhook-timestamp': stamp, 'webhook-signature': signatures} = headers
  if (!id || !stamp || !signatures) return 'Missing required headers'
  const timestamp = Number.parseInt(stamp, 10)
  if (Number.isNaN(timestamp)) return 'Invalid Signature Headers'
  if (nowSeconds - timestamp > TOLERANCE_SECONDS) return 'Message timestamp too old'
  if (timestamp > nowSeconds + TOLERANCE_SECONDS) return 'Message timestamp too new'
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${raw}`).digest('base64'))
  const matches = signatures.split(' ').some((versioned) => {
    const [version, signature = ''] = versioned.split(',')
    const given = Buffer.from(signature)
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
  })
  return matches ? undefined : 'No matching signature found'
}

export interface StartFakeWebhookOptions {
  secret?: string
  /** The receiver's path (default: a random `/hooks/<hex>`, as a secret URL would be). */
  path?: string
  /** Mounted on another server (`candor sandbox`) instead of listening on its own port. */
  mount?: FakeMount
}

export async function startFakeWebhookReceiver(opts: StartFakeWebhookOptions = {}): Promise<FakeWebhookReceiver> {
  const secret = opts.secret ?? `whsec_${randomBytes(24).toString('base64')}`
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const path = opts.path ?? `/hooks/${randomBytes(12).toString('hex')}`
  const deliveries: ReceivedWebhook[] = []
  const requests: FakeWebhookRequest[] = []
  const faults = new FaultQueue<FakeWebhookFault>()
  const seen = new Set<string>()

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (!server.answerable(res)) return
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      ...headers,
    })
    res.end(text)
  }

  /** Verifies and processes one delivery; returns whether it was new. */
  function process(
    req: http.IncomingMessage,
    raw: string,
  ): {status: number; body: unknown; outcome: FakeWebhookRequest['outcome']} {
    const signed = (name: string) => header(req, name) ?? ''
    const headers = {
      'webhook-id': signed('webhook-id'),
      'webhook-timestamp': signed('webhook-timestamp'),
      'webhook-signature': signed('webhook-signature'),
    }
    const refused = signatureProblem(key, raw, headers)
    if (refused) return {status: 400, body: {error: refused}, outcome: 'rejected'}
    let payload: unknown
    try {
      payload = JSON.parse(raw)
    } catch {
      return {status: 400, body: {error: 'invalid JSON body'}, outcome: 'rejected'}
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      return {status: 400, body: {error: 'body must be a JSON object'}, outcome: 'rejected'}
    if (seen.has(headers['webhook-id'])) return {status: 200, body: {ok: true, duplicate: true}, outcome: 'duplicate'}
    seen.add(headers['webhook-id'])
    deliveries.push({
      id: headers['webhook-id'],
      timestamp: Number(headers['webhook-timestamp']),
      payload: payload as Record<string, unknown>,
      raw,
    })
    return {status: 200, body: {ok: true}, outcome: 'accepted'}
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {method, target, raw} = await readRequest(req)
    const entry: FakeWebhookRequest = {method, path: target, headers: {...req.headers}, body: raw, outcome: 'rejected'}
    requests.push(entry)

    const fault = faults.take()
    if (faultAction(fault) === 'hang') entry.outcome = 'fault' // never answered; close() destroys the socket
    if (!(await server.delay(req, fault, receiver.latencyMs))) {
      // A hang or a reset was carried out (a close during the latency is no fault).
      if (!server.closed) entry.outcome = 'fault'
      return
    }
    const answer = answerFault(fault)
    if (answer) {
      entry.outcome = 'fault'
      const extra: Record<string, string> =
        'retryAfter' in answer && answer.retryAfter !== undefined ? {'retry-after': String(answer.retryAfter)} : {}
      if ('location' in answer) extra.location = answer.location
      const body =
        'body' in answer && answer.body !== undefined
          ? answer.body
          : {error: http.STATUS_CODES[answer.status] ?? 'error'}
      return send(res, answer.status, body, extra)
    }

    if (entry.method !== 'POST' || entry.path !== path) return send(res, 404, {error: 'no such endpoint'})
    const result = process(req, raw)
    entry.outcome = result.outcome
    if (faultAction(fault) === 'lose-answer') {
      req.socket.destroy()
      return
    }
    send(res, result.status, result.body)
  }

  const server = await FakeHttpServer.start(
    {
      handle,
      onError: (res, error) => send(res, 500, {error: String(error)}),
      faults,
    },
    opts.mount,
  )
  const origin = server.url

  const receiver: FakeWebhookReceiver = {
    url: origin + path,
    origin,
    secret,
    deliveries,
    requests,
    latencyMs: 0,
    inFlight: server.inFlight,
    fail: (fault, times) => faults.add(fault, times),
    close: () => server.close(),
  }
  return receiver
}

/**
 * A fake webhook receiver on loopback that behaves like a careful Standard Webhooks consumer:
 * it verifies every signature with the `standardwebhooks` package (an implementation
 * independent of Candor's), which also refuses timestamps more than 5 minutes off; it
 * dedupes by `webhook-id`, answering a repeat with 200 without processing it again; and it
 * only accepts POSTs to its own (secret) path.
 *
 * Order for each request: read and record it, then a queued fault (if one matches) wins,
 * then path, signature and JSON checks, then dedupe and acceptance.
 */
import {randomBytes} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import {Webhook, WebhookVerificationError} from 'standardwebhooks'

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
  close(): Promise<void>
}

export async function startFakeWebhookReceiver(opts: {secret?: string} = {}): Promise<FakeWebhookReceiver> {
  const secret = opts.secret ?? `whsec_${randomBytes(24).toString('base64')}`
  const verifier = new Webhook(secret)
  const path = `/hooks/${randomBytes(12).toString('hex')}`
  const deliveries: ReceivedWebhook[] = []
  const requests: FakeWebhookRequest[] = []
  const faults: Array<{fault: FakeWebhookFault; remaining: number}> = []
  const seen = new Set<string>()
  const sockets = new Set<Socket>()
  const delays = new Set<{timer: NodeJS.Timeout; resolve: () => void}>()
  let closed = false

  function takeFault(): FakeWebhookFault | undefined {
    const q = faults[0]
    if (!q) return undefined
    if (--q.remaining <= 0) faults.shift()
    return q.fault
  }

  function wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const entry = {timer: setTimeout(() => (delays.delete(entry), resolve()), ms), resolve}
      delays.add(entry)
    })
  }

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (closed || res.destroyed || res.headersSent) return
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, {'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers})
    res.end(text)
  }

  function header(req: http.IncomingMessage, name: string): string {
    const v = req.headers[name]
    return (Array.isArray(v) ? v[0] : v) ?? ''
  }

  /** Verifies and processes one delivery; returns whether it was new. */
  function process(req: http.IncomingMessage, raw: string): {status: number; body: unknown; outcome: FakeWebhookRequest['outcome']} {
    const headers = {'webhook-id': header(req, 'webhook-id'), 'webhook-timestamp': header(req, 'webhook-timestamp'), 'webhook-signature': header(req, 'webhook-signature')}
    let payload: unknown
    try {
      payload = verifier.verify(raw, headers)
    } catch (error) {
      const message = error instanceof WebhookVerificationError ? error.message : 'invalid JSON body'
      return {status: 400, body: {error: message}, outcome: 'rejected'}
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return {status: 400, body: {error: 'body must be a JSON object'}, outcome: 'rejected'}
    if (seen.has(headers['webhook-id'])) return {status: 200, body: {ok: true, duplicate: true}, outcome: 'duplicate'}
    seen.add(headers['webhook-id'])
    deliveries.push({id: headers['webhook-id'], timestamp: Number(headers['webhook-timestamp']), payload: payload as Record<string, unknown>, raw})
    return {status: 200, body: {ok: true}, outcome: 'accepted'}
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const entry: FakeWebhookRequest = {method: req.method ?? 'GET', path: req.url ?? '/', headers: {...req.headers}, body: raw, outcome: 'rejected'}
    requests.push(entry)

    const fault = takeFault()
    if (fault && 'kind' in fault && fault.kind === 'hang') {
      entry.outcome = 'fault'
      return // never answered; close() destroys the socket
    }
    await wait(receiver.latencyMs)
    if (closed) return
    if (fault && 'kind' in fault && fault.kind === 'reset') {
      entry.outcome = 'fault'
      req.socket.destroy()
      return
    }
    if (fault && 'status' in fault) {
      entry.outcome = 'fault'
      const extra: Record<string, string> = 'retryAfter' in fault && fault.retryAfter !== undefined ? {'retry-after': String(fault.retryAfter)} : {}
      const body = 'body' in fault && fault.body !== undefined ? fault.body : {error: http.STATUS_CODES[fault.status] ?? 'error'}
      return send(res, fault.status, body, extra)
    }

    if (entry.method !== 'POST' || entry.path !== path) return send(res, 404, {error: 'no such endpoint'})
    const result = process(req, raw)
    entry.outcome = result.outcome
    if (fault && 'kind' in fault && fault.kind === 'drop-response') {
      req.socket.destroy()
      return
    }
    send(res, result.status, result.body)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, {error: String(error)}))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const {port} = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`

  let closing: Promise<void> | undefined
  const receiver: FakeWebhookReceiver = {
    url: origin + path,
    origin,
    secret,
    deliveries,
    requests,
    latencyMs: 0,
    fail(fault, times = 1) {
      if (!Number.isInteger(times) || times < 1) throw new Error(`fail(): times must be a positive integer, got ${times}`)
      faults.push({fault, remaining: times})
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true
        faults.length = 0
        for (const d of delays) {
          clearTimeout(d.timer)
          d.resolve()
        }
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
        server.closeAllConnections()
      })
      return closing
    },
  }
  return receiver
}

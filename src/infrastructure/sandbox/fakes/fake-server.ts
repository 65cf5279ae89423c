/**
 * The skeleton every fake platform server in this folder shares: a queue of injected faults,
 * reading a request, the ways a fault is carried out that do not depend on the platform
 * (hang, latency, reset, a lost answer), and listening on and closing a loopback port.
 *
 * What a platform says (status codes, bodies, headers, authentication, routing) stays in
 * each fake, so each one keeps speaking its platform's real wire protocol.
 *
 * A fake either listens on its own loopback port (tests) or is mounted under a path of
 * another server (`FakeMount`: `candor sandbox` serves every fake on one port).
 */
import http from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

// ---------------------------------------------------------------------------------------
// What a test sees
// ---------------------------------------------------------------------------------------

/** A request as a fake records it. */
export interface RecordedRequest {
  /** Upper-cased. */
  method: string
  /** The request target as sent: path plus query string, e.g. `/2/users/1/tweets?max_results=5`. */
  path: string
  headers: Record<string, string | string[] | undefined>
  /** The body as the fake read it (parsed JSON, or a form where the platform takes forms); the raw string otherwise; undefined if empty. */
  body: unknown
}

/** What every fake platform server offers a test, besides the platform's own state. */
export interface FakePlatform<Fault, Request = RecordedRequest, Match = RouteMatch> {
  /** e.g. http://127.0.0.1:PORT (no trailing slash) */
  url: string
  /** Every request received, including rejected and faulted ones. */
  requests: Request[]
  /** Queue a fault for the next `times` matching requests (default 1); faults are used in the order they were queued. */
  fail(fault: Fault, times?: number, match?: Match): void
  /** Artificial delay before answering (and before a fault answer or reset), default 0. The request is still carried out after it, even if the client gave up. */
  latencyMs: number
  /** Requests being handled now and the most at once, and a gate to hold them: concurrency is asserted, not timed. */
  inFlight: InFlight
  /** Stops the server; ends hanging and delayed requests by destroying their sockets. */
  close(): Promise<void>
}

/** What a held request is: enough to decide whether to hold it. */
export interface HeldRequest {
  /** Upper-cased; SMTP's message transfer is `DATA`. */
  method: string
  path: string
}

/**
 * The requests a fake is handling: one counts from its arrival until the fake has carried it
 * out and its connection is answered or gone (a hang counts until the client gives up).
 * `hold()` makes every request wait, after it is recorded and before it is carried out, for
 * a gate a test opens: that is how a test makes sure several requests are in flight at once.
 */
export class InFlight {
  /** Requests in flight now. */
  current = 0
  /** The most requests that were in flight at once. */
  max = 0
  private gate: ((request: HeldRequest) => Promise<void> | undefined) | undefined
  private opened!: () => void
  /** Resolved by close(): no request stays held after its fake is closed. */
  private readonly closed = new Promise<void>((resolve) => (this.opened = resolve))

  /** Every later request waits for what `gate` returns (nothing: not held); `undefined` holds nothing. */
  hold(gate: ((request: HeldRequest) => Promise<void> | undefined) | undefined): void {
    this.gate = gate
  }

  /** Waits for the gate, if any, of this request. */
  async held(request: HeldRequest): Promise<void> {
    const gate = this.gate?.(request)
    if (gate) await Promise.race([gate, this.closed])
  }

  /** Lets every held request go, now and later (the fake is closing). */
  close(): void {
    this.gate = undefined
    this.opened()
  }

  /** Counts a request in; the function returned counts it out (once, however often called). */
  enter(): () => void {
    this.current++
    this.max = Math.max(this.max, this.current)
    let left = false
    return () => {
      if (left) return
      left = true
      this.current--
    }
  }
}

// ---------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------

/**
 * Faults queued with `fail()`: each is used for the next `times` requests (or connections)
 * its match accepts, in the order they were queued.
 */
export class FaultQueue<Fault, Match = never> {
  private readonly queued: Array<{fault: Fault; remaining: number; match?: Match}> = []

  add(fault: Fault, times = 1, match?: Match): void {
    if (!Number.isInteger(times) || times < 1) throw new Error(`fail(): times must be a positive integer, got ${times}`)
    this.queued.push({fault, remaining: times, match})
  }

  /** The first queued fault whose match `accepts` this request, used up once; undefined if none. */
  take(accepts: (match: Match | undefined) => boolean = () => true): Fault | undefined {
    const i = this.queued.findIndex((q) => accepts(q.match))
    if (i < 0) return undefined
    const q = this.queued[i]!
    if (--q.remaining <= 0) this.queued.splice(i, 1)
    return q.fault
  }

  clear(): void {
    this.queued.length = 0
  }
}

/** The match most fakes take in `fail()`: a method and a path whose `:name` segments match any one segment. */
export interface RouteMatch {
  method?: string
  path?: string
}

export function matchPath(pattern: string, path: string): boolean {
  const p = pattern.split('/')
  const s = path.split('/')
  return p.length === s.length && p.every((seg, i) => (seg.startsWith(':') ? s[i]!.length > 0 : seg === s[i]))
}

export function matchesRoute(match: RouteMatch | undefined, method: string, path: string): boolean {
  return (!match?.method || match.method.toUpperCase() === method) && (!match?.path || matchPath(match.path, path))
}

/**
 * How a fault is carried out. `hang`, `reset`, `lose-answer` and `gateway-error` mean the
 * same on every platform; every other fault is an answer in the platform's own words
 * (`answer`). The webhook receiver calls its lost answer `drop-response`.
 */
export type FaultAction = 'hang' | 'reset' | 'lose-answer' | 'gateway-error' | 'answer'

export function faultAction(fault: object | undefined): FaultAction | undefined {
  if (fault === undefined) return undefined
  const kind = 'kind' in fault ? fault.kind : undefined
  if (kind === 'hang' || kind === 'reset' || kind === 'lose-answer' || kind === 'gateway-error') return kind
  if (kind === 'drop-response') return 'lose-answer'
  return 'answer'
}

/**
 * The platform carries the request out, then the proxy in front of it (Cloudflare, a load
 * balancer) answers 500, 502 or 504 in place of the platform's answer, as it does when that
 * answer is late, cut off or malformed (RFC 9110 §15.6.3, §15.6.5): the post is up, and the
 * client can't tell.
 */
export interface GatewayErrorFault {
  kind: 'gateway-error'
  status: 500 | 502 | 504
}

const GATEWAY_TITLES: Record<GatewayErrorFault['status'], string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  504: 'Gateway Time-out',
}

/** The gateway's own HTML error page for a gateway-error fault (what a proxy answers, whatever the platform). */
export function gatewayErrorPage(fault: GatewayErrorFault): {
  status: number
  headers: Record<string, string>
  body: string
} {
  const title = `${fault.status} ${GATEWAY_TITLES[fault.status]}`
  return {
    status: fault.status,
    headers: {'content-type': 'text/html'},
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`,
  }
}

/** The fault when it is a gateway error; undefined otherwise. */
export function gatewayFault(fault: object | undefined): GatewayErrorFault | undefined {
  return faultAction(fault) === 'gateway-error' ? (fault as GatewayErrorFault) : undefined
}

/** The faults a platform answers in its own words. */
export type AnswerFault<F> = Exclude<F, {kind: 'hang' | 'reset' | 'lose-answer' | 'drop-response' | 'gateway-error'}>

/** The fault when it is an answer (not a hang, reset or lost answer); undefined otherwise. */
export function answerFault<F extends object>(fault: F | undefined): AnswerFault<F> | undefined {
  return faultAction(fault) === 'answer' ? (fault as AnswerFault<F>) : undefined
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

export interface IncomingRequest {
  /** Upper-cased. */
  method: string
  /** The request target as sent: path plus query string. */
  target: string
  /** The target without its query string. */
  path: string
  /** The query string, without `?`. */
  query: string
  /** The body as UTF-8 ('' when there is none). */
  raw: string
}

/** Reads the whole request: fakes record every request before they decide anything. */
export async function readRequest(req: http.IncomingMessage): Promise<IncomingRequest> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const target = req.url ?? '/'
  const [path = '/', query = ''] = target.split(/\?(.*)/s)
  return {method: (req.method ?? 'GET').toUpperCase(), target, path, query, raw: Buffer.concat(chunks).toString('utf8')}
}

export function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** A JSON body parsed; the raw string if it is not JSON; undefined if empty. */
export function parseJson(raw: string): unknown {
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as unknown
  } catch {
    return raw
  }
}

/** A JSON or form body by its content type; the raw string if it is neither (or bad JSON); undefined if empty. */
export function parseBody(contentType: string | undefined, raw: string): unknown {
  if (!raw) return undefined
  const ct = (contentType ?? '').toLowerCase()
  if (ct.includes('json')) return parseJson(raw)
  if (ct.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw))
  return raw
}

// ---------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------

/**
 * Where a fake is mounted instead of listening itself: requests under `url` are handed to
 * the handler given to `attach`, with the mount's path taken off the request target first
 * (`mountRequest`), so the fake routes them as if it were at the root.
 */
export interface FakeMount {
  /** e.g. http://127.0.0.1:4477/x/main (no trailing slash): the fake's base URL. */
  url: string
  /** Called once, when the fake starts, with what handles each request of the mount. */
  attach(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): void
}

/** Targets as sent, of requests whose target `mountRequest` shortened. */
const sentTargets = new WeakMap<http.IncomingMessage, string>()

/** Takes the mount's path (`/x/main`) off a request's target, remembering the target as sent. */
export function mountRequest(req: http.IncomingMessage, prefix: string): void {
  const target = req.url ?? '/'
  sentTargets.set(req, target)
  const rest = target.slice(prefix.length)
  req.url = rest.startsWith('/') ? rest : `/${rest}`
}

/** The request target as the client sent it (and signed it: OAuth 1.0a), mount path included. */
export function sentTarget(req: http.IncomingMessage): string {
  return sentTargets.get(req) ?? req.url ?? '/'
}

export interface FakeHttpServerOptions {
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>
  /** Answers a request whose handling threw, in the platform's words. */
  onError(res: http.ServerResponse, error: unknown): void
  /** Emptied on close, so nothing queued outlives the fake. */
  faults: {clear(): void}
}

/**
 * An HTTP server on 127.0.0.1 (a free port), or a handler mounted on another server
 * (`FakeMount`), whose close() also ends hanging and delayed requests.
 */
export class FakeHttpServer {
  /** Set by close(): nothing is answered any more. */
  closed = false
  /** e.g. http://127.0.0.1:PORT (no trailing slash) */
  url = ''
  /** TCP connections accepted so far: a client that keeps connections alive opens few. */
  connections = 0
  readonly inFlight = new InFlight()
  /** Absent when mounted: the server it is mounted on owns the connections. */
  private readonly server: http.Server | undefined
  private readonly sockets = new Set<Socket>()
  private readonly delays = new Set<{timer: NodeJS.Timeout; resolve: () => void}>()
  private closing: Promise<void> | undefined

  private constructor(
    private readonly options: FakeHttpServerOptions,
    mount: FakeMount | undefined,
  ) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      // In flight until the fake has carried it out and the connection is answered or gone.
      const leave = this.inFlight.enter()
      let pending = 2
      const done = () => --pending === 0 && leave()
      res.once('close', done)
      options
        .handle(req, res)
        .catch((error: unknown) => options.onError(res, error))
        .finally(done)
    }
    if (mount) {
      this.url = mount.url.replace(/\/+$/, '')
      mount.attach((req, res) => {
        // Kept so that close() can end requests that hang or wait here.
        this.sockets.add(req.socket)
        res.once('close', () => this.sockets.delete(req.socket))
        handler(req, res)
      })
      return
    }
    this.server = http.createServer(handler)
    // Kept so that close() can end connections that hang or wait.
    this.server.on('connection', (socket) => {
      this.connections++
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  /** Listens on a free loopback port, or (with `mount`) answers the requests of that mount. */
  static async start(options: FakeHttpServerOptions, mount?: FakeMount): Promise<FakeHttpServer> {
    const fake = new FakeHttpServer(options, mount)
    const {server} = fake
    if (!server) return fake
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return fake
  }

  /** Whether `res` can still be answered: not after close(), a reset, or an answer already sent. */
  answerable(res: http.ServerResponse): boolean {
    return !this.closed && !res.destroyed && !res.headersSent
  }

  /**
   * The part of a fault every platform carries out alike, in this order: a hang is never
   * answered (close() ends it), then the latency passes, then a reset cuts the connection.
   * Returns whether the request goes on (it does not after close()).
   */
  async delay(req: http.IncomingMessage, fault: object | undefined, latencyMs: number): Promise<boolean> {
    const action = faultAction(fault)
    if (action === 'hang') return false
    await this.wait(latencyMs)
    if (!this.closed) await this.inFlight.held({method: (req.method ?? 'GET').toUpperCase(), path: req.url ?? '/'})
    if (this.closed) return false
    if (action === 'reset') {
      req.socket.destroy()
      return false
    }
    return true
  }

  /** Resolves after `ms`, or at once when close() is called. */
  wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.delays.delete(entry)
          resolve()
        }, ms),
        resolve,
      }
      this.delays.add(entry)
    })
  }

  /** Stops the server; ends hanging and delayed requests by destroying their sockets. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closed = true
      this.options.faults.clear()
      this.inFlight.close()
      for (const d of this.delays) {
        clearTimeout(d.timer)
        d.resolve()
      }
      this.delays.clear()
      for (const socket of this.sockets) socket.destroy()
      if (!this.server) return resolve()
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
    return this.closing
  }
}

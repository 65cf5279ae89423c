/**
 * A real SMTP server on loopback (the `smtp-server` package), for tests of the email channel.
 *
 * It requires AUTH (PLAIN/LOGIN over plain TCP, STARTTLS disabled), keeps every accepted
 * message with its envelope, its headers and its text and HTML bodies (a minimal MIME parse:
 * multipart, quoted-printable, base64 and encoded-word headers, which is what nodemailer
 * writes), and injects faults per connection: refused authentication (535), a temporary
 * failure (451), refused recipients (550), a refused message (554), a server that never
 * greets or never answers DATA, a dropped connection, and a connection lost after the
 * message's final "." before the reply: the message is kept, as a real server may have
 * queued it already (RFC 1047; see docs/channels/email.md, "Interrupted sends").
 */
import type {AddressInfo, Socket} from 'node:net'
import {SMTPServer} from 'smtp-server'
import {FaultQueue, InFlight} from './fake-server.js'

export interface FakeSmtpMessage {
  envelope: {from: string; to: string[]}
  /** Header names lower-cased, folded lines joined, encoded words decoded; the first of each name. */
  headers: Record<string, string>
  messageId: string
  inReplyTo?: string
  /** The Message-IDs in References, in order. */
  references: string[]
  subject: string
  from: string
  to: string
  text?: string
  html?: string
  raw: string
  /** The user name the session logged in with. */
  user: string
  /** When the message was accepted (ISO 8601). */
  receivedAt: string
}

export type FakeSmtpFault =
  | {kind: 'auth'}
  | {status: 451}
  | {status: 550; recipients?: string[]}
  | {status: 554}
  | {kind: 'hang'; at?: 'greeting' | 'data'}
  | {kind: 'reset'}
  /** Takes the whole message and keeps it, then drops the connection instead of replying 250. */
  | {kind: 'lose-answer'}

export interface FakeSmtp {
  host: string
  port: number
  /** `smtp://user:pass@127.0.0.1:PORT` with the right credentials. */
  url: string
  /** Accepted messages, in order. */
  messages: FakeSmtpMessage[]
  /** How many connections were made (sendMail and verify each open one). */
  connections: number
  /** Every AUTH attempt's user name and whether it succeeded. */
  logins: Array<{user: string; ok: boolean}>
  /** Queue a fault for the next `times` connections (default 1). */
  fail(fault: FakeSmtpFault, times?: number): void
  /** Delay before answering the end of DATA, default 0. */
  latencyMs: number
  /** Messages being transferred now (from DATA to its answer) and the most at once; hold() holds them as `DATA`. */
  inFlight: InFlight
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------
// A minimal MIME reader
// ---------------------------------------------------------------------------------------

function decodeWords(value: string): string {
  return value.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=(\s+(?==\?))?/g,
    (_, _charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpBytes(data.replace(/_/g, ' '))
      return bytes.toString('utf8')
    },
  )
}

function qpBytes(text: string): Buffer {
  const out: number[] = []
  const s = text.replace(/=\r?\n/g, '')
  for (let i = 0; i < s.length; i++) {
    const hex = s[i] === '=' ? s.slice(i + 1, i + 3) : ''
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16))
      i += 2
    } else {
      out.push(...Buffer.from(s[i]!, 'utf8'))
    }
  }
  return Buffer.from(out)
}

function splitEntity(raw: string): {headers: Record<string, string>; body: string} {
  const m = /\r?\n\r?\n/.exec(raw)
  const head = m ? raw.slice(0, m.index) : raw
  const body = m ? raw.slice(m.index + m[0].length) : ''
  const headers: Record<string, string> = {}
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    const name = line.slice(0, i).trim().toLowerCase()
    headers[name] ??= decodeWords(line.slice(i + 1).trim())
  }
  return {headers, body}
}

function param(header: string | undefined, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(header ?? '')
  return m?.[1]
}

/** Leaf parts (content type → decoded text), depth first. */
function leaves(raw: string): Array<{type: string; text: string}> {
  const {headers, body} = splitEntity(raw)
  const type = (headers['content-type'] ?? 'text/plain').split(';')[0]!.trim().toLowerCase()
  if (type.startsWith('multipart/')) {
    const boundary = param(headers['content-type'], 'boundary')
    if (!boundary) return []
    const sections = body.split(`--${boundary}`)
    // Before the first delimiter is the preamble; after the closing `--` the epilogue.
    return sections.slice(1, -1).flatMap((s) => leaves(s.replace(/^\r?\n/, '')))
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase()
  const bytes =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? qpBytes(body)
        : Buffer.from(body, 'utf8')
  return [{type, text: bytes.toString('utf8').replace(/\r\n/g, '\n').replace(/\n$/, '')}]
}

/** Parses a message as nodemailer writes it: headers, and the text and HTML alternatives. */
export function parseMessage(
  raw: string,
  envelope: FakeSmtpMessage['envelope'],
): Omit<FakeSmtpMessage, 'user' | 'receivedAt'> {
  const {headers} = splitEntity(raw)
  const parts = leaves(raw)
  const ids = (v: string | undefined) => v?.match(/<[^>]+>/g) ?? []
  return {
    envelope,
    headers,
    messageId: headers['message-id'] ?? '',
    ...(headers['in-reply-to'] && {inReplyTo: headers['in-reply-to']}),
    references: ids(headers.references),
    subject: headers.subject ?? '',
    from: headers.from ?? '',
    to: headers.to ?? '',
    text: parts.find((p) => p.type === 'text/plain')?.text,
    html: parts.find((p) => p.type === 'text/html')?.text,
    raw,
  }
}

// ---------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), {responseCode: code})
}

export interface StartFakeSmtpOptions {
  user?: string
  pass?: string
  /** Any user name with this password logs in (`candor sandbox`: the user name is the channel's name). */
  anyUser?: boolean
  /** Listen on this port (default a free one) of 127.0.0.1. */
  port?: number
  /** Called after each message is accepted. */
  onMessage?: (message: FakeSmtpMessage) => void
}

export async function startFakeSmtp(opts: StartFakeSmtpOptions = {}): Promise<FakeSmtp> {
  const user = opts.user ?? 'status@acme.test'
  const pass = opts.pass ?? 'smtp-pass-7f3a9c'
  // Faults are per connection here: a session keeps the one it took when it connected.
  const faults = new FaultQueue<FakeSmtpFault>()
  const sessionFaults = new Map<string, FakeSmtpFault>()
  const sockets = new Map<number, Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const inFlight = new InFlight()
  // Per session: counts its message out of inFlight (on the answer, or when the session ends).
  const transfers = new Map<string, () => void>()
  const messages: FakeSmtpMessage[] = []
  const logins: FakeSmtp['logins'] = []
  let closed = false

  const faultOf = (sessionId: string) => sessionFaults.get(sessionId)

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    onConnect(session, callback) {
      fake.connections++
      const queued = faults.take()
      if (queued) sessionFaults.set(session.id, queued)
      const fault = faultOf(session.id)
      if (fault && 'kind' in fault && fault.kind === 'hang' && fault.at !== 'data') return // never greets
      if (fault && 'kind' in fault && fault.kind === 'reset') {
        sockets.get(session.remotePort)?.destroy()
        return
      }
      callback()
    },
    onAuth(auth, session, callback) {
      const fault = faultOf(session.id)
      const ok =
        (auth.username === user || (opts.anyUser === true && /^[\w.@+-]{1,100}$/.test(auth.username ?? ''))) &&
        auth.password === pass &&
        !(fault && 'kind' in fault && fault.kind === 'auth')
      logins.push({user: auth.username ?? '', ok})
      if (!ok) return callback(smtpError(535, '5.7.8 Authentication credentials invalid'))
      callback(null, {user: auth.username})
    },
    onRcptTo(address, session, callback) {
      const fault = faultOf(session.id)
      if (
        fault &&
        'status' in fault &&
        fault.status === 550 &&
        (!fault.recipients || fault.recipients.includes(address.address))
      ) {
        return callback(
          smtpError(
            550,
            `5.1.1 <${address.address}>: Recipient address rejected: User unknown in virtual mailbox table`,
          ),
        )
      }
      callback()
    },
    onData(stream, session, callback) {
      const leave = inFlight.enter()
      transfers.set(session.id, leave)
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const fault = faultOf(session.id)
        if (fault && 'kind' in fault && fault.kind === 'hang') return // never answers DATA
        const carryOut = () => {
          if (closed) return
          if (fault && 'status' in fault && fault.status === 451)
            return callback(smtpError(451, '4.3.0 Temporary local problem, please try again later'))
          if (fault && 'status' in fault && fault.status === 554)
            return callback(smtpError(554, '5.7.1 Message rejected: looks like spam'))
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          }
          messages.push({
            ...parseMessage(Buffer.concat(chunks).toString('utf8'), envelope),
            user: session.user === undefined ? '' : String(session.user),
            receivedAt: new Date().toISOString(),
          })
          opts.onMessage?.(messages.at(-1)!)
          if (fault && 'kind' in fault && fault.kind === 'lose-answer')
            return void sockets.get(session.remotePort)?.destroy()
          callback(null, `2.0.0 Ok: queued as ${messages.length}`)
        }
        const finish = () => {
          carryOut()
          leave()
        }
        const release = () => void inFlight.held({method: 'DATA', path: '/'}).then(finish)
        if (fake.latencyMs <= 0) return release()
        const timer = setTimeout(() => {
          timers.delete(timer)
          release()
        }, fake.latencyMs)
        timers.add(timer)
      })
    },
    onClose(session) {
      sessionFaults.delete(session.id)
      transfers.get(session.id)?.()
      transfers.delete(session.id)
    },
  })
  server.on('error', () => {}) // client resets surface here; they are expected in fault tests
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort!
    sockets.set(port, socket)
    socket.on('close', () => sockets.delete(port))
  })

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const {port} = server.server.address() as AddressInfo

  let closing: Promise<void> | undefined
  const fake: FakeSmtp = {
    host: '127.0.0.1',
    port,
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    messages,
    connections: 0,
    logins,
    latencyMs: 0,
    inFlight,
    fail: (fault, times) => faults.add(fault, times),
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true
        faults.clear()
        inFlight.close()
        for (const t of timers) clearTimeout(t)
        server.close(() => resolve())
        for (const socket of sockets.values()) socket.destroy()
      })
      return closing
    },
  }
  return fake
}

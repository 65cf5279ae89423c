/**
 * `candor sandbox`: every platform's imitation on one loopback port, each channel under
 * `/<type>/<channel>/…`, email over SMTP on a second port, and what they received as JSON
 * (`/api/posts`) and as a page (`/`) that updates itself. See docs/sandbox.md.
 */
import {readFileSync} from 'node:fs'
import http from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import path from 'node:path'
import type {SandboxTarget} from '../../channels/kind.js'
import {SANDBOX_SMTP_PASSWORD} from '../../channels/email/kind.js'
import {sandboxBase} from '../../channels/sandbox-url.js'
import {makeFolder} from '../fs/make-folder.js'
import {replaceFileAtomic} from '../fs/atomic-write.js'
import {mountRequest} from './fakes/fake-server.js'
import {startFakeSmtp, type FakeSmtp} from './fakes/smtp-server.js'
import {type HttpType, type Imitation, isHttpType, type SandboxPost, startImitation} from './imitations.js'
import {PAGE_SCRIPT, renderPage, renderPosts} from './sandbox-page.js'

export type {SandboxPost} from './imitations.js'

export interface SandboxOptions {
  /** HTTP port (0: a free one). */
  port: number
  host?: '127.0.0.1'
  /** SMTP port (default: the HTTP port + 1, or a free one when the HTTP port is 0). */
  smtpPort?: number
  /** Keep the posts here as JSON (`posts.json`), and show those of earlier runs. */
  dir?: string
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:4477 (no trailing slash) */
  url: string
  smtp: {host: string; port: number}
  /** Every post received, oldest first (earlier runs' first, with `--dir`). */
  posts(): SandboxPost[]
  /** Calls `listener` after every change of the posts; returns what stops it. */
  onChange(listener: () => void): () => void
  /** Pages following the posts live now (open /api/events streams). */
  readonly watchers: number
  close(): Promise<void>
}

/** A playbook channel's name as it may appear in a path (the loader allows letters, digits, `-`, `_`). */
const CHANNEL_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/
const POSTS_FILE = 'posts.json'

/** Posts saved by an earlier run: untrusted, so each is checked and anything odd left out. */
function loadEarlier(dir: string): SandboxPost[] {
  let raw: string
  try {
    raw = readFileSync(path.join(dir, POSTS_FILE), 'utf8')
  } catch {
    return []
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return []
  }
  if (!Array.isArray(parsed)) return []
  const str = (v: unknown) => typeof v === 'string'
  return parsed.flatMap((p: Record<string, unknown>) =>
    p && typeof p === 'object' && str(p.channel) && str(p.type) && str(p.id) && str(p.text) && str(p.at)
      ? [
          {
            channel: p.channel as string,
            type: p.type as string,
            id: p.id as string,
            text: p.text as string,
            reply_to: str(p.reply_to) ? (p.reply_to as string) : null,
            at: p.at as string,
            deleted: p.deleted === true,
            ...(str(p.title) && {title: p.title as string}),
            earlier: true,
          },
        ]
      : [],
  )
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/** Where the imitation of `type` for a channel is mounted (as its kind's `sandbox` hook points there). */
function mountUrl(target: SandboxTarget, type: string): string {
  return type === 'x' ? `${target.url}/2/x/${encodeURIComponent(target.channel)}` : sandboxBase(target, type)
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1'
  const earlier = options.dir ? loadEarlier(options.dir) : []
  const imitations = new Map<string, Promise<Imitation>>()
  const started: Array<{type: string; channel: string; imitation: Imitation}> = []
  const firstSeen = new Map<string, string>()
  const listeners = new Set<() => void>()
  const sockets = new Set<Socket>()
  const events = new Set<http.ServerResponse>()
  let smtp: FakeSmtp | undefined
  let lastJson = ''
  let saving = Promise.resolve()

  /** When a post was first seen, for platforms whose records carry no time. */
  const seen = (key: string) => {
    let at = firstSeen.get(key)
    if (!at) firstSeen.set(key, (at = new Date().toISOString()))
    return at
  }

  function posts(): SandboxPost[] {
    const live: SandboxPost[] = started.flatMap(({type, channel, imitation}) =>
      imitation.posts().map((p) => ({...p, channel, type, at: p.at ?? seen(`${type}/${channel}/${p.id}`)})),
    )
    const mail: SandboxPost[] = (smtp?.messages ?? []).map((m) => ({
      channel: m.user,
      type: 'email',
      id: m.messageId,
      text: m.text ?? '',
      reply_to: m.inReplyTo ?? null,
      at: m.receivedAt,
      deleted: false,
      title: m.subject,
    }))
    return [...earlier, ...[...live, ...mail].sort((a, b) => a.at.localeCompare(b.at))]
  }

  /** After anything that may have changed the posts: tell the listeners, and save them with `--dir`. */
  function changed(): void {
    const list = posts()
    const json = JSON.stringify(list, null, 2)
    if (json === lastJson) return
    lastJson = json
    if (options.dir) {
      const dir = options.dir
      saving = saving.then(() => replaceFileAtomic(path.join(dir, POSTS_FILE), `${json}\n`)).catch(() => {})
    }
    for (const listener of listeners) listener()
    for (const res of events) res.write(`event: change\ndata: ${list.length}\n\n`)
  }

  const info = () => ({url, smtp: {host, port: smtp?.port ?? 0}})

  function imitation(type: string, channel: string): Promise<Imitation> {
    const key = `${type}/${channel}`
    let found = imitations.get(key)
    if (!found) {
      const target: SandboxTarget = {url, smtp: info().smtp, channel, dir: options.dir ?? ''}
      found = startImitation(type as HttpType, mountUrl(target, type), target).then((imitation) => {
        started.push({type, channel, imitation})
        return imitation
      })
      imitations.set(key, found)
    }
    return found
  }

  function send(res: http.ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, {'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS})
    res.end(body)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Only this machine's names for it: a web page that rebinds its own host name to 127.0.0.1
    // must not read the posts (or post) through the visitor's browser.
    const hostHeader = (req.headers.host ?? '').toLowerCase()
    if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(hostHeader))
      return send(res, 421, 'text/plain; charset=utf-8', `use ${url}\n`)
    const target = req.url ?? '/'
    const pathname = target.split('?')[0]!
    const method = (req.method ?? 'GET').toUpperCase()
    // X's mount is /2/x/<channel>: its client sends JSON only to paths under /2/.
    const segments = pathname.startsWith('/2/x/') ? pathname.slice(2).split('/') : pathname.split('/')
    const type = segments[1] ?? ''
    if (isHttpType(type) && (type !== 'x' || pathname.startsWith('/2/x/'))) {
      let channel: string
      try {
        channel = decodeURIComponent(segments[2] ?? '')
      } catch {
        channel = ''
      }
      const shape = type === 'x' ? '/2/x/<channel>/…' : `/${type}/<channel>/…`
      if (!CHANNEL_SEGMENT.test(channel))
        return send(res, 404, 'text/plain; charset=utf-8', `no channel in the path: use ${shape}\n`)
      const served = await imitation(type, channel)
      mountRequest(req, `${type === 'x' ? '/2' : ''}/${segments[1]}/${segments[2]}`)
      res.once('close', changed)
      return served.handle(req, res)
    }
    if (method !== 'GET' && method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n')
    if (pathname === '/api/posts') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(posts()))
    if (pathname === '/api/info') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(info()))
    if (pathname === '/api/events') {
      res.writeHead(200, {'content-type': 'text/event-stream', connection: 'keep-alive', ...SECURITY_HEADERS})
      res.write(': candor sandbox\n\n')
      events.add(res)
      res.once('close', () => events.delete(res))
      return
    }
    if (pathname === '/posts') return send(res, 200, 'text/html; charset=utf-8', renderPosts(posts()))
    if (pathname === '/sandbox.js') return send(res, 200, 'text/javascript; charset=utf-8', PAGE_SCRIPT)
    if (pathname === '/') {
      res.setHeader(
        'content-security-policy',
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
      )
      return send(res, 200, 'text/html; charset=utf-8', renderPage(info(), posts()))
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n')
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${String(error)}\n`)
      else res.destroy()
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  if (options.dir) makeFolder(options.dir)
  await listen(server, options.port, host)
  const port = (server.address() as AddressInfo).port
  const url = `http://${host}:${port}`
  const smtpPort = options.smtpPort ?? (options.port === 0 ? 0 : port + 1)
  try {
    smtp = await startFakeSmtp({pass: SANDBOX_SMTP_PASSWORD, anyUser: true, port: smtpPort, onMessage: changed})
  } catch (error) {
    server.close()
    server.closeAllConnections()
    throw Object.assign(error as Error, {sandboxPart: 'smtp', port: smtpPort})
  }
  lastJson = JSON.stringify(posts(), null, 2)

  let closing: Promise<void> | undefined
  return {
    url,
    smtp: {host, port: smtp.port},
    posts,
    get watchers() {
      return events.size
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close() {
      closing ??= (async () => {
        for (const res of events) res.end()
        await Promise.all(started.map(({imitation}) => imitation.close()))
        await smtp?.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          for (const socket of sockets) socket.destroy()
          server.closeAllConnections()
        })
        await saving
      })()
      return closing
    },
  }
}

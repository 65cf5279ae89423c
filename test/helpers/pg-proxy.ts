/**
 * A TCP proxy in front of PostgreSQL that counts what a command costs on the network:
 * connections and round trips, optionally with added latency (the bench) or a cut
 * connection at a chosen moment (the fault tests).
 *
 * A round trip ("exchange") is counted per connection, from the bytes on the wire:
 * every byte the client sends before the server next sends anything is one client
 * burst; a burst that the server answers (any byte back) is one exchange, because the
 * client had to wait one network round trip for that answer. So a query, the four
 * messages node-postgres sends for one parameterised query (Parse, Bind, Execute, Sync)
 * and several queries written without waiting in between (pipelined) each cost one
 * exchange, and each step of the login (startup, SASL first and final message) one.
 * Bytes nobody waits for (Terminate when closing) and the TCP handshake itself are not
 * exchanges; connections are counted apart.
 *
 * The proxy does not parse the protocol, so it works whatever the client does; `onClient`
 * sees each chunk (e.g. to cut the connection once a given statement is on its way).
 */
import net from 'node:net'

export interface ProxyCounts {
  /** Client connections accepted. */
  connections: number
  /** Client bursts the server answered (see the file comment). */
  exchanges: number
  /** Bytes client → server and server → client. */
  bytesUp: number
  bytesDown: number
}

export interface ProxyConnection {
  readonly id: number
  /** Everything the client sent so far on this connection, as latin1 text (to look for SQL). */
  readonly sent: string
  /** Destroys both sides at once, as a network cut does. */
  cut(): void
}

export interface PgProxyOptions {
  /** The PostgreSQL to forward to. */
  target: {host: string; port: number}
  /** Added to each direction, in order (so a round trip costs 2 × this more). */
  latencyMs?: number
  /**
   * Sees each client chunk before it is forwarded; return 'drop' to cut the connection
   * instead of forwarding it, 'forward-then-cut' to forward it and cut before its answer
   * comes back (the server ran it, a transaction to its end: the answer is lost).
   */
  onClient?: (conn: ProxyConnection, chunk: Buffer) => 'drop' | 'forward-then-cut' | undefined
}

export interface PgProxy {
  readonly port: number
  /** A PostgreSQL URL like `url`, pointed at the proxy. */
  url(url: string): string
  counts(): ProxyCounts
  /** Zeroes the counts (connections already open keep being counted). */
  reset(): void
  setLatency(ms: number): void
  setOnClient(fn: PgProxyOptions['onClient']): void
  close(): Promise<void>
}

/**
 * Writes chunks after `delay()` ms each, never out of order: one queue and one timer per
 * direction (a timer per chunk would not do: timers of different lengths due in the same
 * millisecond may fire in either order, and a reordered stream is a broken protocol).
 */
function delayedWriter(out: net.Socket, delay: () => number) {
  const queue: Array<{chunk: Buffer; due: number}> = []
  let scheduled = false
  const drain = () => {
    scheduled = false
    while (queue.length > 0 && queue[0].due <= Date.now()) {
      const {chunk} = queue.shift()!
      if (out.writable) out.write(chunk)
    }
    if (queue.length > 0) {
      scheduled = true
      setTimeout(drain, Math.max(1, queue[0].due - Date.now()))
    }
  }
  return (chunk: Buffer) => {
    const ms = delay()
    if (ms <= 0 && queue.length === 0) {
      out.write(chunk)
      return
    }
    queue.push({chunk, due: Date.now() + ms})
    if (!scheduled) {
      scheduled = true
      setTimeout(drain, Math.max(0, ms))
    }
  }
}

export async function startPgProxy(opts: PgProxyOptions): Promise<PgProxy> {
  let latency = opts.latencyMs ?? 0
  let onClient = opts.onClient
  const counts: ProxyCounts = {connections: 0, exchanges: 0, bytesUp: 0, bytesDown: 0}
  const sockets = new Set<net.Socket>()
  let nextId = 1

  const server = net.createServer((client) => {
    counts.connections++
    const upstream = net.connect(opts.target)
    sockets.add(client)
    sockets.add(upstream)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    let sent = ''
    // Whether the client has sent bytes the server has not answered yet.
    let awaitingAnswer = false
    let cutting = false
    const conn: ProxyConnection = {
      id: nextId++,
      get sent() {
        return sent
      },
      cut() {
        cutting = true
        client.destroy()
        upstream.destroy()
      },
    }
    const toServer = delayedWriter(upstream, () => latency)
    const toClient = delayedWriter(client, () => latency)
    client.on('data', (chunk: Buffer) => {
      if (cutting) return
      sent += chunk.toString('latin1')
      const verdict = onClient?.(conn, chunk)
      if (verdict === 'drop') return conn.cut()
      counts.bytesUp += chunk.length
      awaitingAnswer = true
      toServer(chunk)
      if (verdict === 'forward-then-cut') {
        cutting = true
        // The server runs what it got; its answer is held back, and the connection cut once
        // the answer ends a transaction (COMMIT or ROLLBACK), or after 2 s: the client never
        // learns whether it was recorded.
        let held = ''
        upstream.on('data', (answer: Buffer) => {
          held += answer.toString('latin1')
          if (/COMMIT|ROLLBACK/.test(held)) conn.cut()
        })
        setTimeout(() => conn.cut(), 2000).unref()
      }
    })
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) return
      counts.bytesDown += chunk.length
      if (awaitingAnswer) {
        counts.exchanges++
        awaitingAnswer = false
      }
      toClient(chunk)
    })
    const close = () => {
      sockets.delete(client)
      sockets.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', close)
    upstream.on('close', () => setTimeout(close, latency))
    client.on('error', close)
    upstream.on('error', close)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    url(url) {
      const u = new URL(url)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    counts: () => ({...counts}),
    reset() {
      counts.connections = 0
      counts.exchanges = 0
      counts.bytesUp = 0
      counts.bytesDown = 0
    },
    setLatency(ms) {
      latency = ms
    },
    setOnClient(fn) {
      onClient = fn
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The host and port of a PostgreSQL URL. */
export function pgTarget(url: string): {host: string; port: number} {
  const u = new URL(url)
  return {host: u.hostname, port: Number(u.port || 5432)}
}

import type {Client} from 'pg'
import {isTransientPgError} from './pg-retry.js'

/** node-postgres has these (they ref/unref the socket); its types do not say so. */
type RefCounted = Client & {ref(): void; unref(): void}

/** Runs on a fresh connection before anything else does (e.g. to take a held lock again). */
export type ReconnectHook = (client: Client) => Promise<void>

/**
 * One PostgreSQL connection for a whole command, opened on first use: the store's work and
 * the command's advisory lock share it, so a command logs in once (each login costs three
 * round trips). The connection is pipelined (node-postgres `pipeline: true`): the queries a
 * `use` span issues without awaiting each other go out in one write and cost one round trip.
 *
 * Spans run one at a time, so a transaction in one never takes in another's statements.
 * A connection that dies is dropped; the next span opens a new one and first runs the
 * reconnect hooks. It keeps the process alive only while a span runs (like the pool's
 * `allowExitOnIdle` did), so a command ends when its work is done.
 */
export class PgSession {
  private client?: Promise<Client>
  private chain: Promise<unknown> = Promise.resolve()
  private busy = 0
  private readonly reconnectHooks = new Set<ReconnectHook>()
  private readonly lostHooks = new Set<() => void>()
  /** How many connections this session opened (the first, then one per reconnect). */
  generation = 0

  constructor(private readonly open: () => Promise<Client>) {}

  onReconnect(hook: ReconnectHook): () => void {
    this.reconnectHooks.add(hook)
    return () => this.reconnectHooks.delete(hook)
  }

  /** Called when the connection is found dead (before any reconnect). */
  onLost(hook: () => void): () => void {
    this.lostHooks.add(hook)
    return () => this.lostHooks.delete(hook)
  }

  /** Runs `fn` with the connection to itself; a lost connection fails it (the caller retries). */
  use<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const run = async () => {
      const client = await this.connection()
      if (this.busy++ === 0) (client as RefCounted).ref()
      // The queries `fn` issues in this tick leave in one write (one packet, one burst),
      // not one write per protocol message.
      const stream = (client as unknown as {connection?: {stream?: {cork?(): void; uncork?(): void}}}).connection
        ?.stream
      stream?.cork?.()
      process.nextTick(() => stream?.uncork?.())
      try {
        return await fn(client)
      } catch (error) {
        if (isTransientPgError(error)) this.drop(client)
        throw error
      } finally {
        if (--this.busy === 0) (client as RefCounted).unref()
      }
    }
    const result = this.chain.then(run, run)
    this.chain = result.catch(() => undefined)
    return result
  }

  private connection(): Promise<Client> {
    if (!this.client) {
      const opening = (async () => {
        const client = await this.open()
        client.on('error', () => this.drop(client))
        client.on('end', () => this.drop(client))
        const reconnect = this.generation++ > 0
        if (reconnect) for (const hook of [...this.reconnectHooks]) await hook(client)
        return client
      })()
      this.client = opening
      opening.catch(() => {
        if (this.client === opening) this.client = undefined
      })
    }
    return this.client
  }

  private drop(client: Client): void {
    void this.client?.then(
      (current) => {
        if (current !== client) return
        this.client = undefined
        for (const hook of [...this.lostHooks]) hook()
        client.end().catch(() => undefined)
      },
      () => undefined,
    )
  }

  /** Cuts the connection at once (one that hangs on a dead network). */
  async destroy(): Promise<void> {
    const client = await this.client?.catch(() => undefined)
    this.client = undefined
    ;(client as unknown as {connection?: {stream?: {destroy(): void}}})?.connection?.stream?.destroy()
  }

  /** Closes the connection; one that hangs is cut after 2 s. */
  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined)
    this.client = undefined
    if (!client) return
    let timer: NodeJS.Timeout | undefined
    const ended = await Promise.race([
      client.end().then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 2000))),
    ])
    clearTimeout(timer)
    if (!ended) (client as unknown as {connection?: {stream?: {destroy(): void}}}).connection?.stream?.destroy()
  }
}

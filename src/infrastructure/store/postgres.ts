import {createHash, randomUUID} from 'node:crypto'
import os from 'node:os'
import type {Client, Pool, PoolClient} from 'pg'
import {CandorError} from '../../domain/errors.js'
import type {JournalEvent, NewEvent} from '../../services/incident/events.js'
import {describeOwner, type LockOwner} from '../../services/incident/lock-owner.js'
import {
  checkIncidentId,
  type IncidentLock,
  type IncidentStore,
  type JournalRead,
  type LockOptions,
} from '../../services/incident/store.js'
import {isTransientPgError, retryTransient, sleep} from './pg-retry.js'
import {PgIncidentLock} from './postgres-lock.js'
import {LOCK_CLASS, migrate, type MigrationResult} from './schema.js'
import {redactStoreUrl} from './url.js'

export interface PgStoreOptions {
  /** Retries of one operation after a lost or refused connection (default 5). */
  retries?: number
  /** First delay between retries; doubles each time, at most 3 s (default 200 ms). */
  retryDelayMs?: number
  /** Bring the schema up to date on first use (default true). */
  autoMigrate?: boolean
  /** Connection attempts give up after this long (default 10 s). */
  connectTimeoutMs?: number
}

type PgModule = typeof import('pg')

let pgModule: Promise<PgModule> | undefined
/** `pg` is loaded only when a command actually uses a PostgreSQL store. */
function loadPg(): Promise<PgModule> {
  pgModule ??= import('pg').then((m) => ((m as unknown as {default?: PgModule}).default ?? m) as PgModule)
  return pgModule
}

/** The per-incident advisory lock key (the second of the two int4 keys). */
export function incidentKey(id: string): number {
  return createHash('sha256').update(`candor:${id}`).digest().readInt32BE(0)
}

interface EventRow {
  body: JournalEvent
}

/**
 * Incident journals in a shared PostgreSQL database (team mode), with the file
 * journal's semantics: one append-only row per event, numbered per incident, the
 * event's JSON kept exactly as written. Appends are serialised per incident by a
 * transaction-scoped advisory lock; commands are serialised by a session-level one
 * (`lock`), released when the command ends or its connection dies.
 */
export class PgIncidentStore implements IncidentStore {
  readonly location: string
  private pool?: Pool
  private ready?: Promise<MigrationResult | undefined>
  private readonly opts: Required<PgStoreOptions>

  constructor(
    private readonly url: string,
    opts: PgStoreOptions = {},
  ) {
    this.location = redactStoreUrl(url)
    this.opts = {retries: 5, retryDelayMs: 200, autoMigrate: true, connectTimeoutMs: 10_000, ...opts}
  }

  private connectionConfig(applicationName: string) {
    // query_timeout: a query on a connection that silently went dead (no reset, just
    // silence) fails after a while and is retried on a fresh one, instead of hanging.
    return {
      connectionString: this.url,
      application_name: applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: this.opts.connectTimeoutMs,
      query_timeout: 30_000,
    }
  }

  private async getPool(): Promise<Pool> {
    if (!this.pool) {
      const pg = await loadPg()
      // allowExitOnIdle: a command ends when its work is done, without closing the store.
      this.pool = new pg.Pool({
        ...this.connectionConfig('candor'),
        max: 4,
        allowExitOnIdle: true,
        idleTimeoutMillis: 5000,
      })
      // An idle connection that dies is dropped by the pool; the next query opens another.
      this.pool.on('error', () => undefined)
      // One that dies while in use fails its query (and is retried): never an uncaught 'error'.
      this.pool.on('connect', (client) => client.on('error', () => undefined))
    }
    return this.pool
  }

  /** Runs `op`, again after a lost or refused connection: the one retry policy of the store. */
  private retrying<T>(op: () => Promise<T>, onTransient?: () => unknown): Promise<T> {
    return retryTransient(op, {retries: this.opts.retries, delayMs: this.opts.retryDelayMs, onTransient})
  }

  /** Runs `fn` on a pooled connection, again on a fresh one after a lost connection. */
  private async withClient<T>(fn: (client: PoolClient) => Promise<T>, opts: {migrate?: boolean} = {}): Promise<T> {
    const pool = await this.getPool()
    const once = async () => {
      let client: PoolClient | undefined
      try {
        client = await pool.connect()
        if (opts.migrate !== false) await this.ensureReady(client)
        const result = await fn(client)
        client.release()
        return result
      } catch (error) {
        client?.release(isTransientPgError(error) ? (error as Error) : undefined)
        throw error
      }
    }
    try {
      return await this.retrying(once, () => {
        if (opts.migrate !== false) this.ready = undefined
      })
    } catch (error) {
      throw this.explain(error)
    }
  }

  private ensureReady(client: PoolClient): Promise<MigrationResult | undefined> {
    if (!this.opts.autoMigrate) return Promise.resolve(undefined)
    this.ready ??= migrate(client).catch((error) => {
      this.ready = undefined
      throw error
    })
    return this.ready
  }

  /** Turns a driver error into one a person can act on; never shows the password. */
  private explain(error: unknown): Error {
    if (error instanceof CandorError) return error
    const e = error as {code?: string; message?: string}
    const message = redactStoreUrl(String(e?.message ?? error))
    if (e?.code === '28P01' || e?.code === '28000') {
      return new CandorError(`the store ${this.location} refused the login: ${message}`, {
        code: 'store_auth',
        suggestions: ['Check the user and password in the store URL (or PGPASSWORD / ~/.pgpass)'],
      })
    }
    if (e?.code === '3D000')
      return new CandorError(`the store ${this.location} has no such database: ${message}`, {
        code: 'store_unavailable',
        suggestions: ['Create the database, or fix its name in the store URL'],
      })
    if (e?.code === '42501') {
      return new CandorError(`the store ${this.location} refused: ${message}`, {
        code: 'store_permission',
        suggestions: [
          'Grant the role what "Team mode" in the README lists, or run `candor store migrate` as the schema owner',
        ],
      })
    }
    if (isTransientPgError(error)) {
      return new CandorError(`cannot reach the store ${this.location}: ${message}`, {
        code: 'store_unavailable',
        suggestions: [
          'Check the database is up and reachable from here; nothing half-written was recorded, so run the command again',
        ],
      })
    }
    const out = new Error(`store ${this.location}: ${message}`)
    out.stack = error instanceof Error ? redactStoreUrl(error.stack ?? '') : undefined
    return out
  }

  /** Brings the schema up to date now (`candor store migrate`), or to `target`. */
  async migrate(target?: number): Promise<MigrationResult> {
    return this.withClient((client) => migrate(client, target), {migrate: false})
  }

  async list(): Promise<string[]> {
    return this.withClient(async (c) =>
      (
        await c.query<{incident: string}>(
          `select incident from candor_events where type = 'opened' order by at, incident`,
        )
      ).rows.map((r) => r.incident),
    )
  }

  async exists(id: string): Promise<boolean> {
    checkIncidentId(id)
    return this.withClient(
      async (c) => ((await c.query('select 1 from candor_events where incident = $1 limit 1', [id])).rowCount ?? 0) > 0,
    )
  }

  async read(id: string): Promise<JournalRead> {
    checkIncidentId(id)
    const rows = await this.withClient(
      async (c) =>
        (await c.query<EventRow>('select body from candor_events where incident = $1 order by seq', [id])).rows,
    )
    if (rows.length === 0) throw notFound(id)
    return {events: rows.map((r) => r.body), warnings: []}
  }

  async create(id: string, first: NewEvent, now = new Date()): Promise<JournalEvent> {
    checkIncidentId(id)
    const eventId = randomUUID()
    const event = {...first, seq: 1, at: now.toISOString()} as JournalEvent
    return this.withClient(async (c) => {
      try {
        await c.query(
          'insert into candor_events (incident, seq, at, type, body, event_id) values ($1, 1, $2, $3, $4, $5)',
          [id, event.at, event.type, JSON.stringify(event), eventId],
        )
        return event
      } catch (error) {
        if ((error as {code?: string}).code !== '23505') throw error
        // Ours already, from an attempt whose answer was lost? Then it is done.
        const mine = await c.query<EventRow>('select body from candor_events where incident = $1 and event_id = $2', [
          id,
          eventId,
        ])
        if (mine.rows[0]) return mine.rows[0].body
        throw new CandorError(`incident "${id}" already exists`, {
          code: 'incident_exists',
          suggestions: ['Choose another --id, or work on the existing one with --incident ' + id],
        })
      }
    })
  }

  async append(id: string, event: NewEvent, now = new Date()): Promise<JournalEvent> {
    return (await this.appendMany(id, [event], now))[0]
  }

  /**
   * Appends events in one transaction: all are recorded or none. Each carries an id
   * chosen here, so a retry after a lost connection never records one twice.
   */
  async appendMany(id: string, events: NewEvent[], now = new Date()): Promise<JournalEvent[]> {
    checkIncidentId(id)
    if (events.length === 0) return []
    const ids = events.map(() => randomUUID())
    const at = now.toISOString()
    return this.withClient(async (c) => {
      await c.query('begin')
      try {
        await c.query('select pg_advisory_xact_lock($1, $2)', [LOCK_CLASS.append, incidentKey(id)])
        const earlier = await c.query<EventRow>(
          'select body from candor_events where incident = $1 and event_id = any($2::uuid[]) order by seq',
          [id, ids],
        )
        if (earlier.rows.length > 0) {
          await c.query('commit')
          return earlier.rows.map((r) => r.body)
        }
        const last = await c.query<{seq: number | null}>(
          'select max(seq) as seq from candor_events where incident = $1',
          [id],
        )
        let seq = last.rows[0]?.seq
        if (seq === null || seq === undefined) throw notFound(id)
        const out: JournalEvent[] = []
        for (const [i, e] of events.entries()) {
          const full = {...e, seq: ++seq, at} as JournalEvent
          await c.query(
            'insert into candor_events (incident, seq, at, type, body, event_id) values ($1, $2, $3, $4, $5, $6)',
            [id, full.seq, at, full.type, JSON.stringify(full), ids[i]],
          )
          out.push(full)
        }
        await c.query('commit')
        return out
      } catch (error) {
        await c.query('rollback').catch(() => undefined)
        const e = error as {code?: string; constraint?: string}
        if (e.code === '23505' && e.constraint === 'candor_events_published_once') throw alreadyPublished(id, events)
        throw error
      }
    })
  }

  /**
   * Writes events exactly as they are (their own seq and time), after the first
   * `after` already there: for `candor store copy`. Fails if the journal moved on.
   */
  async importEvents(id: string, events: JournalEvent[], after: number): Promise<void> {
    checkIncidentId(id)
    await this.withClient(async (c) => {
      await c.query('begin')
      try {
        await c.query('select pg_advisory_xact_lock($1, $2)', [LOCK_CLASS.append, incidentKey(id)])
        const count = await c.query<{n: string}>('select count(*) as n from candor_events where incident = $1', [id])
        if (Number(count.rows[0].n) !== after) {
          throw new CandorError(`incident ${id} changed in ${this.location} while it was being copied`, {
            code: 'copy_conflict',
            suggestions: ['Run the copy again'],
          })
        }
        for (const e of events) {
          const at = Number.isNaN(Date.parse(e.at)) ? new Date().toISOString() : e.at
          await c.query('insert into candor_events (incident, seq, at, type, body) values ($1, $2, $3, $4, $5)', [
            id,
            e.seq,
            at,
            e.type,
            JSON.stringify(e),
          ])
        }
        await c.query('commit')
      } catch (error) {
        await c.query('rollback').catch(() => undefined)
        throw error
      }
    })
  }

  /** Opens a dedicated connection (not from the pool), retrying a refused one. */
  async connectDedicated(applicationName: string): Promise<Client> {
    const pg = await loadPg()
    const once = async () => {
      const client = new pg.Client(this.connectionConfig(applicationName))
      client.on('error', () => undefined)
      try {
        await client.connect()
        return client
      } catch (error) {
        await client.end().catch(() => undefined)
        throw error
      }
    }
    try {
      return await this.retrying(once)
    } catch (error) {
      throw this.explain(error)
    }
  }

  async lock(id: string, opts: LockOptions): Promise<IncidentLock> {
    checkIncidentId(id)
    await this.withClient(async () => undefined) // schema ready (candor_locks exists)
    const owner: LockOwner = {
      pid: process.pid,
      host: os.hostname(),
      since: new Date().toISOString(),
      command: opts.command,
      by: opts.by,
    }
    const key = incidentKey(id)
    const deadline = Date.now() + opts.timeoutMs
    const connect = () => this.connectDedicated(`candor lock ${id}`.slice(0, 63))
    let client = await connect()
    // A connection lost while asking: ask again on a fresh one.
    const reconnect = async () => {
      await client.end().catch(() => undefined)
      client = await connect()
    }
    const tryLock = async () =>
      (await client.query<{ok: boolean}>('select pg_try_advisory_lock($1, $2) as ok', [LOCK_CLASS.command, key]))
        .rows[0].ok
    let announced = false
    try {
      for (;;) {
        let got: boolean
        try {
          got = await this.retrying(tryLock, reconnect)
        } catch (error) {
          throw this.explain(error)
        }
        if (got) break
        if (Date.now() >= deadline) {
          const holder = await this.lockHolder(id).catch(() => undefined)
          throw new CandorError(`incident ${id} is busy: ${describeOwner(holder)}`, {
            code: 'incident_locked',
            suggestions: [
              'Wait for that command to finish, or raise --lock-timeout',
              'The lock ends by itself when that command exits or loses its database connection',
            ],
          })
        }
        if (!announced) {
          announced = true
          opts.onWait?.(await this.lockHolder(id).catch(() => undefined))
        }
        await sleep(opts.pollMs ?? 250)
      }
    } catch (error) {
      await client.end().catch(() => undefined)
      throw error
    }
    const lock = new PgIncidentLock(connect, id, key, owner, client)
    await lock.recordOwner()
    return lock
  }

  /** Who holds an incident's lock now, if anyone says. */
  async lockHolder(id: string): Promise<LockOwner | undefined> {
    const key = incidentKey(id)
    const rows = await this.withClient(
      async (c) =>
        (
          await c.query<{owner: LockOwner}>(
            `select o.owner from candor_locks o
              where o.incident = $1 and exists (
                select 1 from pg_locks l
                 where l.pid = o.backend_pid and l.locktype = 'advisory' and l.granted
                   and l.classid = $2::oid and l.objid = $3::oid and l.objsubid = 2)`,
            [id, String(LOCK_CLASS.command), String(key >>> 0)],
          )
        ).rows,
    )
    return rows[0]?.owner
  }

  /** Closes the pool (commands need not: idle connections let the process exit). */
  async close(): Promise<void> {
    const pool = this.pool
    this.pool = undefined
    await pool?.end()
  }
}

function notFound(id: string): CandorError {
  return new CandorError(`no incident "${id}"`, {
    code: 'incident_not_found',
    suggestions: ['List incidents with `candor incident list --all`'],
  })
}

function alreadyPublished(id: string, events: NewEvent[]): CandorError {
  const r = events.find((e) => e.type === 'delivery_result') as Extract<NewEvent, {type: 'delivery_result'}> | undefined
  const what = r ? `update ${r.update} on ${r.channel}, part ${r.part},` : 'this delivery'
  return new CandorError(
    `${what} was already published from another Candor: the post just made is a second copy and was not recorded`,
    {
      code: 'already_published',
      suggestions: [
        `Delete the extra post on ${r?.channel ?? 'the channel'} by hand; \`candor status --incident ${id}\` shows the one on record`,
      ],
    },
  )
}

import {createHash, randomUUID} from 'node:crypto'
import os from 'node:os'
import type {Client} from 'pg'
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
import {PgSession} from './pg-session.js'
import {isTransientPgError, retryTransient, sleep} from './pg-retry.js'
import {PgIncidentLock} from './postgres-lock.js'
import {LOCK_CLASS, migrate, SCHEMA_VERSION, type MigrationResult} from './schema.js'
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

/** Incidents per round trip of `prefetchAll`. */
const PREFETCH_PAGE = 1000

/**
 * One page of `prefetchAll`: the next $3 incidents in `list` order (opened, then id) after
 * ($1, $2), every event of each. The opening time goes out as text: a JavaScript Date
 * would cut its microseconds and the next page would start in the wrong place.
 */
const PREFETCH_PAGE_SQL = `with page as (
    select incident, at from candor_events
     where type = 'opened' and ($1::timestamptz is null or (at, incident) > ($1::timestamptz, $2::text))
     order by at, incident limit $3
  )
  select e.incident, p.at::text as opened_at, e.body
    from candor_events e join page p on p.incident = e.incident
   order by p.at, p.incident, e.seq`

interface AppendRequest {
  events: NewEvent[]
  /** The events without seq and at (what the journal keeps, seq and at added). */
  bodies: Array<Omit<NewEvent, 'seq' | 'at'>>
  at: string
  /** One id per event, chosen once: a retry of the batch finds them and records nothing twice. */
  ids: string[]
  resolve(events: JournalEvent[]): void
  reject(error: unknown): void
}

/** How long a journal fetched ahead stays good for the reads that follow. */
const PREFETCH_FRESH_MS = 1000
/**
 * How long a journal fetched ahead waits for its first read: a command reading every
 * incident (10,000 of them) folds each before it reads the next, and must not fall back to
 * one round trip per incident because the first ones took a while.
 */
const PREFETCH_FIRST_READ_MS = 60_000

interface EventRow {
  body: JournalEvent
}

/**
 * A batch in one statement ($1 incident, $2 the batch's event ids, $3 the events as JSON:
 * position, type, time, the body's text before and after its seq, event id).
 * Run under the incident's append lock; `last` null means no such incident.
 */
const APPEND_BATCH = `with earlier as (
    select seq, body from candor_events where incident = $1 and event_id = any($2::uuid[])
  ), last as (
    select max(seq) as m from candor_events where incident = $1
  ), ins as (
    insert into candor_events (incident, seq, at, type, body, event_id)
    select $1, l.m + b.i, b.at::timestamptz, b.type, (b.head || (l.m + b.i)::text || b.tail)::json, b.event_id
      from json_to_recordset($3::json) as b(i int, type text, at text, head text, tail text, event_id uuid), last l
     where l.m is not null and not exists (select 1 from earlier)
    returning seq
  )
  select (select json_agg(body order by seq) from earlier) as earlier,
         (select m from last) as last,
         (select count(*) from ins)::int as inserted`

/**
 * Incident journals in a shared PostgreSQL database (team mode), with the file
 * journal's semantics: one append-only row per event, numbered per incident, the
 * event's JSON kept exactly as written. Appends are serialised per incident by a
 * transaction-scoped advisory lock; commands are serialised by a session-level one
 * (`lock`), released when the command ends or its connection dies.
 */
export class PgIncidentStore implements IncidentStore {
  readonly location: string
  private session?: PgSession
  private schemaChecked = false
  private readonly opts: Required<PgStoreOptions>
  /** Journals of the incidents this store holds the command lock on: nobody else changes them meanwhile. */
  private readonly locked = new Map<string, JournalEvent[] | undefined>()
  /**
   * Journals fetched ahead of the reads that follow (by `exists`, `prefetchAll`, `create`),
   * served to the first read within PREFETCH_FIRST_READ_MS, and to any within
   * PREFETCH_FRESH_MS: as fresh as a read a moment ago, which a command that reads
   * twice in a row could have got anyway. Our own appends drop them.
   */
  private readonly prefetched = new Map<string, {events: JournalEvent[]; at: number; read?: boolean}>()

  /** Appends waiting to be written together, per incident (see flushAppends). */
  private readonly appendQueues = new Map<string, AppendRequest[]>()

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
    // pipeline: queries sent without waiting for each other share one round trip.
    return {
      connectionString: this.url,
      application_name: applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: this.opts.connectTimeoutMs,
      query_timeout: 30_000,
      pipeline: true,
    }
  }

  /** The command's one connection (opened on first use), shared by its work and its lock. */
  private getSession(): PgSession {
    if (!this.session) {
      this.session = new PgSession(() => this.connectDedicated('candor'))
      // What we cached under the lock may have changed while we were away.
      this.session.onLost(() => {
        for (const id of this.locked.keys()) this.locked.set(id, undefined)
      })
    }
    return this.session
  }

  /** Runs `op`, again after a lost or refused connection: the one retry policy of the store. */
  private retrying<T>(op: () => Promise<T>, onTransient?: () => unknown): Promise<T> {
    return retryTransient(op, {retries: this.opts.retries, delayMs: this.opts.retryDelayMs, onTransient})
  }

  /**
   * Runs `fn` on the session's connection, again on a fresh one after a lost connection.
   * The first call also checks the schema version, in the same round trip as `fn`'s
   * queries when `fn` only reads (a write waits for the answer: never into a newer schema).
   */
  private async withClient<T>(
    fn: (client: Client) => Promise<T>,
    opts: {migrate?: boolean; write?: boolean; session?: PgSession} = {},
  ): Promise<T> {
    const session = opts.session ?? this.getSession()
    const once = () =>
      session.use(async (client) => {
        if (opts.migrate === false || !this.opts.autoMigrate || this.schemaChecked) return fn(client)
        const version = client
          .query<{version: number | null}>('select max(version) as version from candor_schema')
          .then(
            (r) => r.rows[0]?.version ?? 0,
            (error) => {
              if ((error as {code?: string}).code === '42P01') return 0 // undefined table: never migrated
              throw error
            },
          )
        if (opts.write) {
          await this.settleSchema(client, await version)
          return fn(client)
        }
        const [v, result] = await Promise.allSettled([version, fn(client)])
        if (v.status === 'rejected') throw v.reason
        const migrated = await this.settleSchema(client, v.value)
        if (result.status === 'fulfilled') return result.value
        if (migrated) return fn(client)
        throw result.reason
      })
    try {
      return await this.retrying(once)
    } catch (error) {
      throw this.explain(error)
    }
  }

  /** Migrates when the schema is behind (or fails when it is ahead); true when it migrated. */
  private async settleSchema(client: Client, version: number): Promise<boolean> {
    if (version === SCHEMA_VERSION) {
      this.schemaChecked = true
      return false
    }
    const result = await migrate(client)
    this.schemaChecked = true
    return result.applied.length > 0
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

  /**
   * Every incident (as `list`), with the journals fetched with them, PREFETCH_PAGE incidents
   * to a round trip: the reads that follow are served from them (a command reading every
   * incident pays one round trip per thousand incidents, not one per incident). Pages keep
   * each answer to a few megabytes, well inside the query timeout on a slow link.
   */
  async prefetchAll(): Promise<string[]> {
    const journals = new Map<string, JournalEvent[]>()
    let after: {at: string; incident: string} | undefined
    for (;;) {
      const rows = await this.withClient(
        async (c) =>
          (
            await c.query<{incident: string; opened_at: string; body: JournalEvent}>(PREFETCH_PAGE_SQL, [
              after?.at ?? null,
              after?.incident ?? '',
              PREFETCH_PAGE,
            ])
          ).rows,
      )
      let incidents = 0
      for (const r of rows) {
        const events = journals.get(r.incident)
        if (events) events.push(r.body)
        else {
          journals.set(r.incident, [r.body])
          incidents++
        }
      }
      const last = rows.at(-1)
      if (!last || incidents < PREFETCH_PAGE) break
      after = {at: last.opened_at, incident: last.incident}
    }
    const at = Date.now()
    for (const [id, events] of journals) this.prefetched.set(id, {events, at})
    return [...journals.keys()]
  }

  /** Fetches the journal too (the read that usually follows is then served from it). */
  async exists(id: string): Promise<boolean> {
    checkIncidentId(id)
    const events = await this.fetchJournal(id)
    if (events.length > 0) this.prefetched.set(id, {events, at: Date.now()})
    return events.length > 0
  }

  private fetchJournal(id: string): Promise<JournalEvent[]> {
    return this.withClient(async (c) =>
      (await c.query<EventRow>('select body from candor_events where incident = $1 order by seq', [id])).rows.map(
        (r) => r.body,
      ),
    )
  }

  async read(id: string): Promise<JournalRead> {
    checkIncidentId(id)
    let events = this.locked.get(id)
    if (!events) {
      const ahead = this.prefetched.get(id)
      const age = ahead ? Date.now() - ahead.at : Number.POSITIVE_INFINITY
      if (ahead && (age < PREFETCH_FRESH_MS || (!ahead.read && age < PREFETCH_FIRST_READ_MS))) {
        ahead.read = true
        events = ahead.events
      } else this.prefetched.delete(id)
    }
    if (!events) {
      events = await this.fetchJournal(id)
      if (this.locked.has(id) && events.length > 0) this.locked.set(id, events)
    }
    if (events.length === 0) throw notFound(id)
    return {events, warnings: []}
  }

  async create(id: string, first: NewEvent, now = new Date()): Promise<JournalEvent> {
    checkIncidentId(id)
    const eventId = randomUUID()
    const event = {...first, seq: 1, at: now.toISOString()} as JournalEvent
    const created = await this.withClient(
      async (c) => {
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
      },
      {write: true},
    )
    // The journal is just this event: the read that follows (the opened incident) needs no query.
    this.prefetched.set(id, {events: [created], at: Date.now()})
    return created
  }

  async append(id: string, event: NewEvent, now = new Date()): Promise<JournalEvent> {
    return (await this.appendMany(id, [event], now))[0]
  }

  /**
   * Appends events in one transaction: all are recorded or none. Each carries an id
   * chosen here, so a retry after a lost connection never records one twice.
   *
   * One round trip: begin, the incident's append lock, one INSERT ... SELECT of the whole
   * batch and commit go out together (a pipelined connection). The statement numbers the
   * events after the journal's last one, writing each event's JSON as the text
   * JSON.stringify gives, with `seq` and `at` last; it inserts nothing when any of the ids
   * is there already (an earlier try of this batch committed) and returns those instead.
   */
  appendMany(id: string, events: NewEvent[], now = new Date()): Promise<JournalEvent[]> {
    checkIncidentId(id)
    if (events.length === 0) return Promise.resolve([])
    const at = now.toISOString()
    const bodies = events.map((e) => {
      const {seq: _seq, at: _at, ...rest} = e as NewEvent & {seq?: unknown; at?: unknown}
      return rest
    })
    return new Promise((resolve, reject) => {
      let queue = this.appendQueues.get(id)
      if (!queue) {
        queue = []
        this.appendQueues.set(id, queue)
        setImmediate(() => void this.flushAppends(id))
      }
      queue.push({events, bodies, at, ids: events.map(() => randomUUID()), resolve, reject})
    })
  }

  /**
   * Writes the appends queued for an incident as one batch (group commit): the channels of
   * a publish record their attempts (and results) at about the same time, and pay one round
   * trip together. A batch that fails for one of them (a second published result) is
   * written again one append at a time, so only that one fails.
   */
  private async flushAppends(id: string): Promise<void> {
    let taken: AppendRequest[] | undefined
    // Taken when the batch gets the connection (whatever queued meanwhile joins), kept for retries.
    const take = () => {
      if (!taken) {
        taken = this.appendQueues.get(id) ?? []
        this.appendQueues.delete(id)
      }
      return taken
    }
    try {
      await this.writeBatch(id, take)
    } catch (error) {
      const requests = take()
      if (requests.length > 1 && error instanceof CandorError && error.code === 'already_published') {
        for (const r of requests) await this.writeBatch(id, () => [r]).catch(r.reject)
      } else {
        for (const r of requests) r.reject(error)
      }
    }
  }

  private async writeBatch(id: string, take: () => AppendRequest[]): Promise<void> {
    let requests: AppendRequest[] = []
    const answer = await this.withClient(
      async (c) => {
        requests = take()
        const batch = requests.flatMap((r) => r.bodies.map((rest, i) => ({rest, at: r.at, event_id: r.ids[i]})))
        const rows = batch.map(({rest, at, event_id}, i) => {
          const json = JSON.stringify(rest)
          return {
            i: i + 1,
            type: rest.type,
            at,
            head: `${json.slice(0, -1)}${json.length > 2 ? ',' : ''}"seq":`,
            tail: `,"at":${JSON.stringify(at)}}`,
            event_id,
          }
        })
        const sent = [
          c.query('begin'),
          c.query('select pg_advisory_xact_lock($1, $2)', [LOCK_CLASS.append, incidentKey(id)]),
          c.query<{earlier: JournalEvent[] | null; last: number | null; inserted: number}>(APPEND_BATCH, [
            id,
            rows.map((r) => r.event_id),
            JSON.stringify(rows),
          ]),
          c.query('commit'),
        ]
        const settled = await Promise.allSettled(sent)
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
        if (failed) {
          const e = failed.reason as {code?: string; constraint?: string}
          if (e.code === '23505' && e.constraint === 'candor_events_published_once')
            throw alreadyPublished(
              id,
              requests.flatMap((r) => r.events),
            )
          throw failed.reason
        }
        return (settled[2] as PromiseFulfilledResult<Awaited<(typeof sent)[2]>>).value.rows[0]
      },
      {write: true},
    )
    this.prefetched.delete(id)
    if (answer.earlier) {
      // A try whose answer was lost committed the batch: those rows are the record, in order.
      if (this.locked.has(id)) this.locked.set(id, undefined)
      let from = 0
      for (const r of requests) {
        r.resolve(answer.earlier.slice(from, from + r.events.length))
        from += r.events.length
      }
      return
    }
    if (answer.last === null) {
      for (const r of requests) r.reject(notFound(id))
      return
    }
    let seq = answer.last
    const all: JournalEvent[] = []
    for (const r of requests) {
      const out = r.bodies.map((rest) => ({...rest, seq: ++seq, at: r.at}) as JournalEvent)
      all.push(...out)
      r.resolve(out)
    }
    const cached = this.locked.get(id)
    if (this.locked.has(id))
      this.locked.set(id, cached && cached.at(-1)?.seq === answer.last ? [...cached, ...all] : undefined)
  }

  /**
   * Writes events exactly as they are (their own seq and time), after the first
   * `after` already there: for `candor store copy`. Fails if the journal moved on.
   */
  async importEvents(id: string, events: JournalEvent[], after: number): Promise<void> {
    checkIncidentId(id)
    await this.withClient(
      async (c) => {
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
      },
      {write: true},
    )
  }

  /** Opens a dedicated connection (not the session's), retrying a refused one. */
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

  /**
   * Takes the incident's command lock on the session's connection (a second lock held at
   * once gets a connection of its own). Each try is one round trip: the try, the journal
   * (kept while the lock is held: the command's reads need no query) and who holds it.
   */
  async lock(id: string, opts: LockOptions): Promise<IncidentLock> {
    checkIncidentId(id)
    const owner: LockOwner = {
      pid: process.pid,
      host: os.hostname(),
      since: new Date().toISOString(),
      command: opts.command,
      by: opts.by,
    }
    const key = incidentKey(id)
    const deadline = Date.now() + opts.timeoutMs
    const shared = this.locked.size === 0
    const session = shared
      ? this.getSession()
      : new PgSession(() => this.connectDedicated(`candor lock ${id}`.slice(0, 63)))
    const held = `exists (select 1 from pg_locks where locktype = 'advisory' and granted and pid = pg_backend_pid()
                   and classid = $2::oid and objid = $3::oid and objsubid = 2)`
    const heldArgs = [id, String(LOCK_CLASS.command), String(key >>> 0)]
    const tryLock = () =>
      this.withClient(
        async (c) => {
          const sent = [
            c.query<{ok: boolean}>('select pg_try_advisory_lock($1, $2) as ok', [LOCK_CLASS.command, key]),
            c.query<EventRow>(`select body from candor_events where incident = $1 and ${held} order by seq`, heldArgs),
            c
              .query(
                `insert into candor_locks (incident, backend_pid, owner, since)
                 select $1, pg_backend_pid(), $4, now() where ${held}
                 on conflict (incident) do update
                   set backend_pid = excluded.backend_pid, owner = excluded.owner, since = excluded.since`,
                [...heldArgs, JSON.stringify(owner)],
              )
              .catch(() => undefined), // best effort: needs write access to candor_locks
          ] as const
          const [got, journal] = await Promise.all(sent)
          return {ok: got.rows[0].ok, events: journal.rows.map((r) => r.body)}
        },
        {write: true, session},
      )
    let announced = false
    let events: JournalEvent[]
    try {
      for (;;) {
        const attempt = await tryLock()
        if (attempt.ok) {
          events = attempt.events
          break
        }
        // Said before the deadline is looked at: a slow first try must not skip the "waiting for".
        if (!announced && opts.timeoutMs > 0) {
          announced = true
          opts.onWait?.(await this.lockHolder(id).catch(() => undefined))
        }
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
        await sleep(opts.pollMs ?? 250)
      }
    } catch (error) {
      if (!shared) await session.close()
      throw error
    }
    if (shared) this.locked.set(id, events.length > 0 ? events : undefined)
    return new PgIncidentLock(session, id, key, owner, async () => {
      if (shared) this.locked.delete(id)
      else await session.close()
    })
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

  /** Closes the connection (commands need not: an idle one lets the process exit). */
  async close(): Promise<void> {
    const session = this.session
    this.session = undefined
    await session?.close()
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

import type {ClientBase} from 'pg'
import {CandorError} from '../../domain/errors.js'

/**
 * The PostgreSQL schema, as an ordered list of migrations. A database records the
 * version it is at in `candor_schema`; Candor brings it up to date on first use (or
 * with `candor store migrate`), one transaction per run, under a transaction-scoped
 * advisory lock so two machines starting at once never migrate twice.
 *
 * The journal table is append-only by design: Candor only ever INSERTs into it and
 * SELECTs from it, so a role without UPDATE and DELETE can run everything.
 */
export interface Migration {
  version: number
  description: string
  sql: string[]
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'incident journals: one row per event',
    sql: [
      `create table if not exists candor_schema (version integer not null)`,
      `create table candor_events (
        incident text not null,
        seq integer not null check (seq > 0),
        at timestamptz not null,
        type text not null,
        body json not null,
        primary key (incident, seq)
      )`,
      // One "opened" per incident: two people opening the same id cannot both succeed.
      `create unique index candor_events_one_opening on candor_events (incident) where type = 'opened'`,
    ],
  },
  {
    version: 2,
    description: 'exactly-once records: idempotent appends, one published result per part, lock holders',
    sql: [
      // A client-chosen id per append, so a write retried after a lost connection
      // (committed or not, we can't tell) is recorded once.
      `alter table candor_events add column event_id uuid`,
      `create unique index candor_events_event_id on candor_events (incident, event_id)`,
      // The last line of defence: a second "published" result for the same part of the
      // same update on the same channel is impossible, whoever writes it.
      `create unique index candor_events_published_once on candor_events
        (incident, (body->>'update'), (body->>'channel'), (body->>'part'))
        where type = 'delivery_result' and body->>'status' = 'published'`,
      // Who holds an incident's (session advisory) lock, to say so to whoever waits.
      `create table candor_locks (
        incident text primary key,
        backend_pid integer not null,
        owner json not null,
        since timestamptz not null
      )`,
    ],
  },
]

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

/** Advisory lock keys (two int4 keys: a class, then a per-incident hash). */
export const LOCK_CLASS = {
  migrate: 0x43_41_4e_00,
  /** Held for a whole command (publish, retry, ...): session-level. */
  command: 0x43_41_4e_01,
  /** Held while one append assigns its sequence number: transaction-level. */
  append: 0x43_41_4e_02,
} as const

export interface MigrationResult {
  from: number
  to: number
  applied: Array<{version: number; description: string}>
}

/** The version the database is at; 0 when Candor has never run there. */
export async function schemaVersion(client: ClientBase): Promise<number> {
  const exists = await client.query<{t: string | null}>(`select to_regclass('candor_schema')::text as t`)
  if (!exists.rows[0].t) return 0
  const v = await client.query<{version: number}>('select max(version) as version from candor_schema')
  return v.rows[0]?.version ?? 0
}

/**
 * Brings the schema up to `target` (default: the newest). Reads only, and takes no
 * lock, when it is already there, so a role without CREATE works once an owner has
 * migrated.
 */
export async function migrate(client: ClientBase, target = SCHEMA_VERSION): Promise<MigrationResult> {
  const before = await schemaVersion(client)
  if (before > SCHEMA_VERSION) throw newerSchema(before)
  if (before >= target) return {from: before, to: before, applied: []}
  await client.query('begin')
  try {
    await client.query('select pg_advisory_xact_lock($1, 0)', [LOCK_CLASS.migrate])
    const from = await schemaVersion(client)
    if (from > SCHEMA_VERSION) throw newerSchema(from)
    const applied: MigrationResult['applied'] = []
    for (const m of MIGRATIONS) {
      if (m.version <= from || m.version > target) continue
      for (const sql of m.sql) await client.query(sql)
      applied.push({version: m.version, description: m.description})
    }
    const to = Math.max(from, ...applied.map((a) => a.version))
    await client.query('delete from candor_schema')
    await client.query('insert into candor_schema (version) values ($1)', [to])
    await client.query('commit')
    return {from, to, applied}
  } catch (error) {
    await client.query('rollback').catch(() => undefined)
    const e = error as {code?: string; message?: string}
    // 42501: no CREATE on the schema; 3F000: no schema on the search path it may use.
    if (e.code === '42501' || e.code === '3F000') {
      throw new CandorError(`the store's schema needs migrating, and this role may not: ${e.message}`, {
        code: 'store_permission',
        suggestions: [
          'Run `candor store migrate --store URL` once as the role that owns the schema (see "Team mode" in the README)',
        ],
      })
    }
    if (e.code === '23505') {
      throw new CandorError(`the store cannot be migrated: ${e.message}`, {
        code: 'store_migration_failed',
        suggestions: [
          'Two published results for the same part were recorded by an older Candor; remove the duplicate row by hand, then migrate again',
        ],
      })
    }
    throw error
  }
}

function newerSchema(version: number): CandorError {
  return new CandorError(
    `the store is at schema version ${version}, newer than this Candor knows (${SCHEMA_VERSION})`,
    {
      code: 'store_too_new',
      suggestions: ['Upgrade Candor on this machine to the version the rest of the team uses'],
    },
  )
}

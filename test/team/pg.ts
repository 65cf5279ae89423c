/**
 * Helpers for tests against the throw-away PostgreSQL of test/helpers/pg-global-setup.ts:
 * a fresh database per test, admin queries, and two engineers' worlds sharing one store.
 */
import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import type {NewEvent} from '../../src/services/incident/events.js'
import {describe} from 'vitest'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {runCli, tempDir, type RunCliOptions} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

export const PG_URL = process.env.CANDOR_TEST_PG_URL
export const PG_SKIP = process.env.CANDOR_TEST_PG_SKIP ?? 'CANDOR_TEST_PG_URL is not set'

/**
 * `describe` when there is a PostgreSQL to test against; skipped, saying why, when not.
 * Each test runs several CLI processes: they get more time than the default.
 */
export function describePg(name: string, fn: () => void): void {
  if (PG_URL) describe(name, {timeout: 240_000}, fn)
  else describe.skip(`${name} (skipped: ${PG_SKIP})`, fn)
}

/** The password of the test cluster's URL (what must never be printed). */
export function pgPassword(url = PG_URL!): string {
  return decodeURIComponent(new URL(url).password)
}

/** The URL of another database on the same server, or as another user. */
export function withDatabase(url: string, db: string, user?: {name: string; password: string}): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  if (user) {
    u.username = user.name
    u.password = user.password
  }
  return u.toString()
}

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

/** A new, empty database: its URL. */
export async function freshDatabase(): Promise<string> {
  const name = `candor_t_${randomBytes(5).toString('hex')}`
  await adminQuery(PG_URL!, `create database ${name}`)
  return withDatabase(PG_URL!, name)
}

/** Ends every other connection to the database (a network cut, as the server sees it). */
export async function killConnections(url: string): Promise<number> {
  const db = new URL(url).pathname.slice(1)
  const rows = await adminQuery<{pid: number}>(
    withDatabase(url, 'postgres'),
    'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [db],
  )
  await adminQuery(
    withDatabase(url, 'postgres'),
    'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [db],
  )
  return rows.length
}

export interface Engineer {
  name: string
  /** Their own working folder and (empty) local state directory. */
  dir: string
  cli(
    args: string[],
    extraEnv?: Record<string, string | undefined>,
    opts?: Pick<RunCliOptions, 'onStderr'>,
  ): ReturnType<typeof runCli>
}

export interface TeamWorld {
  url: string
  fake: FakeX
  playbook: string
  engineer(name: string): Engineer
  close(): Promise<void>
}

/**
 * One shared PostgreSQL store and one fake X account; each engineer works from their
 * own folder with their own empty state directory and passes `--store URL`.
 */
export async function teamWorld(opts: {playbook?: (text: string) => string; url?: string} = {}): Promise<TeamWorld> {
  const url = opts.url ?? (await freshDatabase())
  const fake = await startFakeX({credentials: X_CREDENTIALS})
  const shared = tempDir('candor-team-')
  const playbook = writeXPlaybook(shared, {x: fake})
  if (opts.playbook) {
    const {writeFileSync} = await import('node:fs')
    writeFileSync(playbook, opts.playbook(readFileSync(playbook, 'utf8')))
  }
  return {
    url,
    fake,
    playbook,
    engineer(name) {
      const dir = tempDir(`candor-${name.toLowerCase().replace(/\W+/g, '-')}-`)
      mkdirSync(path.join(dir, 'state'), {recursive: true})
      const env = {...xEnv(), CANDOR_STATE_DIR: path.join(dir, 'state'), CANDOR_USER: name, CANDOR_STORE: undefined}
      return {
        name,
        dir,
        cli: (args, extraEnv = {}, opts = {}) =>
          runCli([...args, '--store', url], {...opts, cwd: dir, env: {...env, ...extraEnv}}),
      }
    },
    close: () => fake.close(),
  }
}

/** The `opened` event of incident `id`, as the store tests append it by hand. */
export const openedEvent = (id: string): NewEvent => ({
  type: 'opened',
  by: 'alice',
  incident: id,
  playbook: {name: 'incident', file: 'incident.yaml'},
  started_at: '2026-11-25T03:00:00.000Z',
  facts: {service: 'S'},
})

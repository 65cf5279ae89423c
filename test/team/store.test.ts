import {spawn} from 'node:child_process'
import path from 'node:path'
import {afterEach, expect, it} from 'vitest'
import type {NewEvent} from '../../src/services/incident/events.js'
import pg from 'pg'
import {incidentKey, PgIncidentStore} from '../../src/infrastructure/store/postgres.js'
import {LOCK_CLASS, SCHEMA_VERSION} from '../../src/infrastructure/store/schema.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'
import {
  openedEvent as opened,
  adminQuery,
  describePg,
  freshDatabase,
  killConnections,
  pgPassword,
  withDatabase,
} from './pg.js'

const stores: PgIncidentStore[] = []
const open = (url: string, opts = {}) => {
  const s = new PgIncidentStore(url, {retryDelayMs: 50, ...opts})
  stores.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()))
})

const published = (update: number, part = 1): NewEvent => ({
  type: 'delivery_result',
  by: 'alice',
  update,
  channel: 'x',
  part,
  status: 'published',
  remote: {id: String(1000 + update)},
})

describePg('the PostgreSQL store', () => {
  it('migrates an empty database, once, and says so', async () => {
    const url = await freshDatabase()
    const first = await runCli(['store', 'migrate', '--store', url, '--json'])
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({
      kind: 'postgres',
      from: 0,
      to: SCHEMA_VERSION,
      applied: [{version: 1}, {version: 2}],
    })
    expect(first.stdout + first.stderr).not.toContain(pgPassword())
    expect(JSON.parse(first.stdout).store).toContain(':••••@')
    const again = await runCli(['store', 'migrate', '--store', url, '--json'])
    expect(JSON.parse(again.stdout)).toMatchObject({from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: []})
    const tables = await adminQuery<{t: string}>(
      url,
      `select tablename as t from pg_tables where tablename like 'candor_%' order by 1`,
    )
    expect(tables.map((r) => r.t)).toEqual(['candor_events', 'candor_locks', 'candor_schema'])
  })

  it('migrates a database at the previous schema version, keeping its journals', async () => {
    const url = await freshDatabase()
    const v1 = open(url, {autoMigrate: false})
    expect(await v1.migrate(1)).toMatchObject({from: 0, to: 1})
    // Rows as a version-1 Candor wrote them (no event ids).
    const event = {
      type: 'opened',
      by: 'alice',
      incident: 'old-1',
      playbook: {name: 'incident', file: 'incident.yaml'},
      started_at: '2026-11-25T03:00:00.000Z',
      facts: {service: 'S'},
      seq: 1,
      at: '2026-11-25T03:00:00.000Z',
    }
    await adminQuery(url, 'insert into candor_events (incident, seq, at, type, body) values ($1, 1, $2, $3, $4)', [
      'old-1',
      event.at,
      'opened',
      JSON.stringify(event),
    ])
    expect((await adminQuery<{version: number}>(url, 'select version from candor_schema'))[0].version).toBe(1)

    const r = await runCli(['store', 'migrate', '--store', url, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({from: 1, to: 2, applied: [{version: 2}]})
    const store = open(url)
    expect(await store.list()).toEqual(['old-1'])
    expect((await store.read('old-1')).events).toEqual([event])
    await store.append('old-1', published(1))
    await expect(store.append('old-1', published(1))).rejects.toMatchObject({code: 'already_published'})
  })

  it('refuses a schema newer than it knows', async () => {
    const url = await freshDatabase()
    await open(url).migrate()
    await adminQuery(url, 'update candor_schema set version = 99')
    await expect(open(url).list()).rejects.toMatchObject({code: 'store_too_new'})
  })

  it('numbers concurrent appends from many machines without gaps or collisions', async () => {
    const url = await freshDatabase()
    await open(url).create('inc', opened('inc'))
    const machines = Array.from({length: 6}, () => open(url))
    await Promise.all(
      machines.flatMap((m, i) =>
        Array.from({length: 5}, (_, j) => m.append('inc', {type: 'note', by: `m${i}`, text: `note ${i}.${j}`})),
      ),
    )
    const {events} = await open(url).read('inc')
    expect(events.map((e) => e.seq)).toEqual(Array.from({length: 31}, (_, i) => i + 1))
    expect(new Set(events.map((e) => (e.type === 'note' ? e.text : e.type))).size).toBe(31)
  })

  it('makes a second published result for the same part impossible, and a second opening', async () => {
    const url = await freshDatabase()
    const a = open(url)
    const b = open(url)
    await a.create('inc', opened('inc'))
    await expect(b.create('inc', opened('inc'))).rejects.toMatchObject({code: 'incident_exists'})
    const results = await Promise.allSettled([a.append('inc', published(1)), b.append('inc', published(1))])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(rejected.reason).toMatchObject({
      code: 'already_published',
      message: expect.stringContaining('update 1 on x, part 1, was already published from another Candor'),
    })
    // A failed result, or another part, is fine.
    await a.append('inc', {
      type: 'delivery_result',
      by: 'alice',
      update: 1,
      channel: 'x',
      part: 1,
      status: 'failed',
      error: 'boom',
    })
    await a.append('inc', published(1, 2))
    expect((await a.read('inc')).events.filter((e) => e.type === 'delivery_result')).toHaveLength(3)
  })

  it('keeps the JSON of each event exactly as written', async () => {
    const url = await freshDatabase()
    const s = open(url)
    const first = await s.create('inc', {
      ...opened('inc'),
      facts: {zeta: 1, alpha: 'ü ✓ "quoted"', list: ['b', 'a']},
    } as NewEvent)
    const second = await s.append(
      'inc',
      {type: 'note', by: 'bob', text: 'line\nbreak'},
      new Date('2026-11-25T03:04:05.678Z'),
    )
    const {events} = await open(url).read('inc')
    expect(events.map((e) => JSON.stringify(e))).toEqual([JSON.stringify(first), JSON.stringify(second)])
    expect(second.at).toBe('2026-11-25T03:04:05.678Z')
  })

  it('serialises commands across machines, names who holds the lock, and takes it back after a cut connection', async () => {
    const url = await freshDatabase()
    const a = open(url)
    const b = open(url)
    await a.create('inc', opened('inc'))
    const held = await a.lock('inc', {timeoutMs: 0, command: 'publish --phase identified', by: 'Sam'})
    let waitedFor: unknown
    await expect(
      b.lock('inc', {timeoutMs: 400, pollMs: 50, command: 'publish', by: 'Dana', onWait: (o) => (waitedFor = o)}),
    ).rejects.toMatchObject({
      code: 'incident_locked',
      message: expect.stringContaining('Sam is running `candor publish --phase identified`'),
    })
    expect(waitedFor).toMatchObject({by: 'Sam', command: 'publish --phase identified', pid: process.pid})
    // Appends (transaction-scoped locks) are not blocked by the command lock.
    await b.append('inc', {type: 'note', by: 'Dana', text: 'still writable'})
    await held.release()
    const second = (await b.lock('inc', {timeoutMs: 2000, pollMs: 50, command: 'retry', by: 'Dana'})) as Awaited<
      ReturnType<PgIncidentStore['lock']>
    > & {ensureHeld(): Promise<void>}
    // Its connection is cut, but the process lives: it takes the lock again, unopposed.
    await killConnections(url)
    await second.ensureHeld()
    await expect(a.lock('inc', {timeoutMs: 300, pollMs: 50, command: 'publish', by: 'Sam'})).rejects.toMatchObject({
      code: 'incident_locked',
    })
    await second.release()
  })

  it('frees the lock of a process that died holding it', async () => {
    const url = await freshDatabase()
    const a = open(url)
    await a.create('inc', opened('inc'))
    const script = `import {PgIncidentStore} from ${JSON.stringify(path.join(ROOT, 'dist/infrastructure/store/postgres.js'))}; const s = new PgIncidentStore(process.argv[1]); await s.lock('inc', {timeoutMs: 0, command: 'publish', by: 'Ghost'}); console.log('locked'); setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('locked') && resolve()))
    await expect(a.lock('inc', {timeoutMs: 200, pollMs: 50, command: 'publish', by: 'Sam'})).rejects.toMatchObject({
      message: expect.stringContaining('Ghost is running `candor publish`'),
    })
    child.kill('SIGKILL')
    const started = Date.now()
    const lock = await a.lock('inc', {timeoutMs: 10_000, pollMs: 50, command: 'publish', by: 'Sam'})
    expect(Date.now() - started).toBeLessThan(5000)
    await lock.release()
  })

  it('retries after a lost connection, recording each event once', async () => {
    const url = await freshDatabase()
    const s = open(url)
    await s.create('inc', opened('inc'))
    await killConnections(url)
    await s.append('inc', {type: 'note', by: 'a', text: 'after the cut'})
    expect((await s.read('inc')).events.map((e) => e.seq)).toEqual([1, 2])
  })

  it('records a batch cut off mid-transaction whole and once', async () => {
    const url = await freshDatabase()
    const s = open(url)
    await s.create('inc', opened('inc'))
    // Another writer holds the incident's append lock, so the batch waits inside its transaction.
    const blocker = new pg.Client({connectionString: url})
    await blocker.connect()
    await blocker.query('begin')
    await blocker.query('select pg_advisory_xact_lock($1, $2)', [LOCK_CLASS.append, incidentKey('inc')])
    const writing = s.appendMany(
      'inc',
      ['a', 'b', 'c'].map((text) => ({type: 'note', by: 'alice', text}) as NewEvent),
    )
    const db = new URL(url).pathname.slice(1)
    const waiting = await waitFor(
      async () => {
        const rows = await adminQuery<{pid: number}>(
          withDatabase(url, 'postgres'),
          `select pid from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'`,
          [db],
        )
        return rows.length > 0 ? rows : undefined
      },
      {what: 'the batch to wait for the append lock', intervalMs: 50},
    )
    await adminQuery(withDatabase(url, 'postgres'), 'select pg_terminate_backend($1)', [waiting[0].pid])
    await blocker.query('commit')
    await blocker.end()
    await writing
    const {events} = await open(url).read('inc')
    expect(events.map((e) => [e.seq, e.type === 'note' ? e.text : e.type])).toEqual([
      [1, 'opened'],
      [2, 'a'],
      [3, 'b'],
      [4, 'c'],
    ])
  })

  it('never shows the password when the login fails', async () => {
    const url = await freshDatabase()
    const wrong = withDatabase(url, new URL(url).pathname.slice(1), {
      name: new URL(url).username,
      password: 'not-the-password-9f8e',
    })
    const r = await runCli(['incident', 'list', '--json'], {env: {CANDOR_STORE: wrong}})
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.error).toMatchObject({code: 'store_auth', message: expect.stringContaining(':••••@127.0.0.1')})
    expect(r.stdout + r.stderr).not.toContain('not-the-password-9f8e')
  })
})

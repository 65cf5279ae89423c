/**
 * Vitest global setup: a throw-away PostgreSQL cluster for the team-mode tests.
 *
 * Runs `initdb` into a temp directory and `pg_ctl start` on a free 127.0.0.1 port (as the
 * `postgres` user when running as root: the server refuses root), with password
 * authentication over TCP, and exports its URL as CANDOR_TEST_PG_URL. Stops it and
 * removes the directory at the end, also when starting fails half-way.
 *
 * CANDOR_TEST_PG_URL set beforehand: that server is used and nothing is started.
 * CANDOR_TEST_PG=off (outside CI): nothing is started, for quick runs of other tests.
 * No PostgreSQL binaries: the tests that need it skip with the reason in
 * CANDOR_TEST_PG_SKIP, except in CI (CI=true or CANDOR_TEST_REQUIRE_PG=1), where
 * that is an error.
 */
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const SUPERUSER = 'candor_test'

function required(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1' || process.env.CANDOR_TEST_REQUIRE_PG === '1'
}

/** The directory holding initdb and pg_ctl: PATH first, then Debian's /usr/lib/postgresql/<newest>/bin. */
export function findPgBin(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir
  }
  const base = '/usr/lib/postgresql'
  if (!existsSync(base)) return undefined
  const versions = readdirSync(base)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const dir = path.join(base, v, 'bin')
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir
  }
  return undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

interface RunAs {
  uid?: number
  gid?: number
}

/** Root can't run PostgreSQL: run its programs as the `postgres` user Debian's package creates. */
function runAs(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {}
  const passwd = readFileSync('/etc/passwd', 'utf8')
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'))
  if (!line)
    throw new Error(
      'running as root, and there is no "postgres" user to run the test PostgreSQL as (install Debian\'s postgresql package, or run the tests as another user)',
    )
  const [, , uid, gid] = line.split(':')
  return {uid: Number(uid), gid: Number(gid)}
}

function run(bin: string, args: string[], as: RunAs, what: string): string {
  const r = spawnSync(bin, args, {
    encoding: 'utf8',
    uid: as.uid,
    gid: as.gid,
    cwd: os.tmpdir(),
    timeout: 120_000,
    env: {...process.env, LC_ALL: 'C', LANG: 'C'},
  })
  if (r.status !== 0)
    throw new Error(
      `${what} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`,
    )
  return r.stdout
}

export default async function setup(): Promise<(() => Promise<void>) | void> {
  // Tests choose their own stores: never a developer's shared one from the shell.
  delete process.env.CANDOR_STORE
  if (process.env.CANDOR_TEST_PG_URL) return
  if (process.env.CANDOR_TEST_PG === 'off' && !required()) {
    process.env.CANDOR_TEST_PG_SKIP = 'CANDOR_TEST_PG=off'
    return
  }
  const bin = findPgBin()
  if (!bin) {
    const reason =
      "no PostgreSQL binaries (initdb, pg_ctl) found on PATH or in /usr/lib/postgresql/*/bin; install Debian's postgresql package (.ci/run does)"
    if (required()) throw new Error(`team-mode tests must run in CI, but ${reason}`)
    process.env.CANDOR_TEST_PG_SKIP = reason
    return
  }

  const as = runAs()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'candor-pg-'))
  const data = path.join(dir, 'data')
  const password = randomBytes(12).toString('hex')
  const pwfile = path.join(dir, 'pw')
  writeFileSync(pwfile, password + '\n', {mode: 0o600})
  if (as.uid !== undefined) {
    chownSync(dir, as.uid, as.gid!)
    chownSync(pwfile, as.uid, as.gid!)
  }
  const pgCtl = path.join(bin, 'pg_ctl')
  let started = false
  const stop = () => {
    if (started) {
      started = false
      spawnSync(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'], {
        uid: as.uid,
        gid: as.gid,
        cwd: os.tmpdir(),
        stdio: 'ignore',
        timeout: 60_000,
      })
    }
    rmSync(dir, {recursive: true, force: true})
  }
  const onSignal = () => {
    stop()
    process.exit(130)
  }
  try {
    run(
      path.join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        SUPERUSER,
        `--pwfile=${pwfile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      as,
      'initdb',
    )
    let lastError: unknown
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      const port = await freePort()
      const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
      try {
        run(
          pgCtl,
          ['-D', data, '-l', path.join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'],
          as,
          'pg_ctl start',
        )
        started = true
        process.env.CANDOR_TEST_PG_URL = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`
      } catch (error) {
        lastError = error
        // Someone took the port between our check and the start: try another.
        spawnSync(pgCtl, ['-D', data, '-m', 'immediate', 'stop'], {
          uid: as.uid,
          gid: as.gid,
          cwd: os.tmpdir(),
          stdio: 'ignore',
        })
      }
    }
    if (!started) {
      const log = existsSync(path.join(dir, 'server.log'))
        ? readFileSync(path.join(dir, 'server.log'), 'utf8').slice(-2000)
        : ''
      throw new Error(`could not start the test PostgreSQL: ${(lastError as Error)?.message}\n${log}`)
    }
    // Ready means accepting authenticated queries, not just a pid file.
    await waitReady(process.env.CANDOR_TEST_PG_URL!)
    watchdog(process.pid, data, dir)
  } catch (error) {
    stop()
    if (required()) throw error
    process.env.CANDOR_TEST_PG_SKIP = `the test PostgreSQL did not start: ${(error as Error).message.split('\n')[0]}`
    delete process.env.CANDOR_TEST_PG_URL
    return
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return async () => {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    stop()
  }
}

/**
 * A detached shell that outlives a killed test run (SIGKILL, or a `timeout` that takes
 * vitest down without its teardown): once this process is gone, it shuts the cluster
 * down (SIGQUIT: immediate shutdown) and removes its directory.
 */
function watchdog(pid: number, data: string, dir: string): void {
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; p=$(head -n 1 '${data}/postmaster.pid' 2>/dev/null); [ -n "$p" ] && kill -QUIT "$p" 2>/dev/null; sleep 3; rm -rf '${dir}'`
  const child = spawn('/bin/sh', ['-c', script], {detached: true, stdio: 'ignore'})
  child.unref()
}

async function waitReady(url: string): Promise<void> {
  const {default: pg} = await import('pg')
  const deadline = Date.now() + 30_000
  for (;;) {
    const client = new pg.Client({connectionString: url})
    try {
      await client.connect()
      await client.query('select 1')
      await client.end()
      return
    } catch (error) {
      await client.end().catch(() => undefined)
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

// Team mode for the bench: a throw-away PostgreSQL (the test suite's own global setup,
// test/helpers/pg-global-setup.ts) and the counting proxy of the team tests
// (test/helpers/pg-proxy.ts), both compiled on the fly with the project's tsc (no type
// check), so the bench measures with exactly what the tests assert with.
import {spawnSync} from 'node:child_process'
import {existsSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

/** Compiles test/helpers/{pg-proxy,pg-global-setup}.ts into `out` and imports them. */
export async function loadTeamHelpers(root, out) {
  const files = ['pg-proxy', 'pg-global-setup'].map((n) => path.join(root, 'test', 'helpers', `${n}.ts`))
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = [
    tsc,
    '--ignoreConfig',
    '--noCheck',
    '--outDir',
    out,
    '--rootDir',
    path.join(root, 'test', 'helpers'),
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--skipLibCheck',
    '--types',
    'node',
    ...files,
  ]
  const r = spawnSync(process.execPath, args, {cwd: root, encoding: 'utf8'})
  writeFileSync(path.join(out, 'package.json'), '{"type": "module"}\n')
  if (!existsSync(path.join(out, 'node_modules')))
    symlinkSync(path.join(root, 'node_modules'), path.join(out, 'node_modules'), 'dir')
  const load = async (n) => {
    const js = path.join(out, `${n}.js`)
    if (!existsSync(js)) throw new Error(`could not compile test/helpers/${n}.ts:\n${r.stdout}${r.stderr}`)
    return import(pathToFileURL(js).href)
  }
  return {proxy: await load('pg-proxy'), setup: await load('pg-global-setup')}
}

/**
 * A PostgreSQL to measure against: $CANDOR_TEST_PG_URL when set, else a throw-away cluster
 * (needs initdb and pg_ctl). Returns {url, stop} or {skip: reason}.
 */
export async function startPostgres(setupModule) {
  const before = process.env.CANDOR_TEST_PG_URL
  const stop = await setupModule.default()
  const url = process.env.CANDOR_TEST_PG_URL
  if (!url) return {skip: process.env.CANDOR_TEST_PG_SKIP ?? 'no PostgreSQL'}
  if (!before) delete process.env.CANDOR_TEST_PG_URL
  return {url, stop: stop ?? (async () => {})}
}

/** A new, empty database on the server of `url`: its URL. */
export async function freshDatabase(pg, url, name) {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    await client.query(`create database ${name}`)
  } finally {
    await client.end()
  }
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Writes journals (arrays of events, seq and at included) straight into candor_events, in big batches. */
export async function insertJournals(pg, url, journals) {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    let rows = []
    const flush = async () => {
      if (rows.length === 0) return
      await client.query(
        `insert into candor_events (incident, seq, at, type, body)
         select r.incident, r.seq, r.at::timestamptz, r.type, r.body::json
           from json_to_recordset($1::json) as r(incident text, seq int, at text, type text, body text)`,
        [JSON.stringify(rows)],
      )
      rows = []
    }
    for (const [id, events] of journals) {
      for (const e of events) rows.push({incident: id, seq: e.seq, at: e.at, type: e.type, body: JSON.stringify(e)})
      if (rows.length >= 5000) await flush()
    }
    await flush()
  } finally {
    await client.end()
  }
}

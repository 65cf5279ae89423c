// Team mode for the bench: a throw-away PostgreSQL (the test suite's own global setup,
// test/helpers/pg-global-setup.ts) and the counting proxy of the team tests
// (test/helpers/pg-proxy.ts), both compiled on the fly with the project's tsc (no type
// check), so the bench measures with exactly what the tests assert with.
import path from 'node:path'
import {compileAndImport} from './compile-ts.mjs'

/** Compiles test/helpers/{pg-proxy,pg-global-setup}.ts into `out` and imports them. */
export async function loadTeamHelpers(root, out) {
  const m = await compileAndImport(root, path.join('test', 'helpers'), ['pg-proxy', 'pg-global-setup'], out)
  return {proxy: m['pg-proxy'], setup: m['pg-global-setup']}
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

/**
 * Round trips, not milliseconds: what each command costs on the network in team mode,
 * counted by a proxy in front of PostgreSQL (test/helpers/pg-proxy.ts says what one
 * round trip is). The budgets are in docs/performance.md ("Team mode over a network");
 * a change that adds round trips or connections fails here. Before issue 18 the same
 * commands cost: open 8 exchanges, publish 53 over 3 connections, approve 56 over 3,
 * retry 31 over 2, status 8.
 */
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, expect, it, vi} from 'vitest'
import {PgIncidentStore} from '../../src/infrastructure/store/postgres.js'
import {runCli, tempDir} from '../helpers/cli.js'
import {pgTarget, startPgProxy, type PgProxy, type ProxyCounts} from '../helpers/pg-proxy.js'
import {adminQuery, describePg, freshDatabase, PG_URL} from './pg.js'

/** Two Markdown channels: a publish costs no platform requests, only the store's. */
const PLAYBOOK = `name: blog
facts:
  service: { required: true }
  impact: { required: true }
channels:
  blog: { type: markdown, dir: posts }
  mirror: { type: markdown, dir: mirror }
phases:
  investigating:
    next_update: 30m
    posts:
      blog: { text: "We are investigating problems with {{service}}: {{impact}}." }
      mirror: { text: "Investigating {{service}}." }
  identified:
    approval: { required: 2 }
    posts:
      blog: { text: "We found the cause of the problems with {{service}}." }
      mirror: { text: "Identified: {{service}}." }
  resolved:
    posts:
      blog: { text: "{{service}} works again." }
      mirror: { text: "Resolved: {{service}}." }
`

/**
 * The most each command may cost, as exchanges (round trips) and connections. A file
 * store costs none of either, so these are also the cost over the file store.
 */
export const BUDGETS: Record<string, {exchanges: number; connections: number}> = {
  // login (3) + schema check with every journal (1) + the insert (1)
  'incident open': {exchanges: 5, connections: 1},
  // login (3) + schema and journals (1) + lock with the journal (1) + lock check (1)
  // + rendered/approved (1) + the channels' attempts (1) and results (1, or 2 when they
  // finish apart) + unlock (1): 11, at most 12 (issue 18)
  publish: {exchanges: 12, connections: 1},
  // ... + the draft and its first approval (1), nothing sent: 7
  'publish (pending approval)': {exchanges: 8, connections: 1},
  // as publish, the draft found with every journal: 10-11
  approve: {exchanges: 12, connections: 1},
  // login, journals, lock, lock check, attempt, result, unlock: 9
  retry: {exchanges: 10, connections: 1},
  // login (3) + schema check with every journal (1), no lock
  status: {exchanges: 4, connections: 1},
}

let proxy: PgProxy
beforeAll(async () => {
  if (PG_URL) proxy = await startPgProxy({target: pgTarget(PG_URL)})
})
afterAll(async () => {
  await proxy?.close()
})

function project(url: string) {
  const root = path.join(tempDir('candor-rt-'), 'project')
  mkdirSync(path.join(root, 'playbooks'), {recursive: true})
  writeFileSync(path.join(root, 'playbooks', 'blog.yaml'), PLAYBOOK)
  const env = {CANDOR_STATE_DIR: undefined, CANDOR_STORE: proxy.url(url)}
  /** Runs a command as `user` and returns what it cost on the wire. */
  const run = (user: string, args: string[]) => runCli(args, {cwd: root, env: {...env, CANDOR_USER: user}})
  const measure = async (user: string, args: string[]): Promise<ProxyCounts & {stdout: string}> => {
    proxy.reset()
    const r = await run(user, args)
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
    return {...proxy.counts(), stdout: r.stdout}
  }
  return {root, run, measure}
}

describePg('round trips per command in team mode', () => {
  it('incident open, publish, approve, retry and status stay within their budgets', async () => {
    const {root, run, measure} = project(await freshDatabase())
    const costs: Record<string, ProxyCounts> = {}
    // The first command on a fresh database migrates it: not what an everyday command costs.
    await measure('Dana', ['store', 'migrate'])
    costs['incident open'] = await measure('Dana', [
      'incident',
      'open',
      'blog',
      '--id',
      'rt',
      '--set',
      'service=Acme Voice',
      '--set',
      'impact=Calls fail',
    ])
    costs.publish = await measure('Dana', ['publish', '--phase', 'investigating', '--yes'])
    const drafted = await measure('Dana', ['publish', '--phase', 'identified', '--yes', '--json'])
    costs['publish (pending approval)'] = drafted
    const draft = JSON.parse(drafted.stdout).draft as string
    expect(draft).toMatch(/^d-/)
    costs.approve = await measure('Erin', ['approve', draft, '--yes'])
    // A channel that fails (its folder is a file), then works again: retry sends what failed.
    rmSync(path.join(root, 'mirror'), {recursive: true, force: true})
    writeFileSync(path.join(root, 'mirror'), 'not a folder')
    const failed = await run('Dana', ['publish', '--phase', 'resolved', '--yes'])
    expect(failed.code).not.toBe(0)
    rmSync(path.join(root, 'mirror'))
    costs.retry = await measure('Dana', ['retry'])
    costs.status = await measure('Dana', ['status'])

    const table = Object.entries(costs).map(([command, c]) => ({
      command,
      exchanges: c.exchanges,
      connections: c.connections,
    }))
    // Every command within its budget; a failure names the command and what it cost.
    const over = table.filter(
      (r) => r.exchanges > BUDGETS[r.command].exchanges || r.connections > BUDGETS[r.command].connections,
    )
    expect(over).toEqual([])
  })

  it('reading every incident costs a round trip per thousand, however long folding takes', async () => {
    const url = await freshDatabase()
    const {measure} = project(url)
    await measure('Dana', ['store', 'migrate'])
    // 2,500 incidents written straight into the table (what 2,500 `incident open` would leave),
    // all opened at the same instant: the pages of a thousand must not skip or repeat one.
    await adminQuery(
      url,
      `insert into candor_events (incident, seq, at, type, body)
       select 'many-' || n, 1, now(), 'opened',
              json_build_object('type', 'opened', 'by', 'Dana', 'incident', 'many-' || n,
                'playbook', json_build_object('name', 'blog', 'file', 'playbooks/blog.yaml'),
                'started_at', now(), 'facts', json_build_object('service', 'S' || n, 'impact', 'I'),
                'seq', 1, 'at', now())
         from generate_series(1, 2500) as n`,
    )
    const listed = await measure('Dana', ['incident', 'list', '--all', '--json'])
    expect(JSON.parse(listed.stdout).incidents).toHaveLength(2500)
    // login (3) + the schema check with the first thousand journals (1) + two more pages (2)
    expect({exchanges: listed.exchanges, connections: listed.connections}).toEqual({exchanges: 6, connections: 1})

    // In one process: the journals fetched together are read without a query, also when
    // the reads come long after (folding 10,000 incidents takes a while).
    const store = new PgIncidentStore(proxy.url(url))
    try {
      const ids = await store.prefetchAll()
      expect(ids).toEqual(await store.list())
      expect(new Set(ids).size).toBe(2500)
      proxy.reset()
      vi.useFakeTimers({toFake: ['Date']})
      vi.setSystemTime(Date.now() + 30_000)
      for (const id of ids) expect((await store.read(id)).events[0]).toMatchObject({incident: id})
      expect(proxy.counts().exchanges).toBe(0)
    } finally {
      vi.useRealTimers()
      await store.close()
    }
  })
})

/**
 * Round trips, not milliseconds: what each command costs on the network in team mode,
 * counted by a proxy in front of PostgreSQL (test/helpers/pg-proxy.ts says what one
 * round trip is). The budgets are in docs/performance.md ("Team mode over a network");
 * a change that adds round trips or connections fails here.
 */
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {runCli, tempDir} from '../helpers/cli.js'
import {pgTarget, startPgProxy, type PgProxy, type ProxyCounts} from '../helpers/pg-proxy.js'
import {describePg, freshDatabase, PG_URL} from './pg.js'

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
  // login (3) + schema check and every journal (1) + create (1)
  'incident open': {exchanges: 5, connections: 1},
  // login (3) + schema and journals (1) + lock with journal (1) + lock check (1)
  // + rendered/approved (1) + an attempt and a result per channel (4) + unlock (1)
  publish: {exchanges: 12, connections: 1},
  'publish (pending approval)': {exchanges: 7, connections: 1},
  // as publish, plus the draft's journal read before the lock and the draft's records
  approve: {exchanges: 14, connections: 1},
  retry: {exchanges: 9, connections: 1},
  // login (3) + schema and journals (1) + the incident's playbook facts (1)
  status: {exchanges: 5, connections: 1},
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
    console.log(table.map((r) => `${r.command}: ${r.exchanges} exchanges, ${r.connections} connections`).join('\n'))
    for (const {command, exchanges, connections} of table) {
      expect({command, exchanges: exchanges <= BUDGETS[command].exchanges}).toEqual({command, exchanges: true})
      expect({command, connections: connections <= BUDGETS[command].connections}).toEqual({
        command,
        connections: true,
      })
    }
  })
})

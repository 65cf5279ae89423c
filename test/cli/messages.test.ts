import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {canPrompt} from '../../src/cli/terminal.js'
import {BIN, runCli, tempDir} from '../helpers/cli.js'
import {xWorld, type XWorld} from '../helpers/x-incident.js'

/** Messages that say what is true (issue 16). */

const FACTS = ['--facts', 'playbooks/examples/outage.facts.yaml']

describe('an explicit path that does not exist is an error', () => {
  it('incident list --state-dir names the folder instead of "No open incidents"', async () => {
    const dir = tempDir()
    for (const args of [
      ['incident', 'list', '--state-dir', '.candr'],
      ['incident', 'list', '--all', '--store', '.candr'],
      ['status', '--state-dir', '.candr'],
    ]) {
      const r = await runCli(args, {cwd: dir, env: {CANDOR_STATE_DIR: undefined, CANDOR_STORE: undefined}})
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr.split('\n')[0]).toBe(`Error: no state directory at ${path.join(dir, '.candr')}`)
      expect(r.stderr).toContain('Code: state_dir_not_found')
    }
    const json = await runCli(['incident', 'list', '--state-dir', '.candr', '--json'], {cwd: dir})
    expect(JSON.parse(json.stdout).error.code).toBe('state_dir_not_found')
  })

  it('without a flag, or for a folder that exists, nothing open is still "No open incidents"; incident open still creates the folder', async () => {
    const dir = tempDir()
    const env = {CANDOR_STATE_DIR: undefined, CANDOR_STORE: undefined}
    const none = await runCli(['incident', 'list'], {cwd: dir, env})
    expect(none.code, none.stderr).toBe(0)
    expect(none.stdout).toContain('No open incidents')
    const opened = await runCli(
      [
        'incident',
        'open',
        path.join(process.cwd(), 'playbooks', 'outage.yaml'),
        '--facts',
        path.join(process.cwd(), 'playbooks', 'examples', 'outage.facts.yaml'),
        '--state-dir',
        'fresh',
        '--id',
        'i1',
      ],
      {cwd: dir, env},
    )
    expect(opened.code, opened.stderr).toBe(0)
    expect(existsSync(path.join(dir, 'fresh', 'incidents', 'i1.jsonl'))).toBe(true)
    const listed = await runCli(['incident', 'list', '--state-dir', 'fresh'], {cwd: dir, env})
    expect(listed.stdout).toContain('i1')
  })

  it('store copy --from a folder that does not exist copies nothing and says so', async () => {
    const dir = tempDir()
    const r = await runCli(['store', 'copy', '--from', '.candr', '--to', 'backup'], {cwd: dir})
    expect(r.code).toBe(1)
    expect(r.stderr.split('\n')[0]).toBe(`Error: no state directory at ${path.join(dir, '.candr')}`)
    expect(existsSync(path.join(dir, 'backup'))).toBe(false)
  })
})

/** A loopback port nothing listens on: bound, then closed. */
/**
 * A loopback port nothing listens on. Taken below the kernel's ephemeral range (32768 and up),
 * where the other tests' servers (all on port 0) never land, so no parallel test can start
 * listening on it while this one runs; checked to refuse a connection.
 */
async function closedPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000)
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(false)
      })
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
    })
    if (refused) return port
  }
  throw new Error('no closed loopback port between 20000 and 30000')
}

describe('network failures name the host, the port and the cause', () => {
  it('a refused connection is a plain, retried failure on every kind of channel, never "could not check whether part 1 arrived"', async () => {
    const dir = tempDir()
    const port = await closedPort()
    writeFileSync(
      path.join(dir, 'net.yaml'),
      `name: net
facts:
  service: { required: true }
channels:
  x: { type: x, api_url: "http://127.0.0.1:${port}" }
  toot: { type: mastodon, instance: "http://127.0.0.1:${port}" }
  sky: { type: bluesky, service: "http://127.0.0.1:${port}" }
  mail: { type: email, from: "status@candor.example", to: [customers@candor.example] }
phases:
  investigating:
    posts:
      x: { text: "{{service}} is down" }
      toot: { text: "{{service}} is down" }
      sky: { text: "{{service}} is down" }
      mail: { text: "{{service}} is down" }
`,
    )
    const env = {
      CANDOR_STATE_DIR: path.join(dir, 'state'),
      CANDOR_X_APP_KEY: 'k',
      CANDOR_X_APP_SECRET: 's',
      CANDOR_X_ACCESS_TOKEN: 't',
      CANDOR_X_ACCESS_SECRET: 'a',
      CANDOR_TOOT_ACCESS_TOKEN: 'token',
      CANDOR_SKY_IDENTIFIER: 'status.candor.example',
      CANDOR_SKY_APP_PASSWORD: 'pw',
      CANDOR_MAIL_SMTP_URL: `smtp://127.0.0.1:${port}`,
    }
    expect(
      (await runCli(['incident', 'open', 'net.yaml', '--set', 'service=S', '--id', 'n1'], {cwd: dir, env})).code,
    ).toBe(0)
    const r = await runCli(['publish', '--phase', 'investigating', '--yes', '--json'], {cwd: dir, env})
    expect(r.code, r.stderr).toBe(3)
    const errors = Object.fromEntries(
      (JSON.parse(r.stdout).deliveries as Array<{channel: string; error: string}>).map((d) => [d.channel, d.error]),
    )
    const refused = (platform: string) =>
      `could not reach ${platform} at 127.0.0.1:${port} (connection refused) (after 4 attempts)`
    expect(errors).toEqual({
      x: refused('X'),
      toot: refused('Mastodon'),
      sky: refused('Bluesky'),
      mail: refused('the SMTP server'),
    })
    const journal = readFileSync(path.join(dir, 'state', 'incidents', 'n1.jsonl'), 'utf8')
    expect(journal).not.toContain('could not check whether')
    expect(journal).not.toContain('Request failed')
  })
})

describe('prompts say why no one can be asked', () => {
  it('names the stream that is not a terminal', () => {
    const tty = {isTTY: true}
    const pipe = {isTTY: false}
    expect(canPrompt(false, {stdin: tty, stdout: tty})).toEqual({interactive: true})
    expect(canPrompt(false, {stdin: tty, stdout: pipe}).reason).toMatch(/^stdout is not a terminal/)
    expect(canPrompt(false, {stdin: pipe, stdout: tty}).reason).toMatch(/^stdin is not a terminal/)
    expect(canPrompt(false, {stdin: pipe, stdout: pipe}).reason).toBe('neither stdin nor stdout is a terminal')
    expect(canPrompt(true, {stdin: tty, stdout: tty}).reason).toMatch(/--json/)
  })

  const hasScript = spawnSync('script', ['-qec', 'true', '/dev/null']).status === 0
  it.runIf(hasScript)('publish at a terminal with stdout redirected says stdout, not stdin', () => {
    const dir = tempDir()
    const env = {...process.env, CANDOR_STATE_DIR: path.join(dir, 'state'), NO_COLOR: '1'}
    const cwd = process.cwd()
    expect(
      spawnSync(process.execPath, [BIN, 'incident', 'open', 'outage', ...FACTS, '--id', 'tty-1'], {cwd, env}).status,
    ).toBe(0)
    // script(1) gives the command a terminal for stdin and stderr; stdout goes to a file.
    const out = path.join(dir, 'out.txt')
    const r = spawnSync(
      'script',
      ['-qec', `"${process.execPath}" "${BIN}" publish --phase investigating --channel blog > "${out}"`, '/dev/null'],
      {cwd, env, encoding: 'utf8', timeout: 30_000},
    )
    expect(r.status, r.stdout).toBe(4)
    expect(r.stdout).toContain('publishing needs approval, and no one can be asked: stdout is not a terminal')
    expect(r.stdout).not.toContain('stdin is not a terminal')
  })
})

describe('retract says what happened and what will', () => {
  let world: XWorld
  afterEach(async () => world?.close())

  it('a second retract of the same update says it is already retracted', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    await world.cli(['publish', '--phase', 'investigating', '--yes'])
    await world.cli(['publish', '--phase', 'identified', '--yes'])
    expect((await world.cli(['retract', '--update', '2', '--yes'])).stdout).toContain('x: deleted 1 post')
    const deletes = world.fake.requests.filter((q) => q.method === 'DELETE').length
    const again = await world.cli(['retract', '--update', '2', '--yes'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('x: already retracted')
    expect(again.stdout).not.toContain('nothing published')
    expect(world.fake.requests.filter((q) => q.method === 'DELETE')).toHaveLength(deletes)
    const json = JSON.parse((await world.cli(['retract', '--update', '2', '--yes', '--json'])).stdout)
    expect(json.retractions).toEqual([{channel: 'x', status: 'already-retracted', ids: []}])
  })

  it("retracting a thread's first post warns that the later updates stay up as replies to a deleted post", async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    await world.cli(['publish', '--phase', 'investigating', '--yes'])
    await world.cli(['publish', '--phase', 'identified', '--yes'])
    await world.cli(['publish', '--phase', 'monitoring', '--yes'])
    const last = await world.cli(['retract', '--update', '3', '--yes', '--json'])
    expect(JSON.parse(last.stdout).warnings).toEqual([])
    const first = await world.cli(['retract', '--update', '1', '--yes'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toContain(
      "x: update 1 starts the incident's thread; update 2 will stay up as a reply to a deleted post",
    )
    expect(world.fake.tweets.map((t) => t.deleted)).toEqual([true, false, true])
  })
})

describe('--store help', () => {
  it('shows a store URL without a password, and says where the password goes', async () => {
    const r = await runCli(['status', '--help'])
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('postgres://USER@HOST/DB')
    expect(r.stdout).not.toMatch(/USER:PASSWORD/)
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('PGPASSWORD')
  })
})

import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {BIN, runCli} from '../helpers/cli.js'
import {Gate, waitFor, within} from '../helpers/wait.js'
import {xWorld, type XWorld} from '../helpers/x-incident.js'

let world: XWorld
afterEach(async () => world?.close())

const journal = (w: XWorld, id: string) =>
  readFileSync(path.join(w.env.CANDOR_STATE_DIR, 'incidents', `${id}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))

async function openIncident(w: XWorld, id = 'inc') {
  const r = await w.cli(['incident', 'open', w.playbook, '--set', 'service=S', '--set', 'impact=I', '--id', id])
  expect(r.code, r.stderr).toBe(0)
  return id
}

describe('one incident, several commands at once', () => {
  it('two runbook steps publishing the same update produce exactly one post', async () => {
    world = await xWorld()
    await openIncident(world)
    // The post of whichever takes the lock first is held until the other says it waits for it.
    const post = new Gate()
    world.fake.inFlight.hold((r) => (r.method === 'POST' ? post.pass() : undefined))
    const said = ['', '']
    const publish = (i: number) =>
      runCli(['publish', '--phase', 'investigating', '--yes'], {
        cwd: world.dir,
        env: world.env,
        onStderr: (s) => (said[i] = s),
      })
    const both = Promise.all([publish(0), publish(1)])
    try {
      await waitFor(() => said.some((s) => s.includes('waiting: ')), {
        what: "one publish to wait for the other's lock",
        timeoutMs: 20_000,
      })
    } finally {
      post.open()
    }
    const [a, b] = await both
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0])
    // The one that waited for the lock finds the update already there and sends nothing.
    const loser = a.stdout.includes('already has update 1') ? a : b
    expect(loser.stderr).toContain('waiting: Dana On-Call is running `candor publish`')
    expect(loser.stdout).toContain('x: already has update 1, skipped')
    expect(world.fake.tweets).toHaveLength(1)
    expect(post.passed).toBe(1)
  })

  it('fails after --lock-timeout naming who holds the incident', async () => {
    world = await xWorld()
    await openIncident(world)
    const lock = await new FileIncidentStore(world.env.CANDOR_STATE_DIR).lock('inc', {
      timeoutMs: 0,
      command: 'publish --phase identified',
      by: 'Sam',
    })
    try {
      const r = await world.cli(['publish', '--phase', 'investigating', '--yes', '--lock-timeout', '1'])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(
        `Error: incident inc is busy: Sam is running \`candor publish --phase identified\` (pid ${process.pid} on ${os.hostname()}`,
      )
      expect(world.fake.requests).toHaveLength(0)
    } finally {
      await lock.release()
    }
    expect((await world.cli(['publish', '--phase', 'investigating', '--yes', '--lock-timeout', '1'])).code).toBe(0)
  })

  it('takes over a lock left by a dead process', async () => {
    world = await xWorld()
    await openIncident(world)
    const dir = path.join(world.env.CANDOR_STATE_DIR, 'incidents')
    mkdirSync(dir, {recursive: true})
    writeFileSync(
      path.join(dir, 'inc.lock'),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: os.hostname(),
        since: '2026-11-25T03:00:00Z',
        command: 'publish',
        by: 'ghost',
      }),
    )
    const r = await world.cli(['publish', '--phase', 'investigating', '--yes', '--lock-timeout', '2'])
    expect(r.code, r.stderr).toBe(0)
    expect(world.fake.tweets).toHaveLength(1)
  })
})

describe('interrupted sends', () => {
  it('Ctrl-C lets the request in flight settle, journals it, and exits 130', async () => {
    world = await xWorld()
    await openIncident(world)
    // The post stays on the wire until the command has taken the interrupt.
    const post = new Gate()
    world.fake.inFlight.hold((r) => (r.method === 'POST' ? post.pass() : undefined))
    const child = spawn(process.execPath, [BIN, 'publish', '--phase', 'investigating', '--yes'], {
      cwd: world.dir,
      env: {...process.env, ...world.env, NO_COLOR: '1'},
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      await within(post.reached, {what: 'the post to reach the fake', timeoutMs: 20_000})
      child.kill('SIGINT')
      await waitFor(() => stderr.includes('Interrupted: sending nothing new'), {what: 'publish to take the interrupt'})
    } finally {
      post.open()
    }
    const code = await closed
    expect(code).toBe(130)
    expect(stderr).toContain('Interrupted: sending nothing new')
    expect(world.fake.tweets).toHaveLength(1)
    const results = journal(world, 'inc').filter((e) => e.type === 'delivery_result')
    expect(results).toEqual([
      expect.objectContaining({status: 'published', remote: expect.objectContaining({id: world.fake.tweets[0].id})}),
    ])
  })

  it('retry has the same Ctrl-C grace: the request in flight settles and is journaled, exit 130', async () => {
    world = await xWorld()
    await openIncident(world)
    world.fake.fail({status: 401})
    expect((await world.cli(['publish', '--phase', 'investigating', '--yes'])).code).toBe(3)
    const before = world.fake.requests.length
    world.fake.latencyMs = 1500
    const child = spawn(process.execPath, [BIN, 'retry'], {
      cwd: world.dir,
      env: {...process.env, ...world.env, NO_COLOR: '1'},
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    // Interrupt once the retried request is on the wire.
    await waitFor(() => world.fake.requests.length > before, {
      what: 'the retried request to reach X',
      timeoutMs: 20_000,
    })
    child.kill('SIGINT')
    expect(await closed, stderr).toBe(130)
    expect(stderr).toContain('Interrupted: sending nothing new')
    expect(world.fake.tweets).toHaveLength(1)
    const results = journal(world, 'inc').filter((e) => e.type === 'delivery_result')
    expect(results.at(-1)).toEqual(
      expect.objectContaining({status: 'published', remote: expect.objectContaining({id: world.fake.tweets[0].id})}),
    )
  })

  it('a send cut off by a crash is "unknown" until retry settles it as the user says', async () => {
    world = await xWorld()
    await openIncident(world)
    // The journal as a kill -9 between request and answer leaves it: an attempt, no result.
    await world.cli(['publish', '--phase', 'investigating', '--yes'])
    const lines = readFileSync(path.join(world.env.CANDOR_STATE_DIR, 'incidents', 'inc.jsonl'), 'utf8')
      .trim()
      .split('\n')
    writeFileSync(
      path.join(world.env.CANDOR_STATE_DIR, 'incidents', 'inc.jsonl'),
      lines.filter((l) => !l.includes('"delivery_result"')).join('\n') + '\n',
    )
    const status = JSON.parse((await world.cli(['status', '--json'])).stdout)
    expect(status.unfinished).toEqual([
      {update: 1, phase: 'investigating', channel: 'x', status: 'unknown', error: null},
    ])
    expect(status.channels).toEqual([])

    const sent = await world.cli(['retry', '--assume-sent', '--json'])
    expect(sent.code, sent.stderr).toBe(0)
    expect(JSON.parse(sent.stdout).resolved).toEqual([
      {update: 1, channel: 'x', part: 1, how: expect.stringMatching(/^(found|assumed-sent)$/)},
    ])
    expect(world.fake.tweets).toHaveLength(1)
    expect(JSON.parse((await world.cli(['status', '--json'])).stdout).unfinished).toEqual([])
  })

  it('retry asks X itself: a post that arrived is recorded, one that did not is sent again', async () => {
    world = await xWorld()
    await openIncident(world)
    const file = path.join(world.env.CANDOR_STATE_DIR, 'incidents', 'inc.jsonl')
    // The journal as a kill -9 between request and answer leaves it for one update.
    const crash = (update: number) =>
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .filter((l) => !(l.includes('"delivery_result"') && l.includes(`"update":${update},`)))
          .join('\n') + '\n',
      )

    // Arrived: the tweet is on the account, the journal never heard back.
    await world.cli(['publish', '--phase', 'investigating', '--yes'])
    crash(1)
    const found = await world.cli(['retry', '--json'])
    expect(found.code, found.stderr).toBe(0)
    expect(JSON.parse(found.stdout).resolved).toEqual([{update: 1, channel: 'x', part: 1, how: 'found'}])
    expect(world.fake.tweets.filter((t) => !t.deleted)).toHaveLength(1)

    // Lost: the journal says "sending", the account has nothing.
    await world.cli(['publish', '--phase', 'identified', '--yes'])
    crash(2)
    world.fake.tweets[1].deleted = true
    const lost = await world.cli(['retry', '--json'])
    expect(lost.code, lost.stderr).toBe(0)
    expect(JSON.parse(lost.stdout).resolved).toEqual([{update: 2, channel: 'x', part: 1, how: 'not-found'}])
    const live = world.fake.tweets.filter((t) => !t.deleted)
    expect(live.map((t) => t.text)).toEqual([world.fake.tweets[0].text, world.fake.tweets[1].text])
    expect(live[1].inReplyTo).toBe(live[0].id)
  })
})

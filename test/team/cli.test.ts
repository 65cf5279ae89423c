import {readdirSync} from 'node:fs'
import path from 'node:path'
import {afterEach, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {Gate, waitFor} from '../helpers/wait.js'
import {describePg, pgPassword, teamWorld, type TeamWorld} from './pg.js'

let world: TeamWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const open = async (w: TeamWorld, who = 'Alice', id = 'voice-1') => {
  const r = await w
    .engineer(who)
    .cli([
      'incident',
      'open',
      w.playbook,
      '--set',
      'service=Acme Voice',
      '--set',
      'impact=Calls fail',
      '--id',
      id,
      '--json',
    ])
  expect(r.code, r.stderr).toBe(0)
  return id
}

describePg('team mode: one incident, many machines, one PostgreSQL store', () => {
  it('two machines racing the same publish post exactly once', async () => {
    world = await teamWorld()
    await open(world)
    const alice = world.engineer('Alice')
    const bob = world.engineer('Bob')
    // Whoever takes the lock first has its post held until the other says it waits for it.
    const post = new Gate()
    world.fake.inFlight.hold((req) => (req.method === 'POST' ? post.pass() : undefined))
    const said = ['', '']
    const publish = (e: typeof alice, i: number) =>
      e.cli(['publish', '--phase', 'investigating', '--yes', '--json'], {}, {onStderr: (s) => (said[i] = s)})
    const both = Promise.all([publish(alice, 0), publish(bob, 1)])
    try {
      await waitFor(() => said.some((s) => s.includes('waiting: ')), {
        what: "one machine to wait for the other's lock",
        timeoutMs: 60_000,
      })
    } finally {
      post.open()
    }
    const [a, b] = await both
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0])
    const [winner, loser] = JSON.parse(a.stdout).update === 1 ? [a, b] : [b, a]
    expect(JSON.parse(winner.stdout).deliveries[0]).toMatchObject({channel: 'x', status: 'published'})
    // The one that waited for the lock finds the update already there and sends nothing.
    expect(JSON.parse(loser.stdout)).toMatchObject({
      update: null,
      deliveries: [{channel: 'x', status: 'skipped', already: {update: 1, status: 'published'}}],
    })
    expect(loser.stderr).toMatch(/waiting: (Alice|Bob) is running `candor publish`/)
    expect(world.fake.tweets).toHaveLength(1)
    // Nothing was written to either local state directory.
    for (const e of [alice, bob]) expect(readdirSync(path.join(e.dir, 'state'))).toEqual([])
  })

  it('an engineer with an empty local directory continues the thread another started', async () => {
    world = await teamWorld()
    const alice = world.engineer('Alice')
    const bob = world.engineer('Bob')
    await open(world)
    expect((await alice.cli(['publish', '--phase', 'investigating', '--yes'])).code).toBe(0)

    const list = JSON.parse((await bob.cli(['incident', 'list', '--json'])).stdout)
    expect(list.incidents).toEqual([expect.objectContaining({id: 'voice-1', phase: 'investigating'})])
    const r = await bob.cli([
      'publish',
      '--phase',
      'identified',
      '--set',
      'cause=a failed database upgrade',
      '--yes',
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      incident: 'voice-1',
      update: 2,
      deliveries: [{channel: 'x', status: 'published'}],
    })
    const [first, second] = world.fake.tweets
    expect(second.inReplyTo).toBe(first.id)

    const status = JSON.parse((await alice.cli(['status', '--json'])).stdout)
    expect(status).toMatchObject({
      incident: 'voice-1',
      phase: 'identified',
      facts: {cause: 'a failed database upgrade'},
    })
    expect(status.channels).toEqual([expect.objectContaining({channel: 'x', update: 2, id: second.id})])
    const show = await alice.cli(['incident', 'show', 'voice-1'])
    expect(show.stdout).toContain('Bob')
    expect(show.stdout).toContain('approved update 2 for x')

    // Retract, then retry: also across machines.
    const retract = await alice.cli(['retract', '--update', '2', '--yes', '--json'])
    expect(retract.code, retract.stdout + retract.stderr).toBe(0)
    expect(world.fake.tweets[1].deleted).toBe(true)
    world.fake.fail({status: 401})
    expect((await bob.cli(['publish', '--phase', 'monitoring', '--yes'])).code).toBe(3)
    const retry = await alice.cli(['retry', '--json'])
    expect(retry.code, retry.stderr).toBe(0)
    expect(world.fake.tweets.filter((t) => !t.deleted)).toHaveLength(2)
    expect(world.fake.tweets.at(-1)!.inReplyTo).toBe(first.id)

    // Nothing local: everything is in the database.
    for (const e of [alice, bob]) expect(readdirSync(path.join(e.dir, 'state'))).toEqual([])
  })

  it('never prints the store password', async () => {
    world = await teamWorld()
    const alice = world.engineer('Alice')
    await open(world)
    const outputs = [
      await alice.cli(['publish', '--phase', 'investigating', '--yes']),
      await alice.cli(['publish', '--phase', 'investigating', '--yes', '--json']),
      await alice.cli(['status']),
      await alice.cli(['incident', 'show', '--json']),
      await alice.cli(['incident', 'show', 'nope']),
      // Under DEBUG, oclif logs the raw command line before Candor starts: the URL comes from the environment here.
      await runCli(['status', '--json'], {
        cwd: alice.dir,
        env: {CANDOR_STORE: world.url, CANDOR_STATE_DIR: path.join(alice.dir, 'state'), DEBUG: '*'},
      }),
      await alice.cli(['drafts', '--json']),
      await alice.cli(['publish', '--phase', 'nope', '--yes'], {CANDOR_STORE: world.url}),
    ]
    const everything = outputs.map((o) => o.stdout + o.stderr).join('\n')
    expect(everything).toContain('••••')
    expect(everything).not.toContain(pgPassword(world.url))
  })
})

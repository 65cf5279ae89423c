import {afterEach, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {Gate, within} from '../helpers/wait.js'
import {describePg, killConnections, teamWorld, type TeamWorld} from './pg.js'

let world: TeamWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describePg('a connection killed mid-publish', () => {
  it('reconnects, records the publish exactly once, and the thread goes on', async () => {
    world = await teamWorld()
    const alice = world.engineer('Alice')
    const opened = await alice.cli([
      'incident',
      'open',
      world.playbook,
      '--set',
      'service=S',
      '--set',
      'impact=I',
      '--id',
      'cut',
    ])
    expect(opened.code, opened.stderr).toBe(0)
    // The post is held on the wire while every connection to the database (the lock's too) is cut.
    const post = new Gate()
    world.fake.inFlight.hold((req) => (req.method === 'POST' ? post.pass() : undefined))
    const publishing = alice.cli(['publish', '--phase', 'investigating', '--yes', '--json'])
    try {
      await within(post.reached, {what: 'the post to reach the fake', timeoutMs: 30_000})
      expect(await killConnections(world.url)).toBeGreaterThan(0)
    } finally {
      post.open()
    }
    const r = await publishing
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).deliveries).toEqual([expect.objectContaining({channel: 'x', status: 'published'})])
    expect(world.fake.tweets).toHaveLength(1)

    const events = JSON.parse((await alice.cli(['incident', 'show', '--json'])).stdout).events as Array<{
      type: string
      seq: number
      status?: string
    }>
    expect(events.map((e) => e.type)).toEqual(['opened', 'rendered', 'approved', 'delivery_attempt', 'delivery_result'])
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(events[4].status).toBe('published')

    const next = await world.engineer('Bob').cli(['publish', '--phase', 'identified', '--yes'])
    expect(next.code, next.stderr).toBe(0)
    expect(world.fake.tweets[1].inReplyTo).toBe(world.fake.tweets[0].id)
  })

  it('a store that stays down fails the command plainly, having sent nothing', async () => {
    world = await teamWorld()
    const alice = world.engineer('Alice')
    const down = 'postgres://candor:secret-pw-1234@127.0.0.1:1/nowhere'
    const started = Date.now()
    const r = await runCli(['publish', '--phase', 'investigating', '--yes', '--json', '--store', down], {
      cwd: alice.dir,
    })
    // It retried a while (the database may be restarting), then gave up.
    expect(Date.now() - started).toBeGreaterThan(3000)
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'store_unavailable',
      message: expect.stringContaining('postgres://candor:••••@127.0.0.1:1/nowhere'),
    })
    expect(r.stdout + r.stderr).not.toContain('secret-pw-1234')
    expect(world.fake.requests).toHaveLength(0)
  })
})

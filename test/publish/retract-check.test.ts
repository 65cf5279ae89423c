import {afterEach, describe, expect, it} from 'vitest'
import {X_CREDENTIALS, xWorld, type XWorld} from '../helpers/x-incident.js'

let world: XWorld
afterEach(async () => world?.close())

describe('candor channels check', () => {
  it('reports the account each channel would post as, and posts nothing', async () => {
    world = await xWorld()
    const r = await world.cli(['channels', 'check', world.playbook, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      playbook: 'incident',
      ok: true,
      channels: [
        {
          channel: 'x',
          type: 'x',
          ok: true,
          credentials: {ok: true, missing: []},
          account: '@candor_status',
          target: expect.stringContaining('X account'),
          error: null,
        },
      ],
    })
    expect(world.fake.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /2/users/me'])
    expect(world.fake.tweets).toHaveLength(0)
  })

  it('names missing variables and platform refusals, exit 1', async () => {
    world = await xWorld()
    const missing = await world.cli(['channels', 'check', world.playbook], {CANDOR_X_ACCESS_SECRET: undefined})
    expect(missing.code).toBe(1)
    expect(missing.stdout).toContain('✗ x  x          missing CANDOR_X_ACCESS_SECRET')
    const wrong = await world.cli(['channels', 'check', world.playbook], {CANDOR_X_ACCESS_SECRET: 'not-the-secret'})
    expect(wrong.code).toBe(1)
    expect(wrong.stdout).toContain('X rejected the credentials (401')
    expect(wrong.stdout + wrong.stderr).not.toContain('not-the-secret')
    expect(world.fake.tweets).toHaveLength(0)
  })
})

describe('candor retract', () => {
  it('deletes every part of one update, journals it, and the next update replies to what is still up', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    await world.cli(['publish', '--phase', 'investigating', '--yes'])
    await world.cli(['publish', '--phase', 'identified', '--yes'])
    const [first, second] = world.fake.tweets

    const refused = await world.cli(['retract', '--update', '2'])
    expect(refused.code).toBe(4)
    expect(second.deleted).toBe(false)

    const r = await world.cli(['retract', '--update', '2', '--yes', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      incident: expect.any(String),
      update: 2,
      phase: 'identified',
      retractions: [{channel: 'x', status: 'deleted', ids: [second.id]}],
      warnings: [],
    })
    expect(world.fake.tweets.map((t) => t.deleted)).toEqual([false, true])

    const show = await world.cli(['incident', 'show', '--json'])
    expect(JSON.parse(show.stdout).events.filter((e: {type: string}) => e.type === 'retraction')).toEqual([
      expect.objectContaining({update: 2, channel: 'x', part: 1, status: 'deleted', by: 'Dana On-Call'}),
    ])
    const status = JSON.parse((await world.cli(['status', '--json'])).stdout)
    expect(status.channels[0].id).toBe(first.id)

    await world.cli(['publish', '--phase', 'monitoring', '--yes'])
    expect(world.fake.tweets[2].inReplyTo).toBe(first.id)
    expect((await world.cli(['retry'])).stdout).toContain('Nothing to retry')
  })

  it('says which update numbers exist', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    await world.cli(['publish', '--phase', 'investigating', '--yes'])
    const r = await world.cli(['retract', '--update', '7', '--yes'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('has no update 7')
    expect(r.stderr).toContain('Updates: 1 (investigating)')
    void X_CREDENTIALS
  })
})

import {appendFileSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, expect, it} from 'vitest'
import {tempDir} from '../helpers/cli.js'
import {xWorld, type XWorld} from '../helpers/x-incident.js'
import {describePg, freshDatabase, pgPassword} from './pg.js'

let world: XWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const journal = (stateDir: string, id: string) => readFileSync(path.join(stateDir, 'incidents', `${id}.jsonl`), 'utf8')

describePg('store copy between the file store and PostgreSQL', () => {
  it('round-trips journals byte for byte, resumes, and never overwrites a different one', async () => {
    world = await xWorld()
    const local = world.env.CANDOR_STATE_DIR
    for (const id of ['first', 'second']) {
      expect(
        (
          await world.cli([
            'incident',
            'open',
            world.playbook,
            '--set',
            `service=S-${id}`,
            '--set',
            `impact=${id}`,
            '--id',
            id,
          ])
        ).code,
      ).toBe(0)
      expect((await world.cli(['publish', '--incident', id, '--phase', 'investigating', '--yes'])).code).toBe(0)
    }
    const url = await freshDatabase()

    const up = await world.cli(['store', 'copy', '--from', local, '--to', url, '--json'])
    expect(up.code, up.stderr).toBe(0)
    expect(JSON.parse(up.stdout)).toMatchObject({
      from: local,
      to: expect.stringContaining(':••••@'),
      incidents: [
        {incident: 'first', status: 'copied', events: 5},
        {incident: 'second', status: 'copied', events: 5},
      ],
    })
    expect(up.stdout + up.stderr).not.toContain(pgPassword(url))

    // The copy is a working store: status and publishing continue there, threaded.
    const status = JSON.parse((await world.cli(['status', '--incident', 'first', '--json', '--store', url])).stdout)
    expect(status).toMatchObject({incident: 'first', phase: 'investigating'})
    expect(
      (await world.cli(['publish', '--incident', 'first', '--phase', 'identified', '--yes', '--store', url])).code,
    ).toBe(0)
    expect(world.fake.tweets.at(-1)!.inReplyTo).toBe(world.fake.tweets[0].id)

    // The local journal of "first" is now behind: copying it again is a conflict, left alone.
    const back = tempDir()
    const down = await world.cli(['store', 'copy', '--from', url, '--to', back, '--json'])
    expect(down.code, down.stderr).toBe(0)
    expect(JSON.parse(down.stdout).incidents).toEqual([
      {incident: 'first', status: 'copied', events: 9},
      {incident: 'second', status: 'copied', events: 5},
    ])
    expect(journal(back, 'second')).toBe(journal(local, 'second'))
    expect(journal(back, 'first').startsWith(journal(local, 'first'))).toBe(true)

    // Again: nothing to do. Local goes on: the rest is appended.
    const again = JSON.parse((await world.cli(['store', 'copy', '--from', url, '--to', back, '--json'])).stdout)
    expect(again.incidents.map((r: {status: string}) => r.status)).toEqual(['up-to-date', 'up-to-date'])
    expect((await world.cli(['publish', '--incident', 'second', '--phase', 'identified', '--yes'])).code).toBe(0)
    const more = JSON.parse(
      (await world.cli(['store', 'copy', '--from', local, '--to', url, '--incident', 'second', '--json'])).stdout,
    )
    expect(more.incidents).toEqual([{incident: 'second', status: 'appended', events: 4}])
    const downAgain = JSON.parse(
      (await world.cli(['store', 'copy', '--from', url, '--to', back, '--incident', 'second', '--json'])).stdout,
    )
    expect(downAgain.incidents).toEqual([{incident: 'second', status: 'appended', events: 4}])
    expect(journal(back, 'second')).toBe(journal(local, 'second'))

    const conflict = await world.cli(['store', 'copy', '--from', local, '--to', url, '--incident', 'first', '--json'])
    expect(conflict.code).toBe(1)
    expect(JSON.parse(conflict.stdout).incidents).toEqual([
      expect.objectContaining({incident: 'first', status: 'conflict'}),
    ])

    // A torn last line at the source is reported and not copied.
    appendFileSync(path.join(local, 'incidents', 'second.jsonl'), '{"seq":99,"type":"deliv')
    const torn = await world.cli(['store', 'copy', '--from', local, '--to', url, '--incident', 'second'])
    expect(torn.code).toBe(0)
    expect(torn.stderr).toContain('the last line is incomplete')
    expect(torn.stdout).toContain('second: up-to-date')
  })
})

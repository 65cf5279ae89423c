/**
 * Retracting a thread deletes its parts newest first, so the thread is never left with a
 * dangling head (services/publish/retract.ts): a test that fails when the order is reversed,
 * and one that fails when a failed deletion does not stop the rest.
 */
import {afterEach, describe, expect, it} from 'vitest'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import type {FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {xEnv} from '../helpers/x-incident.js'
import {openXIncident, threadOfThree} from '../helpers/x-thread.js'

const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

const deletions = (fake: FakeX) =>
  fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').pop())

describe('retracting a thread', () => {
  it('deletes the newest part first and the head last, journaling each in that order', async () => {
    const s = await threadOfThree(fakes)
    const result = await retractUpdate({incident: s.id, update: 1}, {store: s.store, actor: 'alice', env: xEnv('X')})
    const reversed = [...s.ids].reverse()
    expect(deletions(s.fake)).toEqual(reversed)
    expect(result.retractions).toEqual([{channel: 'x', status: 'deleted', ids: reversed}])
    const journaled = (await s.store.read(s.id)).events.flatMap((e) =>
      e.type === 'retraction' ? [[e.part, e.status]] : [],
    )
    expect(journaled).toEqual([
      [3, 'deleted'],
      [2, 'deleted'],
      [1, 'deleted'],
    ])
  })

  it('stops at a failed deletion, so the head stays up rather than leaving replies without it', async () => {
    const s = await threadOfThree(fakes)
    s.fake.fail({status: 401}, 1, {method: 'DELETE', path: '/2/tweets/:id'})
    const before = s.fake.requests.length
    const result = await retractUpdate({incident: s.id, update: 1}, {store: s.store, actor: 'alice', env: xEnv('X')})
    expect(result.retractions[0]).toMatchObject({channel: 'x', status: 'failed', ids: []})
    expect(s.fake.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(1)
    expect(deletions(s.fake)).toEqual([s.ids[2]])
    const journaled = (await s.store.read(s.id)).events.flatMap((e) =>
      e.type === 'retraction' ? [[e.part, e.status]] : [],
    )
    expect(journaled).toEqual([[3, 'failed']])
  })
})

describe('retract: what it refuses and what it warns about', () => {
  async function twoUpdates() {
    const {fake, store, id, deps} = await openXIncident(fakes)
    await publishUpdate({incident: id, phase: 'investigating', facts: {}, yes: true, interactive: false}, deps)
    await publishUpdate({incident: id, phase: 'identified', facts: {}, yes: true, interactive: false}, deps)
    return {fake, store, id, deps: {store, actor: 'alice', env: xEnv('X')}}
  }

  it('names the updates and channels there are when asked for others, and deletes nothing unconfirmed', async () => {
    const s = await twoUpdates()
    await expect(retractUpdate({incident: s.id, update: 7}, s.deps)).rejects.toMatchObject({
      code: 'unknown_update',
      suggestions: ['Updates: 1 (investigating), 2 (identified)'],
    })
    await expect(retractUpdate({incident: s.id, update: 2, channels: ['x', 'mail']}, s.deps)).rejects.toMatchObject({
      code: 'unknown_channel',
      message: 'update 2 has no post on mail',
      suggestions: ['Channels of update 2: x'],
    })
    await expect(retractUpdate({incident: s.id, update: 2}, {...s.deps, env: {}})).rejects.toMatchObject({
      code: 'credentials_missing',
    })
    await expect(retractUpdate({incident: s.id, update: 2, confirm: async () => false}, s.deps)).rejects.toMatchObject({
      code: 'aborted',
      exit: 4,
    })
    expect(s.fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0)
  })

  it('warns that later updates stay up as replies when the thread root goes, and says so once it is gone', async () => {
    const s = await twoUpdates()
    let asked: {warnings: string[]; posts: Array<{channel: string; ids: string[]}>} | undefined
    const first = await retractUpdate(
      {
        incident: s.id,
        update: 1,
        confirm: async (summary) => {
          asked = summary
          return true
        },
      },
      s.deps,
    )
    const warning =
      "x: update 1 starts the incident's thread; update 2 will stay up as a reply to a deleted post (retract it too to take the whole thread down)"
    expect(first.warnings).toEqual([warning])
    expect(asked).toMatchObject({
      update: 1,
      phase: 'investigating',
      warnings: [warning],
      posts: [{channel: 'x', ids: [s.fake.tweets[0].id]}],
    })
    const again = await retractUpdate({incident: s.id, update: 1}, s.deps)
    expect(again).toMatchObject({
      phase: 'investigating',
      warnings: [],
      retractions: [{channel: 'x', status: 'already-retracted', ids: []}],
    })
    // The newest update has nothing after it: no warning.
    expect((await retractUpdate({incident: s.id, update: 2}, s.deps)).warnings).toEqual([])
  })
})

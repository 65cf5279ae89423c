/**
 * Ctrl-C during `candor retract` (services/publish/retract.ts, commands/retract.ts): as when
 * sending, the first interrupt deletes nothing new and lets a deletion in flight settle and be
 * journaled; one that does not settle within the grace is journaled as failed, saying it may or
 * may not be gone; running retract again finishes the job.
 */
import {afterEach, describe, expect, it} from 'vitest'
import type {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import type {FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import {waitFor} from '../helpers/wait.js'
import {xEnv} from '../helpers/x-incident.js'
import {threadOfThree} from '../helpers/x-thread.js'

const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

const deleteRequests = (fake: FakeX) => fake.requests.filter((r) => r.method === 'DELETE')
const journaled = async (store: FileIncidentStore, id: string) =>
  (await store.read(id)).events.flatMap((e) => (e.type === 'retraction' ? [[e.part, e.status]] : []))

describe('Ctrl-C during retract', () => {
  it('lets the deletion in flight settle and be journaled, deletes nothing new, and a second run finishes', async () => {
    const s = await threadOfThree(fakes)
    s.fake.latencyMs = 300
    const ctrlC = new AbortController()
    const retracting = retractUpdate(
      {incident: s.id, update: 1},
      {store: s.store, actor: 'alice', env: xEnv('X'), signal: ctrlC.signal, graceMs: 5000},
    )
    await waitFor(() => deleteRequests(s.fake).length === 1, {what: 'the first DELETE to reach the fake'})
    ctrlC.abort()
    const result = await retracting
    expect(result.retractions).toEqual([
      {channel: 'x', status: 'interrupted', ids: [s.ids[2]], error: 'interrupted before deleting the rest'},
    ])
    expect(deleteRequests(s.fake)).toHaveLength(1)
    expect(s.fake.tweets.map((t) => t.deleted)).toEqual([false, false, true])
    expect(await journaled(s.store, s.id)).toEqual([[3, 'deleted']])

    s.fake.latencyMs = 0
    const again = await retractUpdate({incident: s.id, update: 1}, {store: s.store, actor: 'alice', env: xEnv('X')})
    expect(again.retractions).toEqual([{channel: 'x', status: 'deleted', ids: [s.ids[1], s.ids[0]]}])
    expect(s.fake.tweets.every((t) => t.deleted)).toBe(true)
    expect(await journaled(s.store, s.id)).toEqual([
      [3, 'deleted'],
      [2, 'deleted'],
      [1, 'deleted'],
    ])
  })

  it('cuts off a deletion that outlasts the grace and journals it as failed, saying it may or may not be gone', async () => {
    const s = await threadOfThree(fakes)
    s.fake.fail({kind: 'hang'}, 1, {method: 'DELETE', path: '/2/tweets/:id'})
    const ctrlC = new AbortController()
    const retracting = retractUpdate(
      {incident: s.id, update: 1},
      {store: s.store, actor: 'alice', env: xEnv('X'), signal: ctrlC.signal, graceMs: 50, timeoutMs: 60_000},
    )
    await waitFor(() => deleteRequests(s.fake).length === 1, {what: 'the first DELETE to reach the fake'})
    ctrlC.abort()
    const result = await retracting
    expect(result.retractions[0]).toMatchObject({channel: 'x', status: 'failed', ids: []})
    expect(result.retractions[0]!.error).toMatch(/interrupted while deleting part 3; it may or may not be gone/)
    expect(deleteRequests(s.fake)).toHaveLength(1)
    expect(await journaled(s.store, s.id)).toEqual([[3, 'failed']])
  })

  it('starts no grace period without an interrupt: a slow deletion is never cut off', async () => {
    const s = await threadOfThree(fakes)
    s.fake.latencyMs = 100
    const result = await retractUpdate(
      {incident: s.id, update: 1},
      {store: s.store, actor: 'alice', env: xEnv('X'), signal: new AbortController().signal, graceMs: 1},
    )
    expect(result.retractions).toEqual([{channel: 'x', status: 'deleted', ids: [...s.ids].reverse()}])
    expect(await journaled(s.store, s.id)).toEqual([
      [3, 'deleted'],
      [2, 'deleted'],
      [1, 'deleted'],
    ])
  })

  it('deletes nothing when interrupted before it starts', async () => {
    const s = await threadOfThree(fakes)
    const ctrlC = new AbortController()
    ctrlC.abort()
    const result = await retractUpdate(
      {incident: s.id, update: 1},
      {store: s.store, actor: 'alice', env: xEnv('X'), signal: ctrlC.signal},
    )
    expect(result.retractions).toEqual([
      {channel: 'x', status: 'interrupted', ids: [], error: 'interrupted before deleting the rest'},
    ])
    expect(deleteRequests(s.fake)).toHaveLength(0)
    expect(await journaled(s.store, s.id)).toEqual([])
  })
})

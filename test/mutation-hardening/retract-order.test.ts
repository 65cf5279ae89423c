/**
 * Retracting a thread deletes its parts newest first, so the thread is never left with a
 * dangling head (services/publish/retract.ts): a test that fails when the order is reversed,
 * and one that fails when a failed deletion does not stop the rest.
 */
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/services/incident/store.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import {startFakeX, type FakeX} from '../fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

/** An incident whose first update went out on X as a thread of three parts. */
async function threadOfThree() {
  const dir = tempDir()
  const fake = await startFakeX({credentials: X_CREDENTIALS})
  fakes.push(fake)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const incident = await openIncident(store, {playbook: writeXPlaybook(dir, {x: fake}), facts: {service: 'Acme Voice', impact: 'Calls fail'}, actor: 'alice'})
  const impact = Array.from({length: 85}, (_, i) => `word${i}`).join(' ')
  const deps = {store, actor: 'alice', env: xEnv('X'), reporter: {progress() {}}, backoffMs: 5, timeoutMs: 2000}
  const published = await publishUpdate({incident: incident.id, phase: 'investigating', facts: {impact}, yes: true, interactive: false}, deps)
  expect(published.deliveries[0].status).toBe('published')
  const ids = fake.tweets.map((t) => t.id)
  expect(ids).toHaveLength(3)
  return {fake, store, id: incident.id, ids}
}

const deletions = (fake: FakeX) => fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').pop())

describe('retracting a thread', () => {
  it('deletes the newest part first and the head last, journaling each in that order', async () => {
    const s = await threadOfThree()
    const result = await retractUpdate({incident: s.id, update: 1}, {store: s.store, actor: 'alice', env: xEnv('X')})
    const reversed = [...s.ids].reverse()
    expect(deletions(s.fake)).toEqual(reversed)
    expect(result.retractions).toEqual([{channel: 'x', status: 'deleted', ids: reversed}])
    const journaled = (await s.store.read(s.id)).events.flatMap((e) => (e.type === 'retraction' ? [[e.part, e.status]] : []))
    expect(journaled).toEqual([
      [3, 'deleted'],
      [2, 'deleted'],
      [1, 'deleted'],
    ])
  })

  it('stops at a failed deletion, so the head stays up rather than leaving replies without it', async () => {
    const s = await threadOfThree()
    s.fake.fail({status: 401}, 1, {method: 'DELETE', path: '/2/tweets/:id'})
    const before = s.fake.requests.length
    const result = await retractUpdate({incident: s.id, update: 1}, {store: s.store, actor: 'alice', env: xEnv('X')})
    expect(result.retractions[0]).toMatchObject({channel: 'x', status: 'failed', ids: []})
    expect(s.fake.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(1)
    expect(deletions(s.fake)).toEqual([s.ids[2]])
    const journaled = (await s.store.read(s.id)).events.flatMap((e) => (e.type === 'retraction' ? [[e.part, e.status]] : []))
    expect(journaled).toEqual([[3, 'failed']])
  })
})

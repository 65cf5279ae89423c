/**
 * Incidents on one X account (writeXPlaybook's playbook, against a fake), opened and published
 * in-process: for tests of retract, most of all retracting a thread.
 */
import path from 'node:path'
import {expect} from 'vitest'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {openIncident} from '../../src/services/incident/service.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {tempDir} from './cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from './x-incident.js'

/** An impact of 85 words: it makes the investigating post of writeXPlaybook's playbook three parts on X. */
export const THREE_PART_IMPACT = Array.from({length: 85}, (_, i) => `word${i}`).join(' ')

/**
 * An incident on one X account (writeXPlaybook's playbook, against a fake), opened by alice:
 * the fake (added to `fakes` as soon as it starts, for the test to close), the store, the
 * incident and publish deps with the account's credentials.
 */
export async function openXIncident(fakes: FakeX[]) {
  const dir = tempDir()
  const fake = await startFakeX({credentials: X_CREDENTIALS})
  fakes.push(fake)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const incident = await openIncident(store, {
    playbook: writeXPlaybook(dir, {x: fake}),
    facts: {service: 'Acme Voice', impact: 'Calls fail'},
    actor: 'alice',
  })
  const deps = {store, actor: 'alice', env: xEnv('X'), reporter: {progress() {}}, backoffMs: 5, timeoutMs: 2000}
  return {fake, store, id: incident.id, deps}
}

/** openXIncident, its first update out as a thread of three parts: and the ids of the three tweets, in order. */
export async function threadOfThree(fakes: FakeX[]) {
  const {fake, store, id, deps} = await openXIncident(fakes)
  const published = await publishUpdate(
    {incident: id, phase: 'investigating', facts: {impact: THREE_PART_IMPACT}, yes: true, interactive: false},
    deps,
  )
  expect(published.deliveries[0].status).toBe('published')
  const ids = fake.tweets.map((t) => t.id)
  expect(ids).toHaveLength(3)
  return {fake, store, id, ids}
}

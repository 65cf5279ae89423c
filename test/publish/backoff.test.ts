import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/services/incident/store.js'
import {backoffDelay, type Clock} from '../../src/services/publish/deliver.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {startFakeX, type FakeX} from '../fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

describe('backoff with full jitter', () => {
  it('falls anywhere between 0 and the exponential cap, as the random source says', () => {
    expect(backoffDelay(1000, 0, () => 0)).toBe(0)
    expect(backoffDelay(1000, 0, () => 0.5)).toBe(500)
    expect(backoffDelay(1000, 2, () => 0.25)).toBe(1000)
    expect(backoffDelay(1000, 3, () => 0.999)).toBe(7992)
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(200, 4)
      expect(d).toBeGreaterThanOrEqual(0)
      expect(d).toBeLessThanOrEqual(200 * 2 ** 4)
    }
  })

  it('delivery waits the jittered delay the injected random source gives, and says so in the journal', async () => {
    const dir = tempDir()
    const x = await startFakeX({credentials: X_CREDENTIALS})
    fakes.push(x)
    const playbook = writeXPlaybook(dir, {x})
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const incident = await openIncident(store, {playbook, facts: {service: 'Acme Voice', impact: 'Calls fail'}, actor: 'alice'})
    const slept: number[] = []
    const clock: Clock = {now: () => new Date('2026-12-05T03:00:00Z'), sleep: async (ms) => void slept.push(ms)}
    const randoms = [0.5, 0.25]
    x.fail({status: 503}, 2, {method: 'POST', path: '/2/tweets'})
    const result = await publishUpdate(
      {incident: incident.id, phase: 'investigating', facts: {}, yes: true, interactive: false, channels: ['x']},
      {store, actor: 'alice', env: xEnv('X'), reporter: {progress() {}}, clock, backoffMs: 4000, timeoutMs: 2000, random: () => randoms.shift()!},
    )
    expect(result.deliveries[0].status).toBe('published')
    // Caps 4 s then 8 s; the random source puts the waits at half and a quarter of them.
    expect(slept).toEqual([2000, 2000])
    const failures = (await store.read(incident.id)).events.flatMap((e) => (e.type === 'delivery_result' && e.status === 'failed' ? [e.error] : []))
    expect(failures.map((e) => e?.replace(/^.*; /, ''))).toEqual(['retrying in 2s', 'retrying in 2s'])
  })
})

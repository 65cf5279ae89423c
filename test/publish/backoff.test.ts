import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {backoffDelay, type Clock} from '../../src/services/publish/deliver.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
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
    // A floor (before looking for a part that may have arrived) lifts the low end, never past the cap.
    expect(backoffDelay(1000, 0, () => 0, 1000)).toBe(1000)
    expect(backoffDelay(1000, 2, () => 0.5, 1000)).toBe(2500)
    expect(backoffDelay(1000, 0, () => 0.5, 5000)).toBe(1000)
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(200, 4)
      expect(d).toBeGreaterThanOrEqual(0)
      expect(d).toBeLessThanOrEqual(200 * 2 ** 4)
    }
  })

  it('delivery waits the jittered delay the injected random source gives, at least the first backoff before it looks again', async () => {
    const dir = tempDir()
    const x = await startFakeX({credentials: X_CREDENTIALS})
    fakes.push(x)
    const playbook = writeXPlaybook(dir, {x})
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const incident = await openIncident(store, {
      playbook,
      facts: {service: 'Acme Voice', impact: 'Calls fail'},
      actor: 'alice',
    })
    const slept: number[] = []
    const clock: Clock = {now: () => new Date('2026-12-05T03:00:00Z'), sleep: async (ms) => void slept.push(ms)}
    const randoms = [0.5, 0.25]
    x.fail({status: 503}, 2, {method: 'POST', path: '/2/tweets'})
    const result = await publishUpdate(
      {incident: incident.id, phase: 'investigating', facts: {}, yes: true, interactive: false, channels: ['x']},
      {
        store,
        actor: 'alice',
        env: xEnv('X'),
        reporter: {progress() {}},
        clock,
        backoffMs: 4000,
        timeoutMs: 2000,
        random: () => randoms.shift()!,
      },
    )
    expect(result.deliveries[0].status).toBe('published')
    // A 503 may have arrived and X can be asked, so each wait is at least the first backoff (4 s):
    // the first is exactly 4 s, the second a quarter of the way from 4 s to its cap of 8 s.
    expect(slept).toEqual([4000, 5000])
    const failures = (await store.read(incident.id)).events.flatMap((e) =>
      e.type === 'delivery_result' && e.status === 'failed' ? [e.error] : [],
    )
    expect(failures.map((e) => e?.replace(/^.*; /, ''))).toEqual(['retrying in 4s', 'retrying in 5s'])
  })
})

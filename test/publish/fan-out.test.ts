import {readFileSync} from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import {afterEach, describe, expect, it} from 'vitest'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {publishUpdate, type PublishDeps} from '../../src/services/publish/publish.js'
import type {HeldRequest} from '../../src/infrastructure/sandbox/fakes/fake-server.js'
import {
  allChannelsEnv,
  CHANNELS,
  closeFakes,
  EXAMPLE_FACTS,
  FAKE_OF,
  startFakes,
  writeAllChannelsPlaybook,
  type FakeName,
  type Fakes,
} from '../helpers/all-channels.js'
import {tempDir} from '../helpers/cli.js'
import {Barrier} from '../helpers/wait.js'

/**
 * Publishing sends every channel at once. Shown, not timed: each fake holds the first post
 * it gets until every channel has a post in flight; were the channels sent one after another,
 * the first would wait for the others in vain and the barrier's deadline would fail the test.
 */

let fakes: Fakes | undefined
afterEach(async () => {
  if (fakes) await closeFakes(fakes)
  fakes = undefined
})

/** A post, not a read: what is held (reads of limits or of a timeline may come before the fan-out). */
const isPost = (r: HeldRequest) => r.method !== 'GET'

describe('the fan-out', () => {
  it('has a post in flight on every channel at once, and every fake sees it', async () => {
    const f = (fakes = await startFakes())
    const channels = CHANNELS.filter((c) => FAKE_OF[c.name] !== undefined)
    const names = channels.map((c) => FAKE_OF[c.name]!) satisfies FakeName[]
    expect(new Set(names).size).toBe(channels.length)
    const barrier = new Barrier(names, {what: 'a post on every channel', timeoutMs: 5000})
    for (const name of names) f[name].inFlight.hold((r) => (isPost(r) ? barrier.arrive(name) : undefined))

    const dir = tempDir()
    const playbook = writeAllChannelsPlaybook(dir, f, channels)
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const facts = yaml.load(readFileSync(EXAMPLE_FACTS, 'utf8')) as Record<string, string>
    const incident = await openIncident(store, {playbook, facts, actor: 'dana'})
    // A request timeout past the barrier's deadline: a missed barrier fails by its own message.
    const deps: PublishDeps = {
      store,
      actor: 'dana',
      env: allChannelsEnv(f),
      reporter: {progress() {}},
      backoffMs: 5,
      timeoutMs: 15_000,
    }
    const result = await publishUpdate(
      {incident: incident.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      deps,
    )

    barrier.assertMet()
    expect(result.deliveries.filter((d) => d.status !== 'published')).toEqual([])
    for (const name of names) {
      expect(f[name].inFlight.max, name).toBeGreaterThanOrEqual(1)
      expect(f[name].inFlight.current, name).toBe(0)
    }
  })
})

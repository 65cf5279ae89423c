import {appendFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {loadIncident, openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {approveDraft} from '../../src/services/publish/drafts.js'
import {alreadyCarried} from '../../src/services/publish/duplicates.js'
import {publishUpdate, type PublishDeps} from '../../src/services/publish/publish.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

/** Two X accounts (channels x and brand-x); `approvals` people must approve each update. */
async function setup(approvals = 1) {
  const dir = tempDir()
  const main = await startFakeX({credentials: X_CREDENTIALS})
  const brand = await startFakeX({credentials: X_CREDENTIALS})
  fakes.push(main, brand)
  const playbook = writeXPlaybook(dir, {x: main, 'brand-x': brand})
  if (approvals > 1) appendFileSync(playbook, `approval:\n  required: ${approvals}\n`)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const incident = await openIncident(store, {
    playbook,
    facts: {service: 'Acme Voice', impact: 'Calls fail'},
    actor: 'alice',
  })
  const deps = (actor: string): PublishDeps => ({
    store,
    actor,
    env: {...xEnv('X'), ...xEnv('BRAND_X')},
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 2000,
  })
  const state = async () => (await loadIncident(store, incident.id)).state
  return {main, brand, store, id: incident.id, deps, state}
}

describe('which channels already have an update', () => {
  it('a channel declined at approval gets the update on the next publish; the one that has it is skipped', async () => {
    const s = await setup()
    await publishUpdate(
      {
        incident: s.id,
        phase: 'investigating',
        facts: {},
        interactive: true,
        approver: {approve: async (r) => ({action: 'publish', channels: ['x'], posts: r.posts})},
      },
      s.deps('alice'),
    )
    const next = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      s.deps('alice'),
    )
    expect(next.update).toBe(2)
    expect(next.deliveries.map((d) => [d.channel, d.status, d.already?.update])).toEqual([
      ['brand-x', 'published', undefined],
      ['x', 'skipped', 1],
    ])
    expect([s.main.tweets.length, s.brand.tweets.length]).toEqual([1, 1])
    expect((await s.state()).updates[1].posts.map((p) => p.channel)).toEqual(['brand-x'])
  })

  it('only the latest update of a channel counts: a later phase, other facts or a retraction mean it lacks this one', async () => {
    const s = await setup()
    await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false, channels: ['x']},
      s.deps('alice'),
    )
    const facts = (await s.state()).facts
    expect(alreadyCarried(await s.state(), 'investigating', facts, ['x', 'brand-x'])).toEqual([
      {channel: 'x', update: 1, status: 'published'},
    ])
    // Other facts: a new update.
    expect(alreadyCarried(await s.state(), 'investigating', {...facts, impact: 'Calls drop'}, ['x'])).toEqual([])
    // Unset facts (null) are the same as absent ones.
    expect(alreadyCarried(await s.state(), 'investigating', {...facts, cause: null}, ['x'])).toHaveLength(1)

    await publishUpdate(
      {incident: s.id, phase: 'identified', facts: {}, yes: true, interactive: false, channels: ['x']},
      s.deps('alice'),
    )
    expect(alreadyCarried(await s.state(), 'investigating', facts, ['x'])).toEqual([])
    expect(alreadyCarried(await s.state(), 'identified', facts, ['x'])).toEqual([
      {channel: 'x', update: 2, status: 'published'},
    ])

    // Update 2 taken down: x's latest is update 1 again.
    await retractUpdate({incident: s.id, update: 2}, {store: s.store, actor: 'alice', env: xEnv('X')})
    expect(alreadyCarried(await s.state(), 'identified', facts, ['x'])).toEqual([])
    expect(alreadyCarried(await s.state(), 'investigating', facts, ['x'])).toEqual([
      {channel: 'x', update: 1, status: 'published'},
    ])
  })

  it('two-person approval: the draft covers only the channels lacking the update, and sends only to them', async () => {
    const s = await setup(2)
    const first = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false, channels: ['x']},
      s.deps('alice'),
    )
    await approveDraft({draft: first.pending!.draft, yes: true, interactive: false}, s.deps('bob'))
    expect([s.main.tweets.length, s.brand.tweets.length]).toEqual([1, 0])

    const second = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      s.deps('alice'),
    )
    expect(second.already).toEqual([{channel: 'x', update: 1, status: 'published'}])
    expect((await s.state()).drafts.get(second.pending!.draft)!.channels).toEqual(['brand-x'])
    const sent = await approveDraft({draft: second.pending!.draft, yes: true, interactive: false}, s.deps('bob'))
    expect(sent.published!.deliveries.map((d) => [d.channel, d.status])).toEqual([['brand-x', 'published']])
    expect([s.main.tweets.length, s.brand.tweets.length]).toEqual([1, 1])

    // Everything has it now: no draft, nothing to approve.
    const third = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      s.deps('alice'),
    )
    expect(third.update).toBeNull()
    expect(third.pending).toBeUndefined()
    expect(third.deliveries.map((d) => [d.channel, d.status, d.already?.update])).toEqual([
      ['x', 'skipped', 1],
      ['brand-x', 'skipped', 2],
    ])
  })
})

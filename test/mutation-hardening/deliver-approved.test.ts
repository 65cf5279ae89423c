/**
 * The second half of publishing (services/publish/deliver-approved.ts), called directly with
 * an approved update: what is journaled in the one write (before, facts changed, rendered,
 * approved with the declined, after), which channels are sent, declined or left out as
 * already carrying the update, the credential check on what goes out only, the lock checked
 * before writing. Fake X servers and the file store.
 */
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {startFakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import type {NewEvent, RenderedPostRecord} from '../../src/services/incident/events.js'
import {incidentPlaybook, loadIncident, openIncident} from '../../src/services/incident/service.js'
import {deliverApproved, type PublishDeps} from '../../src/services/publish/publish.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

const NOW = new Date('2026-11-25T00:10:00.000Z')

async function world() {
  const dir = tempDir()
  const main = await startFakeX({credentials: X_CREDENTIALS})
  const brand = await startFakeX({credentials: X_CREDENTIALS})
  closers.push(
    () => main.close(),
    () => brand.close(),
  )
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const {id} = await openIncident(store, {
    playbook: writeXPlaybook(dir, {x: main, 'brand-x': brand}),
    facts: {service: 'Acme Voice', impact: 'Calls fail'},
    actor: 'alice',
    id: 'voice-1',
  })
  const deps: PublishDeps = {
    store,
    actor: 'bob',
    env: {...xEnv('X'), ...xEnv('BRAND_X')},
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 2000,
  }
  const {state} = await loadIncident(store, id)
  const post = (channel: string, text: string): RenderedPostRecord => ({
    channel,
    type: 'x',
    parts: [{text, length: text.length, limit: 280}],
  })
  const base = {state, playbook: incidentPlaybook(state), phase: 'investigating', update: 1, now: NOW, warnings: []}
  return {main, brand, store, id, deps, post, base}
}

describe('deliverApproved', () => {
  it('journals everything in one write, in order, then sends the chosen channels only', async () => {
    const w = await world()
    const held: string[] = []
    const lock = {release: async () => {}, ensureHeld: async () => void held.push('checked')}
    const before: NewEvent[] = [{type: 'note', by: 'bob', text: 'before'}]
    const after: NewEvent[] = [{type: 'note', by: 'bob', text: 'after'}]
    const result = await deliverApproved(
      {
        ...w.base,
        nextUpdateDue: '2026-11-25T00:40:00.000Z',
        posts: [w.post('x', 'to main'), w.post('brand-x', 'to brand')],
        channels: ['brand-x'],
        facts: {service: 'Acme Voice', impact: 'Calls drop', cause: undefined},
        warnings: ['a warning'],
        lock: lock as never,
        before,
        after,
        draft: {id: 'd-1', approvers: ['alice', 'bob']},
      },
      w.deps,
    )
    expect(held).toEqual(['checked'])
    expect(result).toEqual({
      incident: w.id,
      phase: 'investigating',
      update: 1,
      deliveries: [
        {channel: 'brand-x', status: 'published', ids: [w.brand.tweets[0].id], urls: [expect.any(String)]},
        {channel: 'x', status: 'skipped', ids: [], urls: []},
      ],
      warnings: ['a warning'],
    })
    expect(w.main.tweets).toHaveLength(0)
    expect(w.brand.tweets.map((t) => t.text)).toEqual(['to brand'])
    const events = (await w.store.read(w.id)).events
    expect(events.map((e) => e.type)).toEqual([
      'opened',
      'note',
      'facts_changed',
      'rendered',
      'approved',
      'note',
      'delivery_attempt',
      'delivery_result',
    ])
    expect(events[2]).toMatchObject({
      changes: [{fact: 'impact', from: 'Calls fail', to: 'Calls drop'}],
      at: NOW.toISOString(),
    })
    expect(events[3]).toMatchObject({update: 1, phase: 'investigating', next_update_due: '2026-11-25T00:40:00.000Z'})
    expect(events[4]).toMatchObject({
      by: 'bob',
      channels: ['brand-x'],
      declined: ['x'],
      draft: 'd-1',
      approvers: ['alice', 'bob'],
    })
    expect(events[5]).toMatchObject({text: 'after'})
  })

  it('leaves channels that already carry the update out altogether, reporting them as skipped with their posts', async () => {
    const w = await world()
    const result = await deliverApproved(
      {
        ...w.base,
        posts: [w.post('x', 'to main'), w.post('brand-x', 'to brand')],
        channels: ['x', 'brand-x'],
        facts: {service: 'Acme Voice', impact: 'Calls fail'},
        already: [{channel: 'x', update: 7, status: 'pending'}],
      },
      w.deps,
    )
    expect(result.already).toEqual([{channel: 'x', update: 7, status: 'pending'}])
    expect(result.deliveries).toEqual([
      {channel: 'brand-x', status: 'published', ids: [expect.any(String)], urls: [expect.any(String)]},
      {channel: 'x', status: 'skipped', ids: [], urls: [], already: {update: 7, status: 'pending'}},
    ])
    expect(w.main.tweets).toHaveLength(0)
    const events = (await w.store.read(w.id)).events
    // Not journaled as declined, nor rendered: not part of this update at all; no facts changed.
    expect(events.map((e) => e.type)).not.toContain('facts_changed')
    expect(events.find((e) => e.type === 'approved')).toMatchObject({channels: ['brand-x'], declined: []})
    expect(events.find((e) => e.type === 'rendered')).toMatchObject({
      posts: [expect.objectContaining({channel: 'brand-x'})],
    })
    // Nothing skipped as already carried: no `already` in the result.
    const plain = await deliverApproved(
      {...w.base, update: 2, posts: [w.post('x', 'again')], channels: ['x'], facts: {}, already: []},
      w.deps,
    )
    expect(plain).not.toHaveProperty('already')
  })

  it('refuses a credential in a post that goes out, before writing or sending anything; a declined one does not matter', async () => {
    const w = await world()
    const leak = `token ${X_CREDENTIALS.accessSecret}`
    await expect(
      deliverApproved(
        {...w.base, posts: [w.post('x', leak)], channels: ['x'], facts: {service: 'Acme Voice', impact: 'Calls fail'}},
        w.deps,
      ),
    ).rejects.toMatchObject({code: 'credential_in_post'})
    expect((await w.store.read(w.id)).events.map((e) => e.type)).toEqual(['opened'])
    expect(w.main.requests).toHaveLength(0)
    const result = await deliverApproved(
      {
        ...w.base,
        posts: [w.post('x', leak), w.post('brand-x', 'fine')],
        channels: ['brand-x'],
        facts: {service: 'Acme Voice', impact: 'Calls fail'},
      },
      w.deps,
    )
    expect(result.deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['brand-x', 'published'],
      ['x', 'skipped'],
    ])
  })
})

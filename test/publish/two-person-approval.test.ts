import {appendFileSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {PgIncidentStore} from '../../src/infrastructure/store/postgres.js'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import type {IncidentStore} from '../../src/services/incident/store.js'
import {approveDraft, listDrafts, publishDraft} from '../../src/services/publish/drafts.js'
import {publishUpdate, type PublishDeps} from '../../src/services/publish/publish.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'
import {freshDatabase, PG_URL} from '../team/pg.js'
import {testClock} from '../helpers/test-clock.js'

/**
 * Two-person approval and drafts, in process and with the injected clock, on every store:
 * the file store always, PostgreSQL where there is one (test/team covers it through the CLI).
 * The same scenarios run on each, so neither store can drift from the rules.
 */

interface StoreKind {
  name: string
  open(dir: string): Promise<{store: IncidentStore; close(): Promise<void>}>
}

const STORES: StoreKind[] = [
  {
    name: 'the file store',
    open: async (dir) => ({store: new FileIncidentStore(path.join(dir, 'state')), close: async () => {}}),
  },
]
if (PG_URL) {
  STORES.push({
    name: 'PostgreSQL',
    open: async () => {
      const store = new PgIncidentStore(await freshDatabase())
      return {store, close: () => store.close()}
    },
  })
}

const T0 = Date.parse('2026-11-25T00:10:00Z')
const MIN = 60_000

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

describe.each(STORES)('two-person approval on $name', (kind) => {
  /** An incident whose playbook needs two approvals for every update; Alice, Bob and Carol work on it. */
  async function world(opts: {onlyIdentified?: boolean} = {}) {
    const dir = tempDir()
    const x: FakeX = await startFakeX({credentials: X_CREDENTIALS})
    closers.push(() => x.close())
    const playbook = writeXPlaybook(dir, {x})
    // Every update needs two approvals, or (onlyIdentified) just the "identified" one.
    if (opts.onlyIdentified)
      writeFileSync(
        playbook,
        readFileSync(playbook, 'utf8').replace('  identified:\n', '  identified:\n    approval: { required: 2 }\n'),
      )
    else appendFileSync(playbook, 'approval: { required: 2 }\n')
    const {store, close} = await kind.open(dir)
    closers.push(close)
    const {id} = await openIncident(store, {
      playbook,
      facts: {service: 'Acme Voice', impact: 'Calls fail'},
      actor: 'Alice',
      id: 'voice-1',
      now: new Date(T0),
    })
    const clock = testClock(T0)
    const base: PublishDeps = {
      store,
      actor: 'Alice',
      env: xEnv(),
      reporter: {progress() {}},
      clock,
      backoffMs: 5,
      timeoutMs: 5000,
    }
    const as = (actor: string): PublishDeps => ({...base, actor})
    const request = (
      actor: string,
      extra: {draftTtlMs?: number; phase?: string; facts?: Record<string, string>} = {},
    ) =>
      publishUpdate(
        {incident: id, phase: 'investigating', facts: {}, yes: true, interactive: false, ...extra},
        as(actor),
      )
    const types = async () => (await store.read(id)).events.map((e) => [e.type, e.by])
    return {x, store, id, clock, as, request, types}
  }

  it('a request sends nothing; its requester approving again counts once; a second person sends it', async () => {
    const w = await world()
    const drafted = await w.request('Alice')
    const draft = drafted.pending!.draft
    expect(drafted.pending).toMatchObject({
      draft: expect.stringMatching(/^d-[0-9a-f]{8}$/),
      status: 'pending-approval',
      approvals: ['Alice'],
      required: 2,
    })
    expect(drafted.deliveries).toEqual([])
    expect(w.x.requests).toHaveLength(0)
    expect(await listDrafts(w.store, {now: w.clock.now()})).toEqual([
      expect.objectContaining({
        draft,
        incident: w.id,
        phase: 'investigating',
        requested_by: 'Alice',
        approvals: ['Alice'],
        required: 2,
        status: 'pending-approval',
      }),
    ])

    // Self-approval, however the name is written, and publishing the same again, add nothing.
    for (const actor of ['Alice', '  ALICE ']) {
      const again = await approveDraft({draft, yes: true, interactive: false}, w.as(actor))
      expect({recorded: again.recorded, published: again.published}).toEqual({recorded: false, published: undefined})
      expect(again.pending).toMatchObject({status: 'pending-approval', approvals: ['Alice'], required: 2})
    }
    expect((await w.request('Alice')).pending).toMatchObject({draft, approvals: ['Alice']})
    await expect(publishDraft({draft, yes: true, interactive: false}, w.as('Alice'))).rejects.toMatchObject({
      code: 'approval_missing',
      exit: 4,
    })
    expect(w.x.requests).toHaveLength(0)

    w.clock.advance(MIN)
    const sent = await approveDraft({draft, yes: true, interactive: false}, w.as('Bob'))
    expect(sent.recorded).toBe(true)
    expect(sent.published!.deliveries.map((d) => [d.channel, d.status])).toEqual([['x', 'published']])
    expect(w.x.tweets).toHaveLength(1)
    const events = (await w.store.read(w.id)).events
    expect(
      events.filter((e) => e.type.startsWith('draft_') || e.type === 'approved').map((e) => [e.type, e.by]),
    ).toEqual([
      ['draft_created', 'Alice'],
      ['draft_approved', 'Alice'],
      ['draft_approved', 'Bob'],
      ['approved', 'Bob'],
      ['draft_published', 'Bob'],
    ])
    expect(events.find((e) => e.type === 'approved')).toMatchObject({
      draft,
      approvers: ['Alice', 'Bob'],
      at: '2026-11-25T00:11:00.000Z',
    })
    expect(await listDrafts(w.store, {now: w.clock.now()})).toEqual([])
    await expect(approveDraft({draft, yes: true, interactive: false}, w.as('Carol'))).rejects.toMatchObject({
      code: 'draft_published',
    })
    expect(w.x.tweets).toHaveLength(1)
  })

  it('approved without publishing, a third person publishes it', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const approved = await approveDraft({draft, yes: true, interactive: false, publish: false}, w.as('Bob'))
    expect(approved.pending).toMatchObject({status: 'approved', approvals: ['Alice', 'Bob'], required: 2})
    expect(approved.published).toBeUndefined()
    expect(w.x.requests).toHaveLength(0)
    expect(await listDrafts(w.store, {now: w.clock.now()})).toEqual([
      expect.objectContaining({draft, status: 'approved'}),
    ])

    const sent = await publishDraft({draft, yes: true, interactive: false}, w.as('Carol'))
    expect(sent).toMatchObject({
      incident: w.id,
      phase: 'investigating',
      update: 1,
      deliveries: [{channel: 'x', status: 'published'}],
    })
    expect(w.x.tweets).toHaveLength(1)
    const events = (await w.store.read(w.id)).events
    expect(events.find((e) => e.type === 'approved')).toMatchObject({by: 'Carol', draft, approvers: ['Alice', 'Bob']})
  })

  it('a draft expires on the injected clock: listed until then, refused after, nothing sent', async () => {
    const w = await world()
    const draft = (await w.request('Alice', {draftTtlMs: 10 * MIN})).pending!.draft
    w.clock.advance(10 * MIN - 1000)
    expect(await listDrafts(w.store, {now: w.clock.now()})).toEqual([expect.objectContaining({draft})])

    w.clock.advance(2000)
    expect(await listDrafts(w.store, {now: w.clock.now()})).toEqual([])
    await expect(approveDraft({draft, yes: true, interactive: false}, w.as('Bob'))).rejects.toMatchObject({
      code: 'draft_expired',
    })
    await expect(publishDraft({draft, yes: true, interactive: false}, w.as('Bob'))).rejects.toMatchObject({
      code: 'draft_expired',
    })
    expect(w.x.requests).toHaveLength(0)
    // The expiry is journaled once, by whoever found it.
    expect((await w.types()).filter(([type]) => type === 'draft_expired')).toEqual([['draft_expired', 'Bob']])
  })

  it('approvals lapse when the facts under a draft change: the new text needs two approvals again', async () => {
    const w = await world({onlyIdentified: true})
    const draft = (await w.request('Alice', {phase: 'identified', facts: {cause: 'a bad deploy'}})).pending!.draft
    // Meanwhile an update that needs one approval changes a fact the draft uses.
    const other = await w.request('Bob', {facts: {service: 'Acme Voice Mobile'}})
    expect(other.deliveries.map((d) => d.status)).toEqual(['published'])

    const shown: string[] = []
    const revised = await approveDraft(
      {draft, yes: true, interactive: false, show: (v) => shown.push(v.posts[0].parts[0].text)},
      w.as('Carol'),
    )
    expect(revised.view.revised).toContain('earlier approvals no longer count')
    expect(shown).toEqual([
      'We found the cause of the Acme Voice Mobile problems: a bad deploy. A fix is being rolled out.',
    ])
    expect(revised.pending).toMatchObject({status: 'pending-approval', approvals: ['Carol'], required: 2})
    expect(w.x.tweets).toHaveLength(1)
    await expect(publishDraft({draft, yes: true, interactive: false}, w.as('Carol'))).rejects.toMatchObject({
      code: 'approval_missing',
      exit: 4,
    })

    const sent = await approveDraft({draft, yes: true, interactive: false}, w.as('Alice'))
    expect(sent.published!.deliveries[0].status).toBe('published')
    expect(w.x.tweets.map((t) => t.text)[1]).toBe(
      'We found the cause of the Acme Voice Mobile problems: a bad deploy. A fix is being rolled out.',
    )
    expect(w.x.tweets[1].inReplyTo).toBe(w.x.tweets[0].id)
  })
})

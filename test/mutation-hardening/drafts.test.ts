/**
 * Drafts (services/publish/drafts.ts) beyond the happy paths of two-person-approval.test.ts:
 * what approving and sending a draft refuse, and what they say; how publishing the same
 * thing again meets an open draft; drafts replaced, expired, listed across incidents; the
 * hashes and names approvals rest on. File store, injected clock, a fake X.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'
import type {RenderedPostRecord} from '../../src/services/incident/events.js'
import type {DraftState} from '../../src/services/incident/state.js'
import {
  approveDraft,
  contentHash,
  currentApprovals,
  DEFAULT_DRAFT_TTL_MS,
  findDraftIncident,
  isExpired,
  listDrafts,
  publishDraft,
  samePerson,
  sourceHash,
  type DraftView,
} from '../../src/services/publish/drafts.js'
import {approvalWorld} from '../helpers/approval-world.js'

const T0 = Date.parse('2026-11-25T00:10:00Z')
const MIN = 60_000

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

/** Incidents whose playbook needs two approvals (unless told otherwise); Alice, Bob and Carol work on them. */
async function world(opts: {required?: number} = {}) {
  const w = await approvalWorld({start: T0, ...opts})
  closers.push(w.close)
  return w
}

describe('approving a draft: what it refuses', () => {
  it('needs a person or --yes, saying why no one can be asked; nothing is recorded', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const before = (await w.events()).length
    await expect(
      approveDraft({draft, interactive: false, noPromptReason: 'stdin is not a terminal'}, w.as('Bob')),
    ).rejects.toMatchObject({
      code: 'approval_required',
      exit: 4,
      message: 'approving needs a person, and no one can be asked: stdin is not a terminal',
    })
    await expect(approveDraft({draft, interactive: false}, w.as('Bob'))).rejects.toMatchObject({
      message: 'approving needs a person, and no one can be asked: no terminal',
    })
    // A terminal but nothing to ask with.
    await expect(approveDraft({draft, interactive: true}, w.as('Bob'))).rejects.toMatchObject({
      code: 'approval_required',
    })
    expect((await w.events()).length).toBe(before)
    expect(w.x.requests).toHaveLength(0)
  })

  it('asks the person what it is about to do, and records nothing when they say no', async () => {
    const w = await world({required: 3})
    const draft = (await w.request('Alice')).pending!.draft
    const asked: Array<[string, DraftView['approvals']]> = []
    const confirm = (answer: boolean) => async (view: DraftView, action: string) => {
      asked.push([action, view.approvals])
      return answer
    }
    await expect(approveDraft({draft, interactive: true, confirm: confirm(false)}, w.as('Bob'))).rejects.toMatchObject({
      code: 'aborted',
      exit: 4,
      message: 'not approved: nothing was recorded or sent',
    })
    const bob = await approveDraft({draft, interactive: true, confirm: confirm(true)}, w.as('Bob'))
    expect(bob).toMatchObject({recorded: true, pending: {status: 'pending-approval', approvals: ['Alice', 'Bob']}})
    // Carol's approval completes it, without sending it.
    const carol = await approveDraft({draft, interactive: true, publish: false, confirm: confirm(true)}, w.as('Carol'))
    expect(carol.pending).toMatchObject({status: 'approved', approvals: ['Alice', 'Bob', 'Carol'], required: 3})
    // Alice, approved already, sending the complete draft: asked to publish.
    const sent = await approveDraft({draft, interactive: true, confirm: confirm(true)}, w.as('Alice'))
    expect(sent.recorded).toBe(false)
    expect(sent.published?.deliveries.map((d) => d.status)).toEqual(['published'])
    expect(asked.map(([action]) => action)).toEqual(['approve', 'approve', 'approve', 'publish'])
    expect(asked[0][1]).toEqual(['Alice'])
    expect(w.x.tweets).toHaveLength(1)
  })

  it('says approve-and-publish when this approval completes the draft', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const actions: string[] = []
    await approveDraft(
      {draft, interactive: true, confirm: async (_v, action) => Boolean(actions.push(action))},
      w.as('Bob'),
    )
    expect(actions).toEqual(['approve-and-publish'])
  })

  it('an approval counted already is said to be, and not recorded twice', async () => {
    const w = await world({required: 3})
    const draft = (await w.request('Alice')).pending!.draft
    const again = await approveDraft({draft, yes: true, interactive: false}, w.as('alice'))
    expect(again.recorded).toBe(false)
    expect(again.warnings).toContain('alice already approved draft ' + draft + ': an approval counts once per person')
    expect(again.view.already_approved).toBe(true)
    expect((await w.events()).filter((e) => e.type === 'draft_approved')).toHaveLength(1)
  })

  it('refuses, before recording anything, an approval that completes a draft this machine cannot send', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const before = (await w.events()).length
    await expect(approveDraft({draft, yes: true, interactive: false}, w.as('Bob', {}))).rejects.toMatchObject({
      code: 'credentials_missing',
      message: expect.stringMatching(
        new RegExp(
          `^nothing was recorded: this approval completes draft ${draft}, but this machine can't publish it: missing credentials: set CANDOR_X_APP_KEY, `,
        ),
      ),
      suggestions: [expect.stringContaining(`candor publish --draft ${draft}`)],
    })
    expect((await w.events()).length).toBe(before)
    // Without sending, no credentials are needed.
    const approved = await approveDraft({draft, yes: true, interactive: false, publish: false}, w.as('Bob', {}))
    expect(approved.pending?.status).toBe('approved')
  })

  it('names a draft that does not exist, in the incident or anywhere', async () => {
    const w = await world()
    await expect(
      approveDraft({draft: 'd-00000000', incident: w.id, yes: true, interactive: false}, w.as('Bob')),
    ).rejects.toMatchObject({
      code: 'draft_not_found',
      message: `incident ${w.id} has no draft "d-00000000"`,
    })
    await expect(approveDraft({draft: 'd-00000000', yes: true, interactive: false}, w.as('Bob'))).rejects.toMatchObject(
      {
        code: 'draft_not_found',
        message: `no draft "d-00000000" in ${w.store.location}`,
      },
    )
  })

  it('finds the incident of a draft among several', async () => {
    const w = await world()
    await w.open('voice-2')
    const draft = (await w.request('Alice')).pending!.draft
    const other = (await w.request('Alice', {}, 'voice-2')).pending!.draft
    expect(await findDraftIncident(w.store, draft)).toBe(w.id)
    expect(await findDraftIncident(w.store, other)).toBe('voice-2')
  })

  it('a draft replaced by publishing other content points at the newer one', async () => {
    const w = await world()
    const first = (await w.request('Alice')).pending!.draft
    w.clock.advance(MIN)
    const second = (await w.request('Alice', {facts: {impact: 'Calls drop'}})).pending!.draft
    expect(second).not.toBe(first)
    const superseded = (await w.events()).find((e) => e.type === 'draft_superseded')
    expect(superseded).toMatchObject({by: 'Alice', draft: first, superseded_by: second})
    await expect(approveDraft({draft: first, yes: true, interactive: false}, w.as('Bob'))).rejects.toMatchObject({
      code: 'draft_superseded',
      message: `draft ${first} was replaced by draft ${second} (the posts were published again with other content)`,
      suggestions: [`Approve the newer one: \`candor approve ${second}\``],
    })
    expect((await listDrafts(w.store, {now: w.clock.now()})).map((d) => d.draft)).toEqual([second])
  })

  it('a published draft says which update it became', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    await approveDraft({draft, yes: true, interactive: false}, w.as('Bob'))
    await expect(publishDraft({draft, yes: true, interactive: false}, w.as('Carol'))).rejects.toMatchObject({
      code: 'draft_published',
      message: `draft ${draft} was already published as update 1`,
      suggestions: [`See it with \`candor status --incident ${w.id}\``],
    })
  })

  it('an expired draft names its expiry and how to make a new one', async () => {
    const w = await world()
    const draft = (await w.request('Alice', {draftTtlMs: MIN})).pending!.draft
    w.clock.advance(MIN)
    await expect(approveDraft({draft, yes: true, interactive: false}, w.as('Bob'))).rejects.toMatchObject({
      code: 'draft_expired',
      message: `draft ${draft} expired at 2026-11-25T00:11:00.000Z without the approvals it needed`,
      suggestions: [expect.stringContaining(`candor publish --incident ${w.id} --phase investigating`)],
    })
    // Refused again without journaling the expiry twice.
    await expect(approveDraft({draft, yes: true, interactive: false}, w.as('Carol'))).rejects.toMatchObject({
      code: 'draft_expired',
    })
    expect((await w.events()).filter((e) => e.type === 'draft_expired')).toHaveLength(1)
  })
})

describe('sending an approved draft: what it refuses', () => {
  async function approved() {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    await approveDraft({draft, yes: true, interactive: false, publish: false}, w.as('Bob'))
    return {w, draft}
  }

  it('needs every approval, naming who gave them', async () => {
    const w = await world({required: 3})
    const draft = (await w.request('Alice')).pending!.draft
    await expect(publishDraft({draft, yes: true, interactive: false}, w.as('Bob'))).rejects.toMatchObject({
      code: 'approval_missing',
      message: `draft ${draft} has 1 of the 3 approvals it needs (Alice): nothing was sent`,
      suggestions: [`Ask someone else to run \`candor approve ${draft}\``],
    })
  })

  it('needs a person or --yes; a person who says no sends nothing', async () => {
    const {w, draft} = await approved()
    await expect(
      publishDraft({draft, interactive: false, noPromptReason: 'stdout is not a terminal'}, w.as('Carol')),
    ).rejects.toMatchObject({
      code: 'approval_required',
      message: 'publishing needs approval, and no one can be asked: stdout is not a terminal',
      suggestions: ['Pass --yes to send the approved draft in a script'],
    })
    await expect(publishDraft({draft, interactive: false}, w.as('Carol'))).rejects.toMatchObject({
      message: 'publishing needs approval, and no one can be asked: no terminal',
    })
    await expect(publishDraft({draft, interactive: true}, w.as('Carol'))).rejects.toMatchObject({
      code: 'approval_required',
    })
    const views: DraftView[] = []
    await expect(
      publishDraft({draft, interactive: true, show: (v) => views.push(v), confirm: async () => false}, w.as('Carol')),
    ).rejects.toMatchObject({code: 'aborted', exit: 4, message: 'not published: nothing was sent'})
    expect(views[0]).toMatchObject({
      draft,
      incident: w.id,
      phase: 'investigating',
      channels: ['x'],
      declined: [],
      requested_by: 'Alice',
      approvals: ['Alice', 'Bob'],
      required: 2,
      already_approved: false,
    })
    expect(views[0]).not.toHaveProperty('revised')
    expect(w.x.requests).toHaveLength(0)
    const sent = await publishDraft({draft, interactive: true, confirm: async () => true}, w.as('Bob'))
    expect(sent.deliveries.map((d) => d.status)).toEqual(['published'])
  })

  it('needs the credentials on this machine', async () => {
    const {w, draft} = await approved()
    await expect(publishDraft({draft, yes: true, interactive: false}, w.as('Carol', {}))).rejects.toMatchObject({
      code: 'credentials_missing',
      message: expect.stringMatching(/^nothing was published: missing credentials: set CANDOR_X_APP_KEY, /),
    })
  })

  it('refuses a draft whose posts no longer render as approved', async () => {
    const {w, draft} = await approved()
    // The playbook's template changed since the approvals.
    writeFileSync(w.playbook, readFileSync(w.playbook, 'utf8').replace('We are investigating', 'We investigate'))
    await expect(publishDraft({draft, yes: true, interactive: false}, w.as('Carol'))).rejects.toMatchObject({
      code: 'draft_changed',
      exit: 4,
      message: `draft ${draft} no longer says what its templates say (facts edited or playbook changed): its approvals no longer count`,
      suggestions: [`Approve it again: \`candor approve ${draft}\` shows the new posts`],
    })
    expect(w.x.requests).toHaveLength(0)
  })
})

describe('publishing the same thing as an open draft', () => {
  it("is the second person's approval, and sends it", async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const again = await w.request('Bob')
    expect(again.pending).toBeUndefined()
    expect(again.deliveries.map((d) => [d.channel, d.status])).toEqual([['x', 'published']])
    const approved = (await w.events()).filter((e) => e.type === 'draft_approved').map((e) => e.by)
    expect(approved).toEqual(['Alice', 'Bob'])
    expect((await w.events()).find((e) => e.type === 'draft_published')).toMatchObject({draft, update: 1, by: 'Bob'})
  })

  it('by its requester again adds nothing and says how many are still needed', async () => {
    const w = await world({required: 3})
    const draft = (await w.request('Alice')).pending!.draft
    const again = await w.request('ALICE')
    expect(again.pending).toMatchObject({draft, approvals: ['Alice'], required: 3, status: 'pending-approval'})
    expect(again.warnings).toContain(`ALICE already approved draft ${draft}; it still needs 2 more`)
    const bob = await w.request('Bob')
    expect(bob.pending).toMatchObject({draft, approvals: ['Alice', 'Bob'], required: 3})
    expect(bob.deliveries).toEqual([])
    expect(w.x.requests).toHaveLength(0)
  })

  it('journals drafts that expired meanwhile, and makes a new one', async () => {
    const w = await world()
    const first = (await w.request('Alice', {draftTtlMs: MIN})).pending!.draft
    w.clock.advance(2 * MIN)
    const second = await w.request('Bob')
    expect(second.pending?.draft).not.toBe(first)
    expect(second.pending?.approvals).toEqual(['Bob'])
    expect(second.pending?.expires_at).toBe(new Date(T0 + 2 * MIN + DEFAULT_DRAFT_TTL_MS).toISOString())
    const types = (await w.events()).map((e) => [e.type, (e as {draft?: string}).draft])
    expect(types).toContainEqual(['draft_expired', first])
    expect(types.filter(([t]) => t === 'draft_superseded')).toEqual([])
  })

  it('with --again is another request than without', async () => {
    const w = await world()
    const first = (await w.request('Alice')).pending!.draft
    const again = await w.request('Bob', {again: true})
    expect(again.pending?.draft).not.toBe(first)
    expect(
      (await w.events()).find((e) => e.type === 'draft_created' && e.draft === again.pending?.draft),
    ).toMatchObject({again: true})
  })
})

describe('listing drafts', () => {
  it('every incident, oldest first, with the approvals counted and the playbook rule applied', async () => {
    const w = await world()
    await w.open('voice-2')
    const a = (await w.request('Alice', {}, 'voice-2')).pending!.draft
    w.clock.advance(MIN)
    const b = (await w.request('Bob')).pending!.draft
    const all = await listDrafts(w.store, {now: w.clock.now()})
    expect(all).toEqual([
      {
        draft: a,
        incident: 'voice-2',
        phase: 'investigating',
        channels: ['x'],
        requested_by: 'Alice',
        created_at: new Date(T0).toISOString(),
        expires_at: new Date(T0 + DEFAULT_DRAFT_TTL_MS).toISOString(),
        approvals: ['Alice'],
        required: 2,
        status: 'pending-approval',
      },
      expect.objectContaining({draft: b, incident: w.id, requested_by: 'Bob'}),
    ])
    expect((await listDrafts(w.store, {incident: w.id, now: w.clock.now()})).map((d) => d.draft)).toEqual([b])
  })
})

describe('what approvals rest on', () => {
  const post = (channel: string, text: string): RenderedPostRecord => ({
    channel,
    type: 'x',
    parts: [{text, length: text.length, limit: 280}],
  })

  it('samePerson: case, spacing and Unicode forms aside', () => {
    expect(samePerson('Dana Smith', '  dana   SMITH ')).toBe(true)
    expect(samePerson('Ｄａｎａ', 'dana')).toBe(true)
    expect(samePerson('Dana', 'Dan')).toBe(false)
    expect(samePerson('Dana Smith', 'DanaSmith')).toBe(false)
  })

  it('contentHash covers the phase and the posts on the chosen channels only; sourceHash every post', () => {
    const posts = [post('x', 'a'), post('y', 'b')]
    expect(contentHash('p', posts, ['x'])).toBe(contentHash('p', [post('x', 'a'), post('y', 'other')], ['x']))
    expect(contentHash('p', posts, ['x'])).not.toBe(contentHash('p', posts, ['x', 'y']))
    expect(contentHash('p', posts, ['x'])).not.toBe(contentHash('q', posts, ['x']))
    expect(contentHash('p', posts, ['x'])).toMatch(/^[0-9a-f]{64}$/)
    expect(sourceHash('p', posts)).not.toBe(sourceHash('p', [post('x', 'a'), post('y', 'other')]))
    expect(sourceHash('p', posts)).not.toBe(sourceHash('q', posts))
  })

  it('currentApprovals: once per person, only for the current content, in order', () => {
    const d = {
      contentHash: 'h2',
      approvals: [
        {by: 'Alice', content_hash: 'h1'},
        {by: 'Bob', content_hash: 'h2'},
        {by: 'bob ', content_hash: 'h2'},
        {by: 'Alice', content_hash: 'h2'},
      ],
    } as unknown as DraftState
    expect(currentApprovals(d)).toEqual(['Bob', 'Alice'])
  })

  it('isExpired: from the expiry on', () => {
    const d = {expiresAt: '2026-11-25T00:10:00.000Z'} as DraftState
    expect(isExpired(d, new Date('2026-11-25T00:09:59.999Z'))).toBe(false)
    expect(isExpired(d, new Date('2026-11-25T00:10:00.000Z'))).toBe(true)
  })
})

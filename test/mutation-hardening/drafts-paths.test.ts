/**
 * Drafts (services/publish/drafts.ts), the paths drafts.test.ts leaves open, written from the
 * survivors of a mutation run: when publishing again meets an open draft (rendered a minute
 * later, edited on either side, other channels, another phase, a replaced draft), a playbook
 * that raised its approvals meanwhile, drafts rendered again (the words, the channels kept and
 * declined, the new promise, posts that no longer pass), a promise going stale at the prompt,
 * what is journaled, damaged journals among incidents, and the lock's command.
 * File store, injected clock, one fake X behind every channel.
 */
import {chmodSync, copyFileSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {
  approveDraft,
  DEFAULT_DRAFT_TTL_MS,
  findDraftIncident,
  listDrafts,
  publishDraft,
  type DraftView,
} from '../../src/services/publish/drafts.js'
import {publishUpdate, type Approver} from '../../src/services/publish/publish.js'
import {approvalWorld} from '../helpers/approval-world.js'

const T0 = Date.parse('2026-11-25T00:10:00Z')
const MIN = 60_000
const INVESTIGATING = 'We are investigating problems with Acme Voice: Calls fail.'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

/** An incident needing `required` approvals, posting to `channels` (every one an X account on one fake). */
async function world(opts: {required?: number; channels?: string[]} = {}) {
  const w = await approvalWorld({start: T0, ...opts})
  closers.push(w.close)
  const {id, as, events, playbook} = w
  /** Publishes as a person at the prompt: `edit` replaces the X post's text, `channels` chooses among the posts. */
  const requestAt = (actor: string, decide: {edit?: string; channels?: string[]; extra?: Record<string, unknown>}) => {
    const approver: Approver = {
      approve: async (req) => ({
        action: 'publish',
        channels: decide.channels ?? req.posts.map((p) => p.channel),
        posts: req.posts.map((p) =>
          decide.edit && p.channel === 'x' ? {...p, parts: req.revise('x', decide.edit).parts, edited: true} : p,
        ),
      }),
    }
    return publishUpdate(
      {incident: id, phase: 'investigating', facts: {}, interactive: true, approver, ...decide.extra},
      as(actor),
    )
  }
  const types = async () => (await events()).map((e) => e.type)
  const editPlaybook = (from: string | RegExp, to: string) =>
    writeFileSync(playbook, readFileSync(playbook, 'utf8').replace(from, to))
  return {...w, requestAt, types, editPlaybook}
}

const yes = (draft: string, extra: Record<string, unknown> = {}) => ({draft, yes: true, interactive: false, ...extra})

describe('publishing again while a draft is open', () => {
  it('a minute later (its promise reads "00:41") is the same request: it approves and sends the open draft', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    w.clock.advance(MIN)
    const bob = await w.request('Bob')
    expect(bob.pending).toBeUndefined()
    expect(bob.deliveries.map((d) => d.status)).toEqual(['published'])
    // What Alice approved goes out, not Bob's rendering of a minute later.
    expect(w.x.tweets.map((t) => t.text)).toEqual([`${INVESTIGATING} Next update by 00:40 UTC.`])
    expect((await w.events()).find((e) => e.type === 'draft_published')).toMatchObject({draft, by: 'Bob'})
  })

  it('the same edit as the open draft approves it', async () => {
    const w = await world()
    const edit = 'Calls to Acme Voice fail; we are on it.'
    const draft = (await w.requestAt('Alice', {edit})).pending!.draft
    const bob = await w.requestAt('Bob', {edit})
    expect(bob.pending).toBeUndefined()
    expect(w.x.tweets.map((t) => t.text)).toEqual([edit])
    expect((await w.events()).find((e) => e.type === 'draft_published')).toMatchObject({draft})
  })

  it('an edit against an unedited draft is a new draft, which replaces it', async () => {
    const w = await world()
    const first = (await w.request('Alice')).pending!.draft
    w.clock.advance(MIN)
    const bob = await w.requestAt('Bob', {edit: 'Bob says calls fail.'})
    expect(bob.pending).toMatchObject({approvals: ['Bob'], status: 'pending-approval'})
    expect(bob.pending!.draft).not.toBe(first)
    expect(w.x.requests).toHaveLength(0)
    expect((await w.events()).find((e) => e.type === 'draft_superseded')).toMatchObject({
      draft: first,
      superseded_by: bob.pending!.draft,
    })
  })

  it('an unedited request against an edited draft is a new draft: no one approves an edit unseen', async () => {
    const w = await world()
    const first = (await w.requestAt('Alice', {edit: 'Alice says calls fail.'})).pending!.draft
    w.clock.advance(MIN)
    const bob = await w.request('Bob')
    expect(bob.pending!.draft).not.toBe(first)
    expect(bob.pending!.approvals).toEqual(['Bob'])
    expect(w.x.requests).toHaveLength(0)
  })

  it('for other channels is a new draft: one channel more, or another channel instead', async () => {
    const w = await world({channels: ['x', 'y', 'z']})
    const one = (await w.request('Alice', {channels: ['x']})).pending!.draft
    const more = (await w.request('Bob', {channels: ['x', 'y']})).pending!
    expect(more.draft).not.toBe(one)
    expect(more.approvals).toEqual(['Bob'])
    const other = (await w.request('Alice', {channels: ['x', 'z']})).pending!
    expect(other.draft).not.toBe(more.draft)
    expect(other.approvals).toEqual(['Alice'])
    expect(w.x.requests).toHaveLength(0)
  })

  it('of another phase is a new draft, and leaves the open one standing', async () => {
    const w = await world()
    const investigating = (await w.request('Alice')).pending!.draft
    const identified = (await w.request('Bob', {phase: 'identified'})).pending!
    expect(identified.draft).not.toBe(investigating)
    expect(identified.approvals).toEqual(['Bob'])
    expect((await listDrafts(w.store, {now: w.clock.now()})).map((d) => [d.draft, d.phase])).toEqual([
      [investigating, 'investigating'],
      [identified.draft, 'identified'],
    ])
    expect(await w.types()).not.toContain('draft_superseded')
  })

  it('with the facts of a replaced draft makes a new one: a replaced draft is never approved', async () => {
    const w = await world()
    const a = (await w.request('Alice', {facts: {impact: 'Calls fail'}})).pending!.draft
    const b = (await w.request('Alice', {facts: {impact: 'Calls drop'}})).pending!.draft
    const c = await w.request('Bob', {facts: {impact: 'Calls fail'}})
    expect(c.pending!.draft).not.toBe(a)
    expect(c.pending!.approvals).toEqual(['Bob'])
    expect(w.x.requests).toHaveLength(0)
    // Only what happened: each request replaced the one open before it; nothing expired.
    expect((await w.events()).filter((e) => e.type.startsWith('draft_')).map((e) => [e.type, e.by])).toEqual([
      ['draft_created', 'Alice'],
      ['draft_approved', 'Alice'],
      ['draft_superseded', 'Alice'],
      ['draft_created', 'Alice'],
      ['draft_approved', 'Alice'],
      ['draft_superseded', 'Bob'],
      ['draft_created', 'Bob'],
      ['draft_approved', 'Bob'],
    ])
    expect((await w.events()).filter((e) => e.type === 'draft_superseded').map((e) => e.draft)).toEqual([a, b])
  })

  it('journals the draft, with its expiry counted from the approval at the prompt, not from the rendering', async () => {
    const w = await world()
    const approver: Approver = {
      approve: async (req) => {
        w.clock.advance(10_000) // ten seconds reading
        return {action: 'publish', channels: ['x'], posts: req.posts}
      },
    }
    const drafted = await publishUpdate(
      {incident: w.id, phase: 'investigating', facts: {}, interactive: true, approver},
      w.as('Alice'),
    )
    const expires = new Date(T0 + 10_000 + DEFAULT_DRAFT_TTL_MS).toISOString()
    expect(drafted.pending?.expires_at).toBe(expires)
    const events = await w.events()
    expect(events.map((e) => e.type)).toEqual(['opened', 'draft_created', 'draft_approved'])
    // Every line written is an event (a line that is not one is skipped when read, with a warning).
    expect((await w.store.read(w.id)).warnings).toEqual([])
    expect(events[1]).toMatchObject({
      at: '2026-11-25T00:10:10.000Z',
      expires_at: expires,
      rendered_at: '2026-11-25T00:10:00.000Z',
      channels: ['x'],
      declined: [],
    })
  })

  it('reports the channels that already have the update, and only when there are some', async () => {
    const w = await world({channels: ['x', 'y']})
    const first = await w.request('Alice', {channels: ['x']})
    expect(first).not.toHaveProperty('already')
    await approveDraft(yes(first.pending!.draft), w.as('Bob'))
    const already = [{channel: 'x', update: 1, status: 'published'}]
    const second = await w.request('Alice')
    expect(second.already).toEqual(already)
    // Asked again by the same person: the open draft, still with what it left out.
    const again = await w.request('Alice')
    expect(again.pending?.draft).toBe(second.pending?.draft)
    expect(again.already).toEqual(already)
  })

  it('records the channels the publisher declined', async () => {
    const w = await world({channels: ['x', 'y']})
    const draft = (await w.requestAt('Alice', {channels: ['x']})).pending!.draft
    expect((await w.events()).find((e) => e.type === 'draft_created')).toMatchObject({
      draft,
      channels: ['x'],
      declined: ['y'],
    })
  })
})

describe('a playbook that asks for more approvals after the draft was made', () => {
  it('counts the higher number everywhere: listing, publishing again, approving, sending', async () => {
    const w = await world({required: 2})
    const draft = (await w.request('Alice')).pending!.draft
    w.editPlaybook('approval: { required: 2 }', 'approval: { required: 3 }')
    expect((await listDrafts(w.store, {now: w.clock.now()}))[0]).toMatchObject({draft, required: 3})

    const bob = await w.request('Bob')
    expect(bob.pending).toMatchObject({draft, approvals: ['Alice', 'Bob'], required: 3, status: 'pending-approval'})
    const again = await w.request('Bob')
    expect(again.pending).toMatchObject({draft, approvals: ['Alice', 'Bob'], required: 3})
    expect(again.warnings).toContain(`Bob already approved draft ${draft}; it still needs 1 more`)
    expect(w.x.requests).toHaveLength(0)

    await expect(publishDraft(yes(draft), w.as('Carol'))).rejects.toMatchObject({
      code: 'approval_missing',
      message: `draft ${draft} has 2 of the 3 approvals it needs (Alice, Bob): nothing was sent`,
    })
    const carol = await approveDraft(yes(draft, {publish: false}), w.as('Carol'))
    expect(carol.pending).toMatchObject({status: 'approved', approvals: ['Alice', 'Bob', 'Carol'], required: 3})
    expect(carol.view.required).toBe(3)
    expect(w.x.requests).toHaveLength(0)
    expect((await w.events()).filter((e) => e.type === 'draft_approved').map((e) => e.by)).toEqual([
      'Alice',
      'Bob',
      'Carol',
    ])
  })

  it('an approval that would have completed it under the old number waits for the new one', async () => {
    const w = await world({required: 2})
    const draft = (await w.request('Alice')).pending!.draft
    w.editPlaybook('approval: { required: 2 }', 'approval: { required: 3 }')
    const bob = await approveDraft(yes(draft), w.as('Bob'))
    expect(bob.published).toBeUndefined()
    expect(bob.pending).toMatchObject({status: 'pending-approval', required: 3})
    expect(w.x.requests).toHaveLength(0)
  })
})

describe('a draft rendered again when it is approved', () => {
  it('after the playbook changed: says who approved before, keeps the chosen channels and the declined ones', async () => {
    const w = await world({channels: ['x', 'y']})
    const draft = (await w.requestAt('Alice', {channels: ['x']})).pending!.draft
    w.editPlaybook(/We are investigating/g, 'We investigate')
    const views: DraftView[] = []
    const bob = await approveDraft(yes(draft, {show: (v: DraftView) => views.push(v)}), w.as('Bob'))
    expect(views[0]).toMatchObject({
      revised:
        'the posts changed since Alice approved (facts edited or playbook changed), so earlier approvals no longer count',
      channels: ['x'],
      declined: ['y'],
      approvals: [],
    })
    expect(views[0].posts.map((p) => [p.channel, p.parts[0].text])).toEqual([
      ['x', 'We investigate problems with Acme Voice: Calls fail. Next update by 00:40 UTC.'],
      ['y', 'We investigate problems with Acme Voice: Calls fail. Next update by 00:40 UTC.'],
    ])
    expect(bob.pending).toMatchObject({approvals: ['Bob'], status: 'pending-approval'})
    expect((await w.events()).find((e) => e.type === 'draft_revised')).toMatchObject({
      by: 'Bob',
      reason: 'the posts no longer render as drafted (facts edited or playbook changed)',
      channels: ['x'],
      declined: ['y'],
      next_update_due: '2026-11-25T00:40:00.000Z',
    })
  })

  it('names every earlier approval that lapsed', async () => {
    const w = await world({required: 3})
    const draft = (await w.request('Alice')).pending!.draft
    await approveDraft(yes(draft), w.as('Bob'))
    w.editPlaybook(/We are investigating/g, 'We investigate')
    const carol = await approveDraft(yes(draft), w.as('Carol'))
    expect(carol.view.revised).toBe(
      'the posts changed since Alice, Bob approved (facts edited or playbook changed), so earlier approvals no longer count',
    )
  })

  it('refuses, recording nothing, posts that no longer pass the checks', async () => {
    const w = await world({channels: ['x', 'y']})
    const draft = (await w.request('Alice')).pending!.draft
    w.editPlaybook(/We are investigating problems/g, 'We are investigating problems on 10.0.0.5')
    const before = (await w.events()).length
    await expect(approveDraft(yes(draft), w.as('Bob'))).rejects.toMatchObject({
      code: 'preflight_failed',
      message: expect.stringMatching(
        // The channel named once, as the preflight names it.
        new RegExp(
          `^draft ${draft} no longer renders into posts that can be published: x: policy rule "private-ip": "10.0.0.5" .*; y: policy rule "private-ip": `,
        ),
      ),
      suggestions: ['Publish the phase again with other facts: `candor publish --phase investigating`'],
    })
    expect((await w.events()).length).toBe(before)
    expect(w.x.requests).toHaveLength(0)
  })

  it('as the incident stands: a draft about the time since the start is not "changed" by being approved later', async () => {
    const w = await world()
    w.clock.advance(45 * MIN)
    const draft = (await w.request('Alice', {phase: 'resolved'})).pending!.draft
    w.clock.advance(5 * MIN)
    const views: DraftView[] = []
    const bob = await approveDraft(yes(draft, {show: (v: DraftView) => views.push(v)}), w.as('Bob'))
    expect(views[0].revised).toBeUndefined()
    expect(bob.published?.deliveries.map((d) => d.status)).toEqual(['published'])
    expect(w.x.tweets.map((t) => t.text)).toEqual([
      'Acme Voice is working normally again after 45 minutes. We are sorry for the disruption.',
    ])
  })

  it('when the promise goes stale while the person reads it: rendered again from then, and asked again', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const asked: Array<[string, string]> = []
    const bob = await approveDraft(
      {
        draft,
        interactive: true,
        confirm: async (view, action) => {
          asked.push([action, view.posts[0].parts[0].text])
          if (asked.length === 1) w.clock.advance(29 * MIN + 30_000) // 29.5 minutes at the prompt
          return true
        },
      },
      w.as('Bob'),
    )
    expect(asked).toEqual([
      ['approve-and-publish', `${INVESTIGATING} Next update by 00:40 UTC.`],
      // Bob's is now the only approval of the new text: not enough to send.
      ['approve', `${INVESTIGATING} Next update by 01:09 UTC.`],
    ])
    expect(bob.published).toBeUndefined()
    expect(bob.pending).toMatchObject({approvals: ['Bob'], status: 'pending-approval'})
    expect(w.x.requests).toHaveLength(0)
    expect((await w.events()).find((e) => e.type === 'draft_revised')).toMatchObject({
      reason: 'the next-update promise (00:40 UTC) was past or less than a minute away',
      next_update_due: '2026-11-25T01:09:30.000Z',
      rendered_at: '2026-11-25T00:39:30.000Z',
    })
  })
})

describe('what approving and sending journal and say', () => {
  it('an approval adds one event; sending by someone who approved adds no second approval', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    await approveDraft(yes(draft, {publish: false}), w.as('Bob'))
    expect(await w.types()).toEqual(['opened', 'draft_created', 'draft_approved', 'draft_approved'])
    expect((await w.store.read(w.id)).warnings).toEqual([])
    const actions: string[] = []
    const sent = await approveDraft(
      {draft, interactive: true, confirm: async (_v, action) => Boolean(actions.push(action))},
      w.as('Alice'),
    )
    expect(actions).toEqual(['publish'])
    expect(sent.recorded).toBe(false)
    expect(sent.view.already_approved).toBe(true)
    expect((await w.events()).filter((e) => e.type === 'draft_approved').map((e) => e.by)).toEqual(['Alice', 'Bob'])
  })

  it('sending an approved draft: shows whether the sender approved it, and asks to publish', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    await approveDraft(yes(draft, {publish: false}), w.as('Bob'))
    const seen: Array<[boolean, string]> = []
    const confirm = async (view: DraftView, action: string) => Boolean(seen.push([view.already_approved, action]))
    await expect(
      publishDraft({draft, interactive: true, confirm: async () => false}, w.as('Carol')),
    ).rejects.toMatchObject({code: 'aborted'})
    await publishDraft({draft, interactive: true, confirm}, w.as('Bob'))
    expect(seen).toEqual([[true, 'publish']])
  })

  it('a sender who did not approve is shown as such', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    await approveDraft(yes(draft, {publish: false}), w.as('Bob'))
    const views: DraftView[] = []
    await publishDraft(yes(draft, {show: (v: DraftView) => views.push(v)}), w.as('Carol'))
    expect(views.map((v) => v.already_approved)).toEqual([false])
  })

  it('refusals name what to do next', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const listHint = ['List pending drafts with `candor drafts`']
    await expect(approveDraft(yes('d-00000000', {incident: w.id}), w.as('Bob'))).rejects.toMatchObject({
      suggestions: listHint,
    })
    await expect(approveDraft(yes('d-00000000'), w.as('Bob'))).rejects.toMatchObject({suggestions: listHint})
    await expect(approveDraft({draft, interactive: false}, w.as('Bob'))).rejects.toMatchObject({
      suggestions: ['Read the posts, then pass --yes to approve them in a script'],
    })
    await approveDraft(yes(draft, {publish: false}), w.as('Bob'))
    await expect(publishDraft(yes(draft), {...w.as('Carol'), env: {}})).rejects.toMatchObject({
      code: 'credentials_missing',
      suggestions: ['Set the variables (in the environment or .env), then publish the draft again'],
    })
  })

  it('sending a draft whose promise went stale since its approvals: refused, saying why and what to do', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    await approveDraft(yes(draft, {publish: false}), w.as('Bob'))
    w.clock.advance(29 * MIN + 30_000)
    await expect(publishDraft(yes(draft), w.as('Carol'))).rejects.toMatchObject({
      code: 'draft_changed',
      message: `draft ${draft} promises the next update by 00:40 UTC, which is past or less than a minute away: nothing was sent`,
      suggestions: [
        `Approve it again: \`candor approve ${draft}\` renders it from now (earlier approvals no longer count)`,
      ],
    })
    expect(w.x.requests).toHaveLength(0)
  })

  it('approving a draft whose channel the phase no longer posts to: refused as changed, recording nothing', async () => {
    const w = await world({channels: ['x', 'y']})
    const draft = (await w.request('Alice')).pending!.draft
    w.editPlaybook('      y: { text: "We are investigating', '      # y: { text: "We are investigating')
    const before = (await w.events()).length
    await expect(approveDraft(yes(draft), w.as('Bob'))).rejects.toMatchObject({
      code: 'draft_changed',
      message: `draft ${draft} can't go out as drafted: phase "investigating" posts nothing to "y" (the playbook changed)`,
      suggestions: ['Publish the phase again to make a new draft: `candor publish --phase investigating`'],
    })
    expect(await w.events()).toHaveLength(before)
    expect(w.x.requests).toHaveLength(0)
  })

  it('sending a draft whose phase the playbook no longer has: refused as changed, nothing sent', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    await approveDraft(yes(draft, {publish: false}), w.as('Bob'))
    w.editPlaybook('  investigating:\n', '  looking:\n')
    await expect(publishDraft(yes(draft), w.as('Carol'))).rejects.toMatchObject({code: 'draft_changed'})
    expect(w.x.requests).toHaveLength(0)
  })

  it('a draft journaled as expired stays expired, whatever the clock of the machine approving it says', async () => {
    const w = await world()
    const draft = (await w.request('Alice', {draftTtlMs: MIN})).pending!.draft
    w.clock.advance(2 * MIN)
    await w.request('Bob') // finds it expired, and journals that
    expect((await w.events()).find((e) => e.type === 'draft_expired')).toMatchObject({draft})
    await w.request('Bob') // once: a draft already expired is not expired again
    expect((await w.events()).filter((e) => e.type === 'draft_expired')).toHaveLength(1)
    w.clock.set(T0 + 30_000) // a machine whose clock is behind
    await expect(approveDraft(yes(draft), w.as('Carol'))).rejects.toMatchObject({code: 'draft_expired'})
    expect((await w.events()).filter((e) => e.type === 'draft_expired')).toHaveLength(1)
    expect(w.x.requests).toHaveLength(0)
  })

  it('holds the incident lock under the name of the command, for anyone waiting to see', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const busy = async () => {
      try {
        await (await w.store.lock(w.id, {timeoutMs: 0, command: 'note', by: 'Eve'})).release()
        return 'free'
      } catch (error) {
        return (error as Error).message
      }
    }
    const seen: string[] = []
    await approveDraft(
      {draft, interactive: true, publish: false, confirm: async () => Boolean(seen.push(await busy()))},
      w.as('Bob'),
    )
    await publishDraft({draft, interactive: true, confirm: async () => Boolean(seen.push(await busy()))}, w.as('Carol'))
    expect(seen).toEqual([
      expect.stringContaining(`Bob is running \`candor approve ${draft}\``),
      expect.stringContaining(`Carol is running \`candor publish --draft ${draft}\``),
    ])
  })
})

describe('drafts among damaged journals', () => {
  it('finding and listing pass over a damaged journal; naming it is an error', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    // Sorted after voice-1, so searched first (newest first).
    writeFileSync(path.join(w.dir, 'state', 'incidents', 'zz-broken.jsonl'), '\u0000{"typ', {mode: 0o600})
    expect(await findDraftIncident(w.store, draft)).toBe(w.id)
    expect((await listDrafts(w.store, {now: w.clock.now()})).map((d) => d.draft)).toEqual([draft])
    await expect(listDrafts(w.store, {incident: 'zz-broken', now: w.clock.now()})).rejects.toMatchObject({
      code: 'journal_damaged',
    })
  })

  it('a journal anyone could have written is not passed over: finding and listing refuse it', async () => {
    const w = await world()
    const draft = (await w.request('Alice')).pending!.draft
    const open = path.join(w.dir, 'state', 'incidents', 'zz-open.jsonl')
    copyFileSync(path.join(w.dir, 'state', 'incidents', `${w.id}.jsonl`), open)
    chmodSync(open, 0o666)
    await expect(findDraftIncident(w.store, draft)).rejects.toMatchObject({code: 'state_not_private'})
    await expect(listDrafts(w.store, {now: w.clock.now()})).rejects.toMatchObject({code: 'state_not_private'})
  })
})

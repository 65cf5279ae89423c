/**
 * The incident state fold (services/incident/state.ts) on hand-written journals: each event
 * kind, including the ones the publish tests rarely reach (closing, drafts expiring or
 * superseded, failed retractions), and each delivery status.
 */
import {describe, expect, it} from 'vitest'
import type {JournalEvent, RenderedPostRecord} from '../../src/services/incident/events.js'
import {
  deliveryStatus,
  foldIncident,
  RESOLVING_PHASES,
  type DeliveryState,
  type PartStatus,
} from '../../src/services/incident/state.js'

type Event = JournalEvent extends infer E
  ? E extends JournalEvent
    ? Omit<E, 'seq' | 'at' | 'by'> & {at?: string; by?: string}
    : never
  : never

function journal(...events: Event[]): JournalEvent[] {
  return events.map(
    (e, i) =>
      ({
        seq: i + 1,
        at: e.at ?? `2026-03-01T10:${String(i).padStart(2, '0')}:00.000Z`,
        by: e.by ?? 'alice',
        ...e,
      }) as JournalEvent,
  )
}

const opened: Event = {
  type: 'opened',
  incident: 'inc-1',
  playbook: {name: 'p', file: 'p.yaml'},
  started_at: '2026-03-01T09:59:00.000Z',
  facts: {service: 'Acme', gone: 'x'},
}
const post = (channel: string, parts = 1): RenderedPostRecord => ({
  channel,
  type: 'x',
  parts: Array.from({length: parts}, (_, i) => ({text: `${channel} ${i + 1}`, length: 5, limit: 280})),
})
const rendered = (update: number, phase: string, channels = ['x'], parts = 1): Event => ({
  type: 'rendered',
  update,
  phase,
  posts: channels.map((c) => post(c, parts)),
})
const published = (update: number, channel: string, part: number, id: string): Event => ({
  type: 'delivery_result',
  update,
  channel,
  part,
  status: 'published',
  remote: {id},
})

const draft = (id: string, extra: Partial<Extract<Event, {type: 'draft_created'}>> = {}): Event => ({
  type: 'draft_created',
  draft: id,
  phase: 'investigating',
  update: 1,
  rendered_at: '2026-03-01T10:00:00.000Z',
  posts: [post('x')],
  channels: ['x'],
  declined: [],
  source_hash: 's1',
  content_hash: 'c1',
  facts: {},
  required: 2,
  expires_at: '2026-03-01T11:00:00.000Z',
  ...extra,
})

describe('foldIncident', () => {
  it('refuses a journal without an "opened" event, saying so', () => {
    expect(() => foldIncident(journal(rendered(1, 'investigating')))).toThrow('journal has no "opened" event')
  })

  it('unsets a fact changed to null or to nothing, and sets the others', () => {
    const state = foldIncident(
      journal(opened, {
        type: 'facts_changed',
        changes: [
          {fact: 'gone', from: 'x', to: null},
          {fact: 'service', from: 'Acme', to: 'Acme Voice'},
        ],
      }),
    )
    expect(state.facts).toEqual({service: 'Acme Voice'})
    expect('gone' in state.facts).toBe(false)
  })

  it('records who closed it, when and why', () => {
    const state = foldIncident(
      journal(opened, {type: 'closed', reason: 'false alarm', by: 'bob', at: '2026-03-01T10:30:00.000Z'}),
    )
    expect(state.closed).toEqual({by: 'bob', at: '2026-03-01T10:30:00.000Z', reason: 'false alarm'})
  })

  it('declines only the channels the update has, ignoring unknown ones', () => {
    const state = foldIncident(
      journal(opened, rendered(1, 'investigating', ['x', 'mail']), {
        type: 'approved',
        update: 1,
        channels: ['x'],
        declined: ['mail', 'nope'],
      }),
    )
    expect([...state.updates[0].deliveries.values()].map((d) => [d.channel, d.declined])).toEqual([
      ['x', false],
      ['mail', true],
    ])
    expect(state.updates[0].deliveries.has('nope')).toBe(false)
  })

  it('marks a part retracted only when it was deleted, and ignores retractions of unknown parts', () => {
    const state = foldIncident(
      journal(
        opened,
        rendered(1, 'investigating', ['x', 'y']),
        published(1, 'x', 1, 'x1'),
        published(1, 'y', 1, 'y1'),
        {type: 'retraction', update: 1, channel: 'x', part: 1, status: 'failed', error: 'no'},
        {type: 'retraction', update: 1, channel: 'y', part: 1, status: 'unsupported'},
        {type: 'retraction', update: 1, channel: 'x', part: 2, status: 'deleted'},
        {type: 'retraction', update: 9, channel: 'x', part: 1, status: 'deleted'},
      ),
    )
    expect(state.updates[0].deliveries.get('x')!.parts.map((p) => p.status)).toEqual(['published'])
    expect(state.updates[0].deliveries.get('y')!.parts.map((p) => p.status)).toEqual(['published'])
    const deleted = foldIncident(
      journal(opened, rendered(1, 'investigating'), published(1, 'x', 1, 'x1'), {
        type: 'retraction',
        update: 1,
        channel: 'x',
        part: 1,
        status: 'deleted',
      }),
    )
    expect(deleted.updates[0].deliveries.get('x')!.parts[0].status).toBe('retracted')
    expect(deleted.lastPosts.size).toBe(0)
  })

  it('a resolving phase resolves the incident once, at its first publication; "completed" resolves too', () => {
    expect([...RESOLVING_PHASES]).toEqual(['resolved', 'completed'])
    const state = foldIncident(journal(opened, rendered(1, 'completed'), published(1, 'x', 1, 'x1')))
    expect(state.resolved).toBe(true)
    expect(state.phase).toBe('completed')
  })

  it('the last post per channel carries when it went out, not when it was rendered', () => {
    const events = journal(
      opened,
      rendered(1, 'investigating', ['x'], 2),
      published(1, 'x', 1, 'x1'),
      published(1, 'x', 2, 'x2'),
    )
    const withAt = foldIncident(events)
    expect(withAt.lastPosts.get('x')).toEqual({id: 'x2', at: events[3].at, update: 1})
  })
})

describe('foldIncident: deliveries', () => {
  const attempt = (update: number, channel: string, part: number): Event => ({
    type: 'delivery_attempt',
    update,
    channel,
    part,
    attempt: 1,
  })

  it('counts attempts, marks a part being sent, and never takes a published part back to sending', () => {
    const state = foldIncident(
      journal(
        opened,
        rendered(1, 'investigating'),
        attempt(1, 'x', 1),
        attempt(1, 'x', 1),
        published(1, 'x', 1, 'x1'),
        attempt(1, 'x', 1),
      ),
    )
    expect(state.updates[0].deliveries.get('x')!.parts[0]).toMatchObject({status: 'published', attempts: 2})
    const sending = foldIncident(journal(opened, rendered(1, 'investigating'), attempt(1, 'x', 1)))
    expect(sending.updates[0].deliveries.get('x')!.parts[0]).toMatchObject({status: 'sending', attempts: 1})
  })

  it('ignores attempts and results for updates, channels or parts it does not have', () => {
    const events = journal(
      opened,
      rendered(1, 'investigating'),
      attempt(2, 'x', 1),
      attempt(1, 'y', 1),
      attempt(1, 'x', 2),
      published(2, 'x', 1, 'a'),
      published(1, 'y', 1, 'b'),
      published(1, 'x', 2, 'c'),
      {type: 'retraction', update: 1, channel: 'y', part: 1, status: 'deleted'},
    )
    const state = foldIncident(events)
    expect(state.updates[0].deliveries.get('x')!.parts).toEqual([
      {part: 1, text: 'x 1', status: 'pending', attempts: 0},
    ])
    expect(state.phase).toBeUndefined()
  })

  it('only a published result with a post moves the phase on; an older update published later does not move it back', () => {
    const failed = foldIncident(
      journal(opened, rendered(1, 'investigating'), {
        type: 'delivery_result',
        update: 1,
        channel: 'x',
        part: 1,
        status: 'failed',
        error: 'no',
      }),
    )
    expect(failed.phase).toBeUndefined()
    const noPost = foldIncident(
      journal(opened, rendered(1, 'resolved'), {
        type: 'delivery_result',
        update: 1,
        channel: 'x',
        part: 1,
        status: 'published',
      }),
    )
    expect([noPost.phase, noPost.resolved]).toEqual([undefined, false])
    const late = foldIncident(
      journal(
        opened,
        rendered(1, 'investigating'),
        rendered(2, 'identified'),
        published(2, 'x', 1, 'x2'),
        published(1, 'x', 1, 'x1'),
      ),
    )
    expect(late.phase).toBe('identified')
  })
})

describe('foldIncident: drafts', () => {
  it('a new draft is pending, without approvals, and "again" only when it says so', () => {
    const state = foldIncident(journal(opened, draft('d1'), draft('d2', {again: true})))
    expect(state.drafts.get('d1')).toMatchObject({
      status: 'pending',
      approvals: [],
      again: false,
      required: 2,
      requestedBy: 'alice',
    })
    expect(state.drafts.get('d2')!.again).toBe(true)
  })

  it('a revision replaces the content; a revision, approval or publication of an unknown draft changes nothing', () => {
    const state = foldIncident(
      journal(
        opened,
        draft('d1'),
        {
          type: 'draft_revised',
          draft: 'd1',
          reason: 'stale',
          phase: 'identified',
          update: 2,
          rendered_at: 'r2',
          posts: [post('y')],
          channels: ['y'],
          declined: ['x'],
          source_hash: 's2',
          content_hash: 'c2',
        },
        {
          type: 'draft_revised',
          draft: 'nope',
          reason: 'stale',
          phase: 'identified',
          update: 2,
          rendered_at: 'r2',
          posts: [],
          channels: [],
          declined: [],
          source_hash: 's',
          content_hash: 'c',
        },
        {type: 'draft_approved', draft: 'nope', content_hash: 'c2'},
        {type: 'draft_published', draft: 'nope', update: 3},
        {type: 'draft_approved', draft: 'd1', content_hash: 'c2', by: 'bob'},
      ),
    )
    expect([...state.drafts.keys()]).toEqual(['d1'])
    expect(state.drafts.get('d1')).toMatchObject({
      phase: 'identified',
      update: 2,
      channels: ['y'],
      declined: ['x'],
      contentHash: 'c2',
      status: 'pending',
    })
    expect(state.drafts.get('d1')!.approvals).toEqual([{by: 'bob', at: expect.any(String), content_hash: 'c2'}])
  })

  it('a published draft says which update it became', () => {
    const state = foldIncident(journal(opened, draft('d1'), {type: 'draft_published', draft: 'd1', update: 4}))
    expect(state.drafts.get('d1')).toMatchObject({status: 'published', publishedAs: 4})
  })

  it('only a pending draft expires or is superseded', () => {
    const state = foldIncident(
      journal(
        opened,
        draft('d1'),
        draft('d2'),
        draft('d3'),
        {type: 'draft_published', draft: 'd3', update: 1},
        {type: 'draft_expired', draft: 'd1'},
        {type: 'draft_superseded', draft: 'd2', superseded_by: 'd4'},
        {type: 'draft_expired', draft: 'd3'},
        {type: 'draft_superseded', draft: 'd3', superseded_by: 'd4'},
        {type: 'draft_superseded', draft: 'd1', superseded_by: 'd4'},
        {type: 'draft_expired', draft: 'nope'},
        {type: 'draft_superseded', draft: 'nope', superseded_by: 'd4'},
      ),
    )
    expect([...state.drafts.values()].map((d) => [d.id, d.status, d.supersededBy])).toEqual([
      ['d1', 'expired', undefined],
      ['d2', 'superseded', 'd4'],
      ['d3', 'published', undefined],
    ])
  })
})

describe('deliveryStatus', () => {
  const delivery = (statuses: PartStatus[], declined = false): DeliveryState => ({
    channel: 'x',
    type: 'x',
    declined,
    parts: statuses.map((status, i) => ({part: i + 1, text: '', status, attempts: 0})),
  })

  it('says how a delivery stands, in order of precedence', () => {
    expect(deliveryStatus(delivery(['published'], true))).toBe('skipped')
    expect(deliveryStatus(delivery(['published', 'retracted', 'sending']))).toBe('retracted')
    expect(deliveryStatus(delivery(['published', 'sending', 'failed']))).toBe('unknown')
    expect(deliveryStatus(delivery(['published', 'published']))).toBe('published')
    expect(deliveryStatus(delivery(['published', 'failed', 'pending']))).toBe('failed')
    expect(deliveryStatus(delivery(['published', 'pending']))).toBe('pending')
    expect(deliveryStatus(delivery(['pending']))).toBe('pending')
  })
})

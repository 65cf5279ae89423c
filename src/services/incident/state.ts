import type {JournalEvent, PlaybookRecord, RehearsalRecord, RemotePost, RenderedPostRecord} from './events.js'

export type PartStatus = 'pending' | 'sending' | 'published' | 'failed' | 'retracted'

export interface PartState {
  part: number
  text: string
  status: PartStatus
  remote?: RemotePost
  error?: string
  attempts: number
  at?: string
}

export interface DeliveryState {
  channel: string
  type: string
  /** Not approved for this update (chosen away at approval). */
  declined: boolean
  parts: PartState[]
}

export interface UpdateState {
  update: number
  phase: string
  renderedAt: string
  renderedBy: string
  nextUpdateDue?: string
  posts: RenderedPostRecord[]
  /** The incident's facts the posts were rendered from (as they stood at the `rendered` event). */
  facts: Record<string, unknown>
  approvedBy?: string
  approvedAt?: string
  deliveries: Map<string, DeliveryState>
}

export interface DraftApproval {
  by: string
  at: string
  content_hash: string
}

/** Posts waiting for the approvals their playbook requires (two-person approval). */
export interface DraftState {
  id: string
  phase: string
  update: number
  renderedAt: string
  nextUpdateDue?: string
  posts: RenderedPostRecord[]
  channels: string[]
  declined: string[]
  sourceHash: string
  contentHash: string
  /** Fact changes that go with it (applied when it is published). */
  facts: Record<string, unknown>
  again: boolean
  required: number
  requestedBy: string
  createdAt: string
  expiresAt: string
  /** Every approval ever given, also for earlier content (see contentHash). */
  approvals: DraftApproval[]
  status: 'pending' | 'published' | 'expired' | 'superseded'
  /** The update it became, once published. */
  publishedAs?: number
  supersededBy?: string
}

export interface TimelineEntry {
  at: string
  by: string
  text: string
  event: JournalEvent
}

export interface IncidentState {
  id: string
  playbook: PlaybookRecord
  openedBy: string
  startedAt: string
  facts: Record<string, unknown>
  updates: UpdateState[]
  /** The last published phase (or none yet). */
  phase?: string
  /** When the last published update promised the next one. */
  nextUpdateDue?: string
  /** The last published post per channel: what the next update replies to. */
  lastPosts: Map<string, RemotePost & {at: string; update: number}>
  resolved: boolean
  /** When the update that resolved it was first published. */
  resolvedAt?: string
  /** Ended without posting (`candor incident close`): who, when and why. */
  closed?: {by: string; at: string; reason: string}
  /** Drafts by id, oldest first. */
  drafts: Map<string, DraftState>
  /** A rehearsal: its channels go only to this sandbox (absent for a real incident). */
  rehearsal?: RehearsalRecord
  events: JournalEvent[]
}

/** Phases that end an incident (a playbook may have more after them, e.g. postmortem). */
export const RESOLVING_PHASES = new Set(['resolved', 'completed'])

/**
 * A delivery as it stands. `unknown`: a part was being sent when the process stopped
 * (an attempt is journaled with no result), so it may or may not be on the platform.
 */
export function deliveryStatus(
  d: DeliveryState,
): 'published' | 'failed' | 'pending' | 'skipped' | 'retracted' | 'unknown' {
  if (d.declined) return 'skipped'
  if (d.parts.some((p) => p.status === 'retracted')) return 'retracted'
  if (d.parts.some((p) => p.status === 'sending')) return 'unknown'
  if (d.parts.every((p) => p.status === 'published')) return 'published'
  if (d.parts.some((p) => p.status === 'failed')) return 'failed'
  return 'pending'
}

/**
 * The journal's rehearsal mark, as read from an untrusted file: any mark that is there
 * (also a damaged one) makes a rehearsal, which only ever reaches a sandbox; a damaged
 * sandbox URL is refused when a command uses it. Journals written before rehearsals
 * existed have none: real incidents.
 */
function rehearsalOf(mark: unknown): {rehearsal?: RehearsalRecord} {
  if (mark === undefined || mark === null || mark === false) return {}
  const sandbox = typeof mark === 'object' && typeof (mark as {sandbox?: unknown}).sandbox === 'string'
  return {rehearsal: {sandbox: sandbox ? (mark as RehearsalRecord).sandbox : ''}}
}

/** Folds a journal into the incident as it stands now. */
export function foldIncident(events: JournalEvent[]): IncidentState {
  const opened = events.find((e) => e.type === 'opened')
  if (opened?.type !== 'opened') throw new Error('journal has no "opened" event')
  const state: IncidentState = {
    id: opened.incident,
    playbook: opened.playbook,
    openedBy: opened.by,
    startedAt: opened.started_at,
    facts: {...opened.facts},
    updates: [],
    lastPosts: new Map(),
    resolved: false,
    drafts: new Map(),
    ...rehearsalOf(opened.rehearsal),
    events,
  }
  const byNumber = new Map<number, UpdateState>()
  let phaseUpdate = 0
  for (const e of events) {
    switch (e.type) {
      case 'facts_changed':
        for (const c of e.changes) {
          if (c.to === undefined || c.to === null) delete state.facts[c.fact]
          else state.facts[c.fact] = c.to
        }
        break
      case 'rendered': {
        const u: UpdateState = {
          update: e.update,
          phase: e.phase,
          renderedAt: e.at,
          renderedBy: e.by,
          nextUpdateDue: e.next_update_due,
          posts: e.posts,
          facts: {...state.facts},
          deliveries: new Map(
            e.posts.map((p) => [
              p.channel,
              {
                channel: p.channel,
                type: p.type,
                declined: false,
                parts: p.parts.map((part, i) => ({
                  part: i + 1,
                  text: part.text,
                  status: 'pending' as PartStatus,
                  attempts: 0,
                })),
              },
            ]),
          ),
        }
        byNumber.set(e.update, u)
        state.updates.push(u)
        break
      }
      case 'approved': {
        const u = byNumber.get(e.update)
        if (!u) break
        u.approvedBy = e.by
        u.approvedAt = e.at
        for (const name of e.declined) {
          const d = u.deliveries.get(name)
          if (d) d.declined = true
        }
        break
      }
      case 'delivery_attempt': {
        const part = byNumber.get(e.update)?.deliveries.get(e.channel)?.parts[e.part - 1]
        if (part && part.status !== 'published') {
          part.status = 'sending'
          part.attempts++
        }
        break
      }
      case 'delivery_result': {
        const u = byNumber.get(e.update)
        const part = u?.deliveries.get(e.channel)?.parts[e.part - 1]
        if (!u || !part) break
        part.status = e.status
        part.remote = e.remote
        part.error = e.error
        part.at = e.at
        if (e.status === 'published' && e.remote) {
          if (u.update >= phaseUpdate) {
            phaseUpdate = u.update
            state.phase = u.phase
            state.nextUpdateDue = u.nextUpdateDue
            if (RESOLVING_PHASES.has(u.phase) && !state.resolved) {
              state.resolved = true
              state.resolvedAt = e.at
            }
          }
        }
        break
      }
      case 'closed':
        state.closed = {by: e.by, at: e.at, reason: e.reason}
        break
      case 'retraction': {
        const part = byNumber.get(e.update)?.deliveries.get(e.channel)?.parts[e.part - 1]
        if (part && e.status === 'deleted') part.status = 'retracted'
        break
      }
      case 'draft_created':
        state.drafts.set(e.draft, {
          id: e.draft,
          phase: e.phase,
          update: e.update,
          renderedAt: e.rendered_at,
          nextUpdateDue: e.next_update_due,
          posts: e.posts,
          channels: e.channels,
          declined: e.declined,
          sourceHash: e.source_hash,
          contentHash: e.content_hash,
          facts: e.facts,
          again: e.again ?? false,
          required: e.required,
          requestedBy: e.by,
          createdAt: e.at,
          expiresAt: e.expires_at,
          approvals: [],
          status: 'pending',
        })
        break
      case 'draft_revised': {
        const d = state.drafts.get(e.draft)
        if (!d) break
        Object.assign(d, {
          phase: e.phase,
          update: e.update,
          renderedAt: e.rendered_at,
          nextUpdateDue: e.next_update_due,
          posts: e.posts,
          channels: e.channels,
          declined: e.declined,
          sourceHash: e.source_hash,
          contentHash: e.content_hash,
        })
        break
      }
      case 'draft_approved':
        state.drafts.get(e.draft)?.approvals.push({by: e.by, at: e.at, content_hash: e.content_hash})
        break
      case 'draft_published': {
        const d = state.drafts.get(e.draft)
        if (d) {
          d.status = 'published'
          d.publishedAs = e.update
        }
        break
      }
      case 'draft_expired': {
        const d = state.drafts.get(e.draft)
        if (d && d.status === 'pending') d.status = 'expired'
        break
      }
      case 'draft_superseded': {
        const d = state.drafts.get(e.draft)
        if (d && d.status === 'pending') {
          d.status = 'superseded'
          d.supersededBy = e.superseded_by
        }
        break
      }
      default:
        break
    }
  }
  // What the next update replies to: the newest post still up on each channel.
  for (const u of state.updates) {
    for (const d of u.deliveries.values()) {
      for (const p of d.parts) {
        if (p.status === 'published' && p.remote)
          state.lastPosts.set(d.channel, {...p.remote, at: p.at ?? u.renderedAt, update: u.update})
      }
    }
  }
  return state
}

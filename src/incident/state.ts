import type {JournalEvent, RemotePost, RenderedPostRecord} from './events.js'

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
  approvedBy?: string
  approvedAt?: string
  deliveries: Map<string, DeliveryState>
}

export interface TimelineEntry {
  at: string
  by: string
  text: string
  event: JournalEvent
}

export interface IncidentState {
  id: string
  playbook: {name: string; file: string}
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
  events: JournalEvent[]
}

/** Phases that end an incident (a playbook may have more after them, e.g. postmortem). */
export const RESOLVING_PHASES = new Set(['resolved', 'completed'])

/**
 * A delivery as it stands. `unknown`: a part was being sent when the process stopped
 * (an attempt is journaled with no result), so it may or may not be on the platform.
 */
export function deliveryStatus(d: DeliveryState): 'published' | 'failed' | 'pending' | 'skipped' | 'retracted' | 'unknown' {
  if (d.declined) return 'skipped'
  if (d.parts.some((p) => p.status === 'retracted')) return 'retracted'
  if (d.parts.some((p) => p.status === 'sending')) return 'unknown'
  if (d.parts.every((p) => p.status === 'published')) return 'published'
  if (d.parts.some((p) => p.status === 'failed')) return 'failed'
  return 'pending'
}

/** Folds a journal into the incident as it stands now. */
export function foldIncident(events: JournalEvent[]): IncidentState {
  const opened = events.find((e) => e.type === 'opened')
  if (!opened || opened.type !== 'opened') throw new Error('journal has no "opened" event')
  const state: IncidentState = {
    id: opened.incident,
    playbook: opened.playbook,
    openedBy: opened.by,
    startedAt: opened.started_at,
    facts: {...opened.facts},
    updates: [],
    lastPosts: new Map(),
    resolved: false,
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
          deliveries: new Map(
            e.posts.map((p) => [p.channel, {channel: p.channel, type: p.type, declined: false, parts: p.parts.map((part, i) => ({part: i + 1, text: part.text, status: 'pending' as PartStatus, attempts: 0}))}]),
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
            if (RESOLVING_PHASES.has(u.phase)) state.resolved = true
          }
        }
        break
      }
      case 'retraction': {
        const part = byNumber.get(e.update)?.deliveries.get(e.channel)?.parts[e.part - 1]
        if (part && e.status === 'deleted') part.status = 'retracted'
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
        if (p.status === 'published' && p.remote) state.lastPosts.set(d.channel, {...p.remote, at: p.at ?? u.renderedAt, update: u.update})
      }
    }
  }
  return state
}

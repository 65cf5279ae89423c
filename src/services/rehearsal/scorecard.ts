/**
 * The game day's scorecard (`candor rehearse --live`, `candor rehearse --scorecard INCIDENT`):
 * how the team did, read from the incident's journal alone. Pure: the same journal gives the
 * same scorecard, today or next year.
 */
import type {JournalEvent} from '../incident/events.js'
import {foldIncident} from '../incident/state.js'

/** The first post should be out within 5 minutes of opening (as `candor status` and `watch` count it). */
export const FIRST_POST_TARGET_MS = 5 * 60_000

export interface ScoredUpdate {
  update: number
  phase: string
  /** When its first post was published. */
  at: string
  /** What the update before it promised ("next update by …"); absent when it promised nothing. */
  promised_by?: string
  /** How late against that promise (0 when on time). */
  late_ms: number
  ok: boolean
}

export interface FactMismatch {
  update: number
  phase: string
  channel: string
  fact: string
  value: string
  /** The other channels of the update that say it. */
  others: string[]
}

export interface Scorecard {
  incident: string
  rehearsal: boolean
  opened_at: string
  /** How the game ended: resolved, closed, or still open when the scorecard was made. */
  ended: {how: 'resolved' | 'closed' | 'open'; at?: string}
  first_post: {at: string | null; after_ms: number | null; target_ms: number; ok: boolean}
  /** Every published update after the first, against what the one before promised. */
  gaps: ScoredUpdate[]
  /** A promise that ran out before the game ended with no update after it. */
  missed_promise?: {update: number; phase: string; promised_by: string; ended_at: string}
  /** Facts an approval edit changed on one channel but not on the others. */
  consistency: FactMismatch[]
  /** Which channels' posts were edited at approval, per update. */
  edits: Array<{update: number; phase: string; channels: string[]}>
  ok: boolean
}

/** Fact values worth looking for in a post: texts and numbers (and list items), not a letter or two. */
function factValues(facts: Record<string, unknown>): Array<{fact: string; value: string}> {
  const out: Array<{fact: string; value: string}> = []
  for (const [fact, value] of Object.entries(facts)) {
    const values = Array.isArray(value) ? value : [value]
    for (const v of values)
      if ((typeof v === 'string' || typeof v === 'number') && String(v).trim().length >= 3)
        out.push({fact, value: String(v).trim()})
  }
  return out
}

/**
 * The scorecard of an incident from its journal. `now` stands for the end of a game that was
 * stopped while the incident was still open (Ctrl-C); a closed or resolved one ends when it did.
 */
export function scorecard(events: readonly JournalEvent[], opts: {now?: Date; targetMs?: number} = {}): Scorecard {
  const state = foldIncident([...events])
  const targetMs = opts.targetMs ?? FIRST_POST_TARGET_MS
  const opened = Date.parse(state.startedAt)

  // When each update's first post went out.
  const firstOut = new Map<number, number>()
  for (const e of events)
    if (e.type === 'delivery_result' && e.status === 'published') {
      const at = Date.parse(e.at)
      if (!firstOut.has(e.update) || at < firstOut.get(e.update)!) firstOut.set(e.update, at)
    }
  const published = state.updates
    .filter((u) => firstOut.has(u.update))
    .sort((a, b) => firstOut.get(a.update)! - firstOut.get(b.update)!)

  const first = published[0] && firstOut.get(published[0].update)!
  const firstPost = {
    at: first === undefined ? null : new Date(first).toISOString(),
    after_ms: first === undefined ? null : first - opened,
    target_ms: targetMs,
    ok: first !== undefined && first - opened <= targetMs,
  }

  const gaps: ScoredUpdate[] = published.slice(1).map((u, i) => {
    const before = published[i]
    const at = firstOut.get(u.update)!
    const due = before.nextUpdateDue ? Date.parse(before.nextUpdateDue) : undefined
    const late = due === undefined ? 0 : Math.max(0, at - due)
    return {
      update: u.update,
      phase: u.phase,
      at: new Date(at).toISOString(),
      ...(before.nextUpdateDue && {promised_by: before.nextUpdateDue}),
      late_ms: late,
      ok: late === 0,
    }
  })

  const closedAt = events.find((e) => e.type === 'closed')?.at
  const ended: Scorecard['ended'] = state.resolved
    ? {how: 'resolved', ...(state.resolvedAt && {at: state.resolvedAt})}
    : closedAt
      ? {how: 'closed', at: closedAt}
      : {how: 'open', ...(opts.now && {at: opts.now.toISOString()})}
  const last = published.at(-1)
  const missed =
    last?.nextUpdateDue && ended.how !== 'resolved' && ended.at && Date.parse(ended.at) > Date.parse(last.nextUpdateDue)
      ? {update: last.update, phase: last.phase, promised_by: last.nextUpdateDue, ended_at: ended.at}
      : undefined

  const consistency: FactMismatch[] = []
  const edits: Scorecard['edits'] = []
  for (const u of published) {
    const texts = new Map(
      u.posts.map((p) => [
        p.channel,
        [...p.parts.map((x) => x.text), p.title ?? '', p.subject ?? ''].join('\n').toLowerCase(),
      ]),
    )
    const edited = u.posts.filter((p) => p.edited).map((p) => p.channel)
    if (edited.length > 0) edits.push({update: u.update, phase: u.phase, channels: edited})
    for (const channel of edited) {
      const others = [...texts.keys()].filter((c) => c !== channel)
      for (const {fact, value} of factValues(u.facts)) {
        const needle = value.toLowerCase()
        const saying = others.filter((c) => texts.get(c)!.includes(needle))
        // Every other channel says it and the edited one no longer does: the edit changed a fact on one channel.
        if (others.length > 0 && saying.length === others.length && !texts.get(channel)!.includes(needle))
          consistency.push({update: u.update, phase: u.phase, channel, fact, value, others: saying})
      }
    }
  }

  return {
    incident: state.id,
    rehearsal: Boolean(state.rehearsal),
    opened_at: state.startedAt,
    ended,
    first_post: firstPost,
    gaps,
    ...(missed && {missed_promise: missed}),
    consistency,
    edits,
    ok: firstPost.ok && gaps.every((g) => g.ok) && !missed && consistency.length === 0,
  }
}

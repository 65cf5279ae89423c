import type {Playbook} from '../../domain/playbook/model.js'
import {loadIncidentPlaybook} from './playbook-file.js'
import {promisedCadence} from '../../domain/playbook/cadence.js'
import {deliveryStatus, type IncidentState} from './state.js'

export interface IncidentStatus {
  incident: string
  playbook: string
  phase: string | null
  resolved: boolean
  /** Ended without posting (`candor incident close`): who, when and why; no update is due. */
  closed: {by: string; at: string; reason: string} | null
  started_at: string
  facts: Record<string, unknown>
  updates: number
  channels: Array<{channel: string; update: number; id: string; url: string | null; at: string}>
  /** Deliveries that are not published: failed, never sent, or unknown (the process stopped mid-send). */
  unfinished: Array<{update: number; phase: string; channel: string; status: string; error: string | null}>
  /** When the next update is due (ISO 8601): what the last update promised, or with nothing published yet, the first update's deadline (see updateDeadline). */
  next_update_due: string | null
  overdue: boolean
  /** `next_update_due` is the first update's: nothing has been published yet. */
  first_update: boolean
  /**
   * How far apart updates of the current phase are promised at the incident's age now,
   * as written in the playbook ("20m", or long_incident's "60m" once it applies); null
   * when the phase promises none or the playbook can't be read.
   */
  cadence: string | null
  /** A rehearsal (`incident open --sandbox`): its posts went only to a sandbox. */
  rehearsal: boolean
  /** The sandbox a rehearsal goes to, else null. */
  sandbox: string | null
}

/** With nothing published yet, the first update is due this long after the incident opened. */
export const FIRST_UPDATE_MS = 5 * 60_000

/**
 * When the next update is due, the one rule `status` and `watch` share: what the last
 * published update promised (`promised`); with nothing published yet, the first update,
 * `firstUpdateMs` after the incident opened; none once the incident is resolved.
 */
export function updateDeadline(
  s: {resolved: boolean; closed?: unknown; phase: string | null; started_at: string; promised: string | null},
  firstUpdateMs = FIRST_UPDATE_MS,
): {due: number; first: boolean} | undefined {
  if (s.resolved || s.closed) return undefined
  const first = s.phase === null
  if (s.promised) return {due: Date.parse(s.promised), first}
  if (first) return {due: Date.parse(s.started_at) + firstUpdateMs, first}
  return undefined
}

/**
 * Where an incident stands at `now`. `next_update_due` is what the last published update
 * promised (its `@next_update`, which follows `long_incident`); for an update journaled
 * without one, it is worked out from the playbook's cadence at the time of that update;
 * with nothing published yet, it is the first update's deadline (updateDeadline).
 * `playbook`: the incident's playbook; left out, it is read from disk (null: don't).
 */
export function incidentStatus(
  state: IncidentState,
  now: Date = new Date(),
  playbook?: Playbook | null,
): IncidentStatus {
  const unfinished: IncidentStatus['unfinished'] = []
  for (const u of state.updates) {
    if (!u.approvedAt) continue
    for (const d of u.deliveries.values()) {
      const status = deliveryStatus(d)
      if (status === 'failed' || status === 'pending' || status === 'unknown') {
        unfinished.push({
          update: u.update,
          phase: u.phase,
          channel: d.channel,
          status,
          error: d.parts.find((p) => p.error)?.error ?? null,
        })
      }
    }
  }
  const book = playbook === undefined ? readPlaybook(state) : playbook
  const phase = state.phase ? book?.phases.find((p) => p.name === state.phase) : undefined
  const startedAt = Date.parse(state.startedAt)
  let due = state.nextUpdateDue ?? null
  if (due === null && phase) {
    // The last published update of this phase, journaled without its promise: the playbook says what it was.
    const last = state.updates
      .filter(
        (u) =>
          u.approvedAt &&
          u.phase === state.phase &&
          [...u.deliveries.values()].some((d) => deliveryStatus(d) === 'published'),
      )
      .at(-1)
    const at = last ? Date.parse(last.renderedAt) : NaN
    const ms = Number.isFinite(at) ? promisedCadence(phase, at - startedAt) : undefined
    if (ms) due = new Date(at + ms).toISOString()
  }
  const deadline = updateDeadline({
    resolved: state.resolved,
    closed: state.closed,
    phase: state.phase ?? null,
    started_at: state.startedAt,
    promised: due,
  })
  const age = now.getTime() - startedAt
  const cadence = !phase
    ? null
    : phase.longIncident && age >= phase.longIncident.after.ms
      ? phase.longIncident.nextUpdate.text
      : (phase.nextUpdate?.text ?? null)
  return {
    incident: state.id,
    playbook: state.playbook.name,
    phase: state.phase ?? null,
    resolved: state.resolved,
    closed: state.closed ?? null,
    started_at: state.startedAt,
    facts: state.facts,
    updates: state.updates.filter((u) => u.approvedAt).length,
    channels: [...state.lastPosts.entries()].map(([channel, p]) => ({
      channel,
      update: p.update,
      id: p.id,
      url: p.url ?? null,
      at: p.at,
    })),
    unfinished,
    next_update_due: deadline ? new Date(deadline.due).toISOString() : null,
    overdue: deadline !== undefined && now.getTime() > deadline.due,
    first_update: deadline?.first ?? false,
    cadence: state.resolved || state.closed ? null : cadence,
    rehearsal: Boolean(state.rehearsal),
    sandbox: state.rehearsal?.sandbox ?? null,
  }
}

function readPlaybook(state: IncidentState): Playbook | null {
  try {
    // Only the phases' cadence is needed: no template is parsed.
    return loadIncidentPlaybook(state, {templatesOf: []})
  } catch {
    return null
  }
}

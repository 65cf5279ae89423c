import type {PlaybookKind} from '../../domain/playbook-kind.js'

/**
 * How Candor phases become Atlassian Statuspage statuses. An incident playbook opens a
 * realtime incident; a maintenance playbook opens a scheduled incident (planned
 * maintenance), whose statuses and component states differ.
 */

/** Statuses of a realtime incident. */
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const
/** Statuses of a scheduled incident (planned maintenance). */
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const
export type StatuspageStatus = (typeof INCIDENT_STATUSES)[number] | (typeof MAINTENANCE_STATUSES)[number]

/** The facts a maintenance playbook holds its window in, sent as `scheduled_for` / `scheduled_until`. */
export const WINDOW_FACTS = {from: 'scheduled_for', until: 'scheduled_until'} as const

const DEFAULTS: Record<PlaybookKind, Record<string, StatuspageStatus>> = {
  incident: {
    investigating: 'investigating',
    identified: 'identified',
    monitoring: 'monitoring',
    resolved: 'resolved',
    // A postmortem follows resolution (see the adapter: the postmortem endpoints when resolved).
    postmortem: 'resolved',
  },
  maintenance: {
    scheduled: 'scheduled',
    announced: 'scheduled',
    reminder: 'scheduled',
    'in-progress': 'in_progress',
    in_progress: 'in_progress',
    started: 'in_progress',
    verifying: 'verifying',
    completed: 'completed',
    postmortem: 'completed',
  },
}

export function statusesOf(kind: PlaybookKind): readonly StatuspageStatus[] {
  return kind === 'maintenance' ? MAINTENANCE_STATUSES : INCIDENT_STATUSES
}

/** Whether a status ends the incident (resolved, completed). */
export function isFinalStatus(status: string): boolean {
  return status === 'resolved' || status === 'completed'
}

/**
 * The status a phase maps to: the channel's `status_map` where it names the phase, else the
 * phase's own name where Statuspage shares it (and the defaults above), else, for an
 * incident, investigating. A maintenance phase with no status is a problem (undefined with
 * a reason), as is a `status_map` value of the other kind.
 */
export function statusForPhase(
  kind: PlaybookKind,
  phase: string,
  statusMap: unknown,
): {status: StatuspageStatus} | {problem: string} {
  const statuses = statusesOf(kind)
  const mapped = statusMap && typeof statusMap === 'object' ? (statusMap as Record<string, unknown>)[phase] : undefined
  if (mapped !== undefined) {
    if (typeof mapped === 'string' && (statuses as readonly string[]).includes(mapped))
      return {status: mapped as StatuspageStatus}
    return {
      problem: `status_map maps phase "${phase}" to ${JSON.stringify(mapped)}, which is not a Statuspage ${kind === 'maintenance' ? 'maintenance' : 'incident'} status (${statuses.join(', ')})`,
    }
  }
  const known = DEFAULTS[kind][phase]
  if (known) return {status: known}
  if (kind === 'incident') return {status: 'investigating'}
  return {
    problem: `phase "${phase}" has no Statuspage maintenance status: add it to the channel's status_map (${statuses.join(', ')})`,
  }
}

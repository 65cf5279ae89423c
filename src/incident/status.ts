import {deliveryStatus, type IncidentState} from './state.js'

export interface IncidentStatus {
  incident: string
  playbook: string
  phase: string | null
  resolved: boolean
  started_at: string
  facts: Record<string, unknown>
  updates: number
  channels: Array<{channel: string; update: number; id: string; url: string | null; at: string}>
  /** Deliveries that are not published: failed, never sent, or unknown (the process stopped mid-send). */
  unfinished: Array<{update: number; phase: string; channel: string; status: string; error: string | null}>
  next_update_due: string | null
  overdue: boolean
}

export function incidentStatus(state: IncidentState, now: Date = new Date()): IncidentStatus {
  const unfinished: IncidentStatus['unfinished'] = []
  for (const u of state.updates) {
    if (!u.approvedAt) continue
    for (const d of u.deliveries.values()) {
      const status = deliveryStatus(d)
      if (status === 'failed' || status === 'pending' || status === 'unknown') {
        unfinished.push({update: u.update, phase: u.phase, channel: d.channel, status, error: d.parts.find((p) => p.error)?.error ?? null})
      }
    }
  }
  const due = state.nextUpdateDue ?? null
  return {
    incident: state.id,
    playbook: state.playbook.name,
    phase: state.phase ?? null,
    resolved: state.resolved,
    started_at: state.startedAt,
    facts: state.facts,
    updates: state.updates.filter((u) => u.approvedAt).length,
    channels: [...state.lastPosts.entries()].map(([channel, p]) => ({channel, update: p.update, id: p.id, url: p.url ?? null, at: p.at})),
    unfinished,
    next_update_due: state.resolved ? null : due,
    overdue: !state.resolved && due !== null && now.getTime() > Date.parse(due),
  }
}

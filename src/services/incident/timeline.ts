import {formatTime} from '../../domain/time.js'
import type {JournalEvent} from './events.js'

/** One line of human text per journal event, for `incident show`. */
export function describeEvent(e: JournalEvent): string {
  switch (e.type) {
    case 'opened':
      return `opened ${e.rehearsal ? 'a REHEARSAL (every channel to the sandbox) ' : ''}incident ${e.incident} from playbook ${e.playbook.name}${Object.keys(e.facts).length > 0 ? ` with ${Object.keys(e.facts).join(', ')}` : ''}`
    case 'facts_changed':
      return `changed ${e.changes.map((c) => `${c.fact}: ${show(c.from)} → ${show(c.to)}`).join('; ')}`
    case 'rendered':
      return `rendered update ${e.update} (${e.phase}) for ${e.posts.map((p) => p.channel).join(', ')}${e.next_update_due ? `; next update promised by ${formatTime(e.next_update_due, 'datetime')}` : ''}`
    case 'approved':
      return `approved update ${e.update} for ${e.channels.join(', ') || 'no channel'}${e.declined.length > 0 ? ` (declined: ${e.declined.join(', ')})` : ''}`
    case 'delivery_attempt':
      return `sending update ${e.update} to ${e.channel}, part ${e.part}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`
    case 'delivery_result':
      return e.status === 'published'
        ? `published update ${e.update} on ${e.channel}, part ${e.part}: ${e.remote?.url ?? e.remote?.id ?? ''}`
        : `failed update ${e.update} on ${e.channel}, part ${e.part}: ${e.error ?? 'unknown error'}`
    case 'policy_override':
      return `overrode the post policy (${e.rules.join(', ')})${e.update ? ` for update ${e.update}` : ''}${e.hits?.length ? `: ${e.hits.map((h) => `${h.channel} ${h.rule} "${h.match}"`).join('; ')}` : ''}`
    case 'draft_created':
      return `drafted ${e.phase} for ${e.posts.map((p) => p.channel).join(', ')}; needs ${e.required} approvals (expires ${formatTime(e.expires_at, 'datetime')})`
    case 'draft_revised':
      return `revised draft ${e.draft} (${e.reason}); earlier approvals no longer count`
    case 'draft_approved':
      return `approved draft ${e.draft}`
    case 'draft_published':
      return `published draft ${e.draft} as update ${e.update}`
    case 'draft_expired':
      return `draft ${e.draft} expired`
    case 'draft_superseded':
      return `draft ${e.draft} replaced by ${e.superseded_by}`
    case 'closed':
      return `closed the incident without posting: ${e.reason}`
    case 'retraction':
      return e.status === 'deleted'
        ? `retracted update ${e.update} on ${e.channel}, part ${e.part}`
        : `could not retract update ${e.update} on ${e.channel}, part ${e.part}${e.status === 'unsupported' ? ' (the platform does not allow it)' : ''}: ${e.error ?? e.status}`
    case 'note':
      return e.text
    default:
      return JSON.stringify(e)
  }
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '(unset)'
  return Array.isArray(v) ? `[${v.join(', ')}]` : JSON.stringify(v)
}

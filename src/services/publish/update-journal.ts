import type {Facts} from '../../domain/playbook/facts.js'
import type {NewEvent, RenderedPostRecord} from '../incident/events.js'
import type {RenderedPost} from '../render/render-phase.js'

/** A rendered post as the journal keeps it: without what only the person approving needs to see. */
export function toRecord(post: RenderedPost): RenderedPostRecord {
  const {warnings: _w, errors: _e, violations: _v, limitNote: _l, ...record} = post
  return record
}

/** The facts that changed, each with its value before and after (null: not set). */
export function diffFacts(before: Facts, after: Facts): Array<{fact: string; from: unknown; to: unknown}> {
  const changes: Array<{fact: string; from: unknown; to: unknown}> = []
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changes.push({fact: key, from: before[key] ?? null, to: after[key] ?? null})
  }
  return changes
}

/** The journal's record of rules overridden with --allow for an update, and what they let through. */
export function policyOverrideEvent(
  actor: string,
  update: number,
  allow: readonly string[],
  posts: ReadonlyArray<Pick<RenderedPost, 'channel' | 'violations'>>,
): NewEvent {
  const hits = posts.flatMap((p) =>
    (p.violations ?? []).filter((v) => v.allowed).map((v) => ({channel: p.channel, rule: v.rule, match: v.match})),
  )
  return {type: 'policy_override', by: actor, update, rules: [...new Set(allow)], hits}
}

/**
 * The events that record an approved update, in the order they are written together:
 * `before` (a draft's approvals), the facts that changed, the posts as rendered and
 * approved, who approved which channels (the rest declined), then `after`.
 */
export function approvedUpdateEvents(
  u: {
    actor: string
    update: number
    phase: string
    nextUpdateDue?: string
    before?: NewEvent[]
    after?: NewEvent[]
    draft?: {id: string; approvers: string[]}
  },
  posts: RenderedPostRecord[],
  channels: string[],
  changes: ReturnType<typeof diffFacts>,
): NewEvent[] {
  const {actor: by, update} = u
  const events: NewEvent[] = [...(u.before ?? [])]
  if (changes.length > 0) events.push({type: 'facts_changed', by, changes})
  events.push({type: 'rendered', by, update, phase: u.phase, next_update_due: u.nextUpdateDue, posts})
  const declined = posts.map((p) => p.channel).filter((c) => !channels.includes(c))
  events.push({
    type: 'approved',
    by,
    update,
    channels,
    declined,
    ...(u.draft && {draft: u.draft.id, approvers: u.draft.approvers}),
  })
  events.push(...(u.after ?? []))
  return events
}

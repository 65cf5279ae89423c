import {CandorError} from '../../domain/errors.js'
import {resolveFacts, type Facts} from '../../domain/playbook/facts.js'
import type {Playbook} from '../../domain/playbook/model.js'
import type {IncidentState} from '../incident/state.js'
import {findPhase, selectPosts, type RenderedPost} from '../render/render-phase.js'
import {tryCreateAdapter} from './channel-adapters.js'
import {checkCredentials} from './credentials.js'
import type {DeliveryOutcome} from './deliver.js'
import {alreadyCarried, describeAlreadyCarried, type AlreadyCarried} from './duplicates.js'
import type {PlannedDelivery} from './results.js'

/** What an update is about to be, before anything is rendered: its number, phase, facts, and where it goes. */
export interface UpdatePlan {
  update: number
  phase: string
  /** The incident's facts with the ones given now. */
  merged: Facts
  /** `merged` with the playbook's defaults and types applied: what templates see. */
  facts: Facts
  /** Channels skipped because their latest update already is this one. */
  already: AlreadyCarried[]
  /** The phase's channels this update goes to (chosen, and not already carrying it). */
  channels: string[]
}

/**
 * Plans the next update of an incident: its number, its phase's channels (those asked
 * for, else all), and which of them to skip as already carrying it (same phase, same
 * facts): publishing it there again would post it twice. `again` sends a new update on purpose.
 */
export function planUpdate(
  state: IncidentState,
  playbook: Playbook,
  req: {phase?: string; facts: Facts; channels?: readonly string[]; again?: boolean},
): UpdatePlan {
  const phase = findPhase(playbook, req.phase).name
  const merged = {...state.facts, ...req.facts}
  const facts = resolveFacts(playbook, merged)
  const update = state.updates.reduce((m, u) => Math.max(m, u.update), 0) + 1
  const selected = selectPosts(playbook, findPhase(playbook, phase), req.channels).map((p) => p.channel)
  const already = req.again ? [] : alreadyCarried(state, phase, merged, selected)
  const channels = selected.filter((c) => !already.some((a) => a.channel === c))
  return {update, phase, merged, facts, already, channels}
}

/** On --dry-run: for each post, where it would go and what it would reply to. */
export async function dryRunPlan(
  state: IncidentState,
  playbook: Playbook,
  posts: RenderedPost[],
  env: Record<string, string | undefined>,
): Promise<PlannedDelivery[]> {
  const plan: PlannedDelivery[] = []
  for (const p of posts) {
    const channel = playbook.channels.get(p.channel)!
    const creds = checkCredentials(channel, env)
    const {target} = await tryCreateAdapter({channel, credentials: creds.values, timeoutMs: 1, env})
    let replyTo = state.lastPosts.get(p.channel)?.id ?? null
    plan.push({
      channel: p.channel,
      type: p.type,
      target,
      parts: p.parts.map((part, i) => {
        const entry = {...part, reply_to: i === 0 ? replyTo : `(part ${i})`}
        return entry
      }),
      credentials: {ok: creds.ok, missing: creds.missing},
    })
    replyTo = null
  }
  return plan
}

/** Distinct people who must approve a phase's posts: the phase's rule, else the playbook's, else 1. */
export function requiredApprovals(playbook: Playbook, phase: string): number {
  const rule = playbook.phases.find((p) => p.name === phase)?.approval ?? playbook.approval
  return Math.max(1, rule?.required ?? 1)
}

/** How a channel skipped because it already has the update is reported: `skipped`, with the posts that carry it. */
export function alreadyOutcomes(state: IncidentState, already: readonly AlreadyCarried[]): DeliveryOutcome[] {
  return already.map((a) => {
    const remotes = (state.updates.find((u) => u.update === a.update)?.deliveries.get(a.channel)?.parts ?? []).flatMap(
      (p) => (p.status === 'published' && p.remote ? [p.remote] : []),
    )
    return {
      channel: a.channel,
      status: 'skipped',
      ids: remotes.map((r) => r.id),
      urls: remotes.flatMap((r) => (r.url ? [r.url] : [])),
      already: {update: a.update, status: a.status},
    }
  })
}

/**
 * A draft about to be sent: the channels whose latest update already is the draft's (someone
 * published it meanwhile) are left out. Refuses when that leaves nothing to send.
 */
export function draftChannelsToSend(
  state: IncidentState,
  d: {phase: string; facts: Record<string, unknown>; channels: string[]; again: boolean},
): AlreadyCarried[] {
  if (d.again) return []
  const already = alreadyCarried(state, d.phase, {...state.facts, ...d.facts}, d.channels)
  if (already.length > 0 && already.length === d.channels.length) {
    throw new CandorError(
      `every channel of this draft already has its update: ${already.map(describeAlreadyCarried).join('; ')}`,
      {
        code: 'duplicate_update',
        suggestions: [
          'Nothing needs sending; use `candor retry` to finish unfinished deliveries, or publish the phase again with --again to send it once more',
        ],
      },
    )
  }
  return already
}

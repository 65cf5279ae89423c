import type {Facts} from '../../domain/playbook/facts.js'
import type {Playbook} from '../../domain/playbook/model.js'
import {appendEvents} from '../incident/append-events.js'
import type {NewEvent, RenderedPostRecord} from '../incident/events.js'
import type {IncidentLock} from '../incident/store.js'
import {loadIncident} from '../incident/service.js'
import type {IncidentState} from '../incident/state.js'
import {deliverAll, type DeliveryJob, type DeliveryOutcome} from './deliver.js'
import type {AlreadyCarried} from './duplicates.js'
import {alreadyOutcomes} from './plan.js'
import {refuseCredentials} from './preflight.js'
import {buildAdapters, deliveryOptions, type PublishDeps} from './publish-deps.js'
import type {PublishResult} from './results.js'
import {approvedUpdateEvents, diffFacts} from './update-journal.js'

/** An update whose posts are approved (by the publisher, or by a draft's approvers). */
export interface ApprovedUpdate {
  /** The incident as loaded under its lock. */
  state: IncidentState
  playbook: Playbook
  phase: string
  update: number
  nextUpdateDue?: string
  /** Every rendered post, as approved (edits included). */
  posts: RenderedPostRecord[]
  /** The channels chosen; the rest are recorded as declined. */
  channels: string[]
  /** The incident's facts after this update (changes are journaled). */
  facts: Facts
  now: Date
  warnings: string[]
  lock?: IncidentLock
  /** Journaled in the same write: before the update (draft approvals) and after it. */
  before?: NewEvent[]
  after?: NewEvent[]
  /** The draft this update comes from, and who approved it. */
  draft?: {id: string; approvers: string[]}
  /** Channels left out because they already have this update: reported as skipped, not journaled. */
  already?: AlreadyCarried[]
}

/**
 * The second half of publishing: journal the facts, the rendered posts and the approval
 * in one write (one transaction in PostgreSQL), then deliver to every channel at once.
 */
export async function deliverApproved(a: ApprovedUpdate, deps: PublishDeps): Promise<PublishResult> {
  const {state, playbook, phase, update, now} = a
  // Channels that already have this update are not part of it at all (not even as declined).
  const skip = new Set((a.already ?? []).map((x) => x.channel))
  const approved = a.posts.filter((p) => !skip.has(p.channel))
  const channels = a.channels.filter((c) => !skip.has(c))
  const changes = diffFacts(state.facts, Object.fromEntries(Object.entries(a.facts).filter(([, v]) => v !== undefined)))
  refuseCredentials(
    approved.filter((p) => channels.includes(p.channel)),
    deps.env,
  )
  const adapters = await buildAdapters(playbook, channels, deps)
  // Across machines the lock lives on a database connection: make sure it still does.
  await a.lock?.ensureHeld?.()
  await appendEvents(
    deps.store,
    state.id,
    approvedUpdateEvents({...a, actor: deps.actor}, approved, channels, changes),
    now,
  )

  const fresh = (await loadIncident(deps.store, state.id)).state
  const jobs: DeliveryJob[] = approved
    .filter((p) => channels.includes(p.channel))
    .map((post) => ({channel: post.channel, post, adapter: adapters.get(post.channel)!, done: new Map()}))
  const outcomes = await deliverAll(jobs, deliveryOptions(deps, fresh, {update, phase}))
  const skipped: DeliveryOutcome[] = approved
    .filter((p) => !channels.includes(p.channel))
    .map((p) => ({channel: p.channel, status: 'skipped', ids: [], urls: []}))
  return {
    incident: state.id,
    phase,
    update,
    deliveries: [...outcomes, ...skipped, ...alreadyOutcomes(state, a.already ?? [])],
    ...(a.already?.length && {already: a.already}),
    warnings: a.warnings,
  }
}

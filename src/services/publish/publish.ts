import {CandorError} from '../../domain/errors.js'
import type {Facts} from '../../domain/playbook/facts.js'
import type {RemotePost, RenderedPostRecord} from '../incident/events.js'
import {incidentPlaybook, loadIncident} from '../incident/service.js'
import {deliveryStatus, type IncidentState} from '../incident/state.js'
import type {IncidentLock} from '../incident/store.js'
import type {Playbook} from '../../domain/playbook/model.js'
import {cacheLimits, cachedLimits, limitsSource, type PlatformLimits} from '../render/platform-limits.js'
import {renderPhase, type RenderedPhase} from '../render/render-phase.js'
import {configuredCredentials} from '../policy/configured-credentials.js'
import type {Approver} from './approval.js'
import {approveRendered} from './approve-update.js'
import type {ChannelAdapter} from './adapter.js'
import {checkCredentials, secretValues} from './credentials.js'
import {deliverAll, postKeyFor, systemClock, threadFor, type DeliveryJob, type DeliveryOutcome} from './deliver.js'
import {deliverApproved} from './deliver-approved.js'
import type {AlreadyCarried} from './duplicates.js'
import {alreadyOutcomes, dryRunPlan, planUpdate, requiredApprovals} from './plan.js'
import {preflight, refuseFailedPreflight} from './preflight.js'
import {buildAdapters, channelsOf, deliveryOptions, type PublishDeps} from './publish-deps.js'
import {Redactor} from './redact.js'
import type {PublishResult} from './results.js'
import {policyOverrideEvent, toRecord} from './update-journal.js'
import {withLock} from '../incident/with-lock.js'

// What publishing is made of, each in its own module, under the one name commands use.
export {approveRendered} from './approve-update.js'
export {deliverApproved, type ApprovedUpdate} from './deliver-approved.js'
export {alreadyOutcomes, draftChannelsToSend, requiredApprovals} from './plan.js'
export {preflight, refuseCredentials} from './preflight.js'
export {buildAdapters, type PublishDeps} from './publish-deps.js'
export type {PendingApproval, PlannedDelivery, PublishResult} from './results.js'
export {toRecord} from './update-journal.js'
export type {ApprovalDecision, ApprovalRequest, Approver} from './approval.js'

export interface PublishRequest {
  incident: string
  /** Left out (no --phase): an error listing the playbook's phases. */
  phase?: string
  facts: Facts
  channels?: readonly string[]
  /** Approve everything without asking. */
  yes?: boolean
  /** Whether a person can be asked (stdin and stdout are terminals). */
  interactive: boolean
  /** When not interactive, why (for the error): e.g. "stdout is not a terminal". */
  noPromptReason?: string
  approver?: Approver
  dryRun?: boolean
  again?: boolean
  /** Shows the rendered posts to the person about to approve them, and the channels skipped because they already have this update. */
  preview?: (rendered: RenderedPhase, already: AlreadyCarried[]) => void
  /** Post-policy rules overridden for this update (--allow), journaled with who gave them. */
  allow?: readonly string[]
  /** When the playbook wants more than one approval: how long the draft stays open (default 2 h). */
  draftTtlMs?: number
}

/**
 * Publishes one update of an incident: merge facts, render, preflight, approve,
 * journal, deliver to every channel at once.
 */
export async function publishUpdate(req: PublishRequest, deps: PublishDeps): Promise<PublishResult> {
  if (req.dryRun) return publishLocked(req, deps)
  return withLock(deps, req.incident, 'publish', (lock) => publishLocked(req, deps, lock))
}

async function publishLocked(req: PublishRequest, given: PublishDeps, lock?: IncidentLock): Promise<PublishResult> {
  const clock = given.clock ?? systemClock
  const now = clock.now()
  const {state, warnings} = await loadIncident(given.store, req.incident)
  const {playbook, deps} = await channelsOf(
    state,
    incidentPlaybook(state, {templatesOf: req.phase === undefined ? [] : [req.phase]}),
    given,
  )
  const {phase, merged, facts, update, already, channels: phaseChannels} = planUpdate(state, playbook, req)
  const limits = req.dryRun
    ? {limits: cachedLimits(playbook, phaseChannels, deps.env), warnings: []}
    : await readChannelLimits(playbook, phaseChannels, deps, now)
  warnings.push(...limits.warnings)
  const credentials = configuredCredentials(deps.env)
  const renderAt = (at: Date, only?: readonly string[]): RenderedPhase => {
    const all = renderPhase(playbook, phase, facts, {
      channels: only ?? req.channels,
      now: at,
      incident: {id: state.id, startedAt: new Date(state.startedAt)},
      update,
      allow: req.allow,
      limits: limits.limits,
      credentials,
    })
    return already.length > 0
      ? {...all, posts: all.posts.filter((p) => !already.some((a) => a.channel === p.channel))}
      : all
  }
  const rendered = renderAt(now)
  const posts = rendered.posts
  warnings.push(...posts.flatMap((p) => p.warnings.map((w) => `${p.channel}: ${w}`)))

  const check = preflight(playbook, posts, deps.env)
  if (req.dryRun) {
    const plan = await dryRunPlan(state, playbook, posts, deps.env)
    if (check.problems.length > 0) warnings.push(...check.problems.map((p) => `would not publish: ${p}`))
    const required = requiredApprovals(playbook, rendered.phase)
    if (required > 1)
      warnings.push(
        `phase ${rendered.phase} needs ${required} people to approve: publishing records a draft for \`candor approve\``,
      )
    return {incident: state.id, phase: rendered.phase, update, deliveries: [], plan, already, warnings}
  }
  if (posts.length === 0) {
    // Every channel already has this update: nothing to approve, record or send.
    return {
      incident: state.id,
      phase: rendered.phase,
      update: null,
      deliveries: alreadyOutcomes(state, already),
      already,
      warnings,
    }
  }
  refuseFailedPreflight(check)

  await buildAdapters(
    playbook,
    posts.map((p) => p.channel),
    deps,
  ) // fail on an unsupported type before asking anyone

  const approval = await approveRendered({
    ...req,
    incident: state.id,
    update,
    playbook,
    facts,
    limits: limits.limits,
    credentials,
    rendered,
    now,
    clock,
    render: renderAt,
    preflight: (again) => preflight(playbook, again, deps.env).problems,
    already,
  })
  const {approvedAt, channels} = approval
  const approvedPhase = approval.rendered

  if (req.allow?.length)
    await deps.store.append(
      state.id,
      policyOverrideEvent(deps.actor, update, req.allow, approvedPhase.posts),
      approvedAt,
    )

  // More than one person must approve: record a draft with this approval, send nothing.
  if (requiredApprovals(playbook, approvedPhase.phase) > 1) {
    const {recordDraft} = await import('./drafts.js')
    return recordDraft(
      {
        state,
        playbook,
        rendered: {
          phase: approvedPhase.phase,
          nextUpdateDue: approvedPhase.nextUpdateDue,
          posts: approvedPhase.posts.map(toRecord),
        },
        approved: approval.posts,
        channels,
        facts: req.facts,
        update,
        now: approval.renderedAt,
        approvedAt,
        again: req.again,
        ttlMs: req.draftTtlMs,
        warnings,
        already,
      },
      deps,
      lock,
    )
  }

  const sent = {phase: approvedPhase.phase, nextUpdateDue: approvedPhase.nextUpdateDue, posts: approval.posts, channels}
  return deliverApproved(
    {state, playbook, ...sent, update, facts: merged, now: approvedAt, warnings, lock, already},
    deps,
  )
}

/**
 * What each channel's server allows (a Mastodon instance's limits), read before the posts are
 * split and cached for later previews. A server that cannot be asked leaves the cached limits
 * (or the channel's default) in place, with a warning: it never stops a publish. Channels
 * whose playbook sets `max_length` are not asked.
 */
export async function readChannelLimits(
  playbook: Playbook,
  channels: readonly string[],
  deps: PublishDeps,
  now: Date,
): Promise<{limits: Map<string, PlatformLimits>; warnings: string[]}> {
  const limits = cachedLimits(playbook, channels, deps.env)
  const warnings: string[] = []
  const redactor = new Redactor(secretValues(deps.env))
  const wanted = channels.filter(
    (name) =>
      limitsSource(playbook, name, deps.env) !== undefined &&
      typeof playbook.channels.get(name)!.options.max_length !== 'number',
  )
  if (wanted.length === 0) return {limits, warnings}
  const adapters = await buildAdapters(playbook, wanted, deps)
  await Promise.all(
    wanted.map(async (name) => {
      const adapter = adapters.get(name)!
      if (!adapter.readLimits) return
      const config = playbook.channels.get(name)!
      const source = limitsSource(playbook, name, deps.env)!
      try {
        const read = await adapter.readLimits(deps.signal ?? new AbortController().signal)
        const value: PlatformLimits = {...read, source, readAt: now.toISOString()}
        limits.set(name, value)
        cacheLimits(config.type, value)
      } catch (error) {
        const cached = limits.get(name)
        const fallback = cached
          ? `using the limit of ${cached.maxLength} it gave at ${cached.readAt.slice(0, 16).replace('T', ' ')} UTC`
          : `assuming ${config.kind.label}'s default of ${config.kind.defaultLimit}; set max_length in the playbook if the instance allows another`
        warnings.push(
          `${name}: could not read ${source}'s limits (${redactor.text((error as Error).message)}); ${fallback}`,
        )
      }
    }),
  )
  return {limits, warnings}
}

export interface RetryResult {
  incident: string
  updates: Array<{update: number; phase: string; deliveries: DeliveryOutcome[]}>
  /** Parts whose fate was unknown after an interrupted send, and how each was settled. */
  resolved: Array<{
    update: number
    channel: string
    part: number
    how: 'found' | 'not-found' | 'idempotent' | 'assumed-sent' | 'assumed-lost'
  }>
  warnings: string[]
}

export type UnknownAnswer = 'sent' | 'lost'

export interface RetryRequest {
  incident: string
  channels?: readonly string[]
  /** How to settle parts the platform cannot look up (--assume-sent / --assume-lost). */
  assume?: UnknownAnswer
  /** Asks a person about one unknown part; absent off a terminal. */
  ask?: (part: {update: number; channel: string; part: number; text: string}) => Promise<UnknownAnswer>
}

/**
 * Sends again what failed or never finished; a published part is never re-sent. A part
 * left "unknown" by an interrupted send is settled first: looked up on the platform where
 * it can be, re-sent where the platform drops repeats, otherwise as the user says.
 */
export async function retryFailed(req: RetryRequest, deps: PublishDeps): Promise<RetryResult> {
  return withLock(deps, req.incident, 'retry', (lock) => retryLocked(req, deps, lock))
}

async function retryLocked(req: RetryRequest, given: PublishDeps, lock: IncidentLock): Promise<RetryResult> {
  const {state, warnings} = await loadIncident(given.store, req.incident)
  const {playbook, deps} = await channelsOf(state, incidentPlaybook(state), given)
  const todo = state.updates
    .filter((u) => u.approvedAt)
    .map((u) => ({
      u,
      deliveries: [...u.deliveries.values()].filter((d) => {
        const s = deliveryStatus(d)
        return (
          (s === 'failed' || s === 'pending' || s === 'unknown') &&
          (!req.channels?.length || req.channels.includes(d.channel)) &&
          playbook.channels.has(d.channel)
        )
      }),
    }))
    .filter((x) => x.deliveries.length > 0)
  const resolved: RetryResult['resolved'] = []
  if (todo.length === 0) return {incident: state.id, updates: [], resolved, warnings}

  const missing = [...new Set(todo.flatMap((x) => x.deliveries.map((d) => d.channel)))].flatMap(
    (c) => checkCredentials(playbook.channels.get(c)!, deps.env).missing,
  )
  if (missing.length > 0) {
    throw new CandorError(`nothing was retried: missing credentials: set ${missing.join(', ')}`, {
      code: 'credentials_missing',
      suggestions: ['Set the variables (in the environment or .env), then run retry again'],
    })
  }

  const updates: RetryResult['updates'] = []
  for (const {u, deliveries} of todo) {
    const current = (await loadIncident(deps.store, state.id)).state
    const adapters = await buildAdapters(
      playbook,
      deliveries.map((d) => d.channel),
      deps,
    )
    const jobs: DeliveryJob[] = []
    for (const d of deliveries) {
      const post = u.posts.find((p) => p.channel === d.channel)!
      const adapter = adapters.get(d.channel)!
      const done = new Map<number, RemotePost | null>(
        d.parts.filter((p) => p.status === 'published').map((p) => [p.part, p.remote ?? null]),
      )
      for (const part of d.parts.filter((p) => p.status === 'sending')) {
        const how = await settleUnknown(req, deps, {
          state: current,
          update: u,
          channel: d.channel,
          post,
          adapter,
          part: part.part,
          done,
        })
        resolved.push({update: u.update, channel: d.channel, part: part.part, how})
      }
      // A part that failed with a timeout, reset or 5xx may be on the platform anyway.
      const verifyFirst = new Set(d.parts.filter((p) => p.status === 'failed').map((p) => p.part))
      jobs.push({channel: d.channel, post, adapter, done, verifyFirst})
    }
    await lock.ensureHeld?.()
    const outcomes = await deliverAll(
      jobs,
      deliveryOptions(deps, (await loadIncident(deps.store, state.id)).state, {update: u.update, phase: u.phase}),
    )
    updates.push({update: u.update, phase: u.phase, deliveries: outcomes})
  }
  return {incident: state.id, updates, resolved, warnings}
}

async function settleUnknown(
  req: RetryRequest,
  deps: PublishDeps,
  ctx: {
    state: IncidentState
    update: {update: number; phase: string}
    channel: string
    post: RenderedPostRecord
    adapter: ChannelAdapter
    part: number
    done: Map<number, RemotePost | null>
  },
): Promise<RetryResult['resolved'][number]['how']> {
  const {adapter, part, post} = ctx
  const journalFound = async (remote: RemotePost | undefined, note: string) => {
    await deps.store.append(ctx.state.id, {
      type: 'delivery_result',
      by: deps.actor,
      update: ctx.update.update,
      channel: ctx.channel,
      part,
      status: 'published',
      ...(remote && {remote}),
      error: note,
    })
    ctx.done.set(part, remote ?? null)
  }
  if (adapter.findPublished) {
    try {
      const thread = threadFor(ctx.state, ctx.channel, ctx.update.update, adapter)
      const postKey = postKeyFor(ctx.state, ctx.channel, ctx.update.update, part, adapter)
      const found = await adapter.findPublished({
        text: post.parts[part - 1].text,
        part,
        parts: post.parts.length,
        replyTo: part > 1 ? (ctx.done.get(part - 1) ?? undefined) : thread.replyTo,
        threadRoot: thread.threadRoot ?? ctx.done.get(1) ?? undefined,
        ...(postKey && {postKey}),
        post,
        incident: {id: ctx.state.id, update: ctx.update.update, phase: ctx.update.phase, facts: ctx.state.facts},
        idempotencyKey: `candor-${ctx.state.id}-${ctx.update.update}-${ctx.channel}-${part}`,
        signal: deps.signal ?? new AbortController().signal,
      })
      if (found) {
        await journalFound(found, 'found on the platform after an interrupted send')
        return 'found'
      }
      return 'not-found'
    } catch {
      // The lookup failed: fall through to what the user says.
    }
  }
  if (adapter.idempotent) return 'idempotent'
  const answer =
    req.assume ??
    (req.ask
      ? await req.ask({update: ctx.update.update, channel: ctx.channel, part, text: post.parts[part - 1].text})
      : undefined)
  if (!answer) {
    throw new CandorError(
      `update ${ctx.update.update} on ${ctx.channel}, part ${part}, may or may not have arrived (Candor stopped, or got no clear answer, while sending it), and ${ctx.channel} can't be asked`,
      {
        code: 'delivery_unknown',
        suggestions: [
          'Look at the channel, then run `candor retry --assume-sent` if it is there or `candor retry --assume-lost` to send it again',
        ],
      },
    )
  }
  if (answer === 'sent') {
    await journalFound(undefined, `assumed sent by ${deps.actor}`)
    return 'assumed-sent'
  }
  return 'assumed-lost'
}

import {CandorError, ExitCode} from '../../domain/errors.js'
import {resolveFacts, type Facts} from '../../domain/facts.js'
import type {NewEvent, RemotePost, RenderedPostRecord} from '../incident/events.js'
import {incidentPlaybook, loadIncident} from '../incident/service.js'
import {deliveryStatus, type IncidentState} from '../incident/state.js'
import type {IncidentStore} from '../incident/store.js'
import type {IncidentLock, LockOwner} from '../incident/lock.js'
import type {Playbook} from '../../domain/playbook/model.js'
import {cacheLimits, cachedLimits, limitsSource, type PlatformLimits} from './platform-limits.js'
import {findPhase, renderPhase, selectPosts, type RenderedPhase, type RenderedPost} from '../render/render-phase.js'
import {configuredCredentials} from '../policy/configured-credentials.js'
import {findCredentials} from '../policy/rules.js'
import {askApproval, type Approver} from './approval.js'
import type {ChannelAdapter} from './adapter.js'
import {loadAdapterFactory, tryCreateAdapter} from '../../channels/adapters.js'
import {checkCredentials, secretValues} from './credentials.js'
import {endpointProblem} from './endpoint-trust.js'
import {deliverAll, postKeyFor, systemClock, threadFor, type Clock, type DeliveryJob, type DeliveryOutcome, type DeliveryReporter} from './deliver.js'
import {alreadyCarried, describeAlreadyCarried, type AlreadyCarried} from './duplicates.js'
import {Redactor} from './redact.js'
import {appendEvents} from '../incident/append-events.js'
import {withLock} from '../incident/with-lock.js'

export type {ApprovalDecision, ApprovalRequest, Approver} from './approval.js'

export interface PublishDeps {
  store: IncidentStore
  actor: string
  env: Record<string, string | undefined>
  reporter: DeliveryReporter
  clock?: Clock
  signal?: AbortSignal
  maxWaitMs?: number
  timeoutMs?: number
  retries?: number
  backoffMs?: number
  /** Where each backoff falls between 0 and its cap (default Math.random); tests fix it. */
  random?: () => number
  /** How long to wait for another command working on the same incident. */
  lockTimeoutMs?: number
  onLockWait?: (owner: LockOwner | undefined) => void
}

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

export interface PlannedDelivery {
  channel: string
  type: string
  target: string
  parts: Array<{text: string; length: number; limit: number | null; reply_to: string | null}>
  credentials: {ok: boolean; missing: string[]}
}

export interface PublishResult {
  incident: string
  phase: string
  /** The update recorded; null when nothing was, because every channel already had it. */
  update: number | null
  /** Skipped channels (declined, or already carrying this update: see `already`) are listed as `skipped`. */
  deliveries: DeliveryOutcome[]
  /** Channels skipped because their latest update already is this one (same phase and facts). */
  already?: AlreadyCarried[]
  /** Set on --dry-run: what would be sent, and where. */
  plan?: PlannedDelivery[]
  /** Set when more approvals are needed: a draft was recorded and nothing was sent. */
  pending?: PendingApproval
  warnings: string[]
}

/** A draft waiting for approvals (`publish` and `approve` when people are still missing). */
export interface PendingApproval {
  draft: string
  status: 'pending-approval' | 'approved'
  /** Who approved the draft's current content, in order. */
  approvals: string[]
  required: number
  expires_at: string
}

/** Distinct people who must approve a phase's posts: the phase's rule, else the playbook's, else 1. */
export function requiredApprovals(playbook: Playbook, phase: string): number {
  const rule = playbook.phases.find((p) => p.name === phase)?.approval ?? playbook.approval
  return Math.max(1, rule?.required ?? 1)
}

const DEFAULTS = {maxWaitMs: 120_000, timeoutMs: 15_000, retries: 3, backoffMs: 1000}

function diffFacts(before: Facts, after: Facts): Array<{fact: string; from: unknown; to: unknown}> {
  const changes: Array<{fact: string; from: unknown; to: unknown}> = []
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes.push({fact: key, from: before[key] ?? null, to: after[key] ?? null})
  }
  return changes
}

export function toRecord(post: RenderedPost): RenderedPostRecord {
  const {warnings: _w, errors: _e, violations: _v, limitNote: _l, ...record} = post
  return record
}

/** Preflight: every post within limits and every channel's credentials present, or nothing goes out. */
export function preflight(playbook: Playbook, posts: RenderedPost[], env: Record<string, string | undefined>): {problems: string[]; missing: string[]; untrusted: string[]} {
  const problems = posts.flatMap((p) => p.errors)
  // Where each channel's credentials would go: refused before any connection when the environment does not trust it.
  const untrusted = posts.flatMap((p) => endpointProblem(playbook.channels.get(p.channel)!, env) ?? [])
  problems.push(...untrusted)
  const checks = posts.map((p) => checkCredentials(playbook.channels.get(p.channel)!, env))
  const missing = checks.flatMap((c) => c.missing)
  if (missing.length > 0) problems.push(`missing credentials: set ${missing.join(', ')} (in the environment or .env)`)
  for (const c of checks) if (c.problem) problems.push(`${c.channel}: ${c.problem}`)
  return {problems, missing, untrusted}
}

export async function buildAdapters(playbook: Playbook, channels: string[], deps: PublishDeps): Promise<Map<string, ChannelAdapter>> {
  const adapters = new Map<string, ChannelAdapter>()
  for (const name of channels) {
    const channel = playbook.channels.get(name)!
    const factory = await loadAdapterFactory(channel.type)
    adapters.set(name, factory({channel, credentials: checkCredentials(channel, deps.env).values, timeoutMs: deps.timeoutMs ?? DEFAULTS.timeoutMs, store: deps.store, env: deps.env}))
  }
  return adapters
}

function deliveryOptions(deps: PublishDeps, incident: IncidentState, update: {update: number; phase: string}) {
  return {
    store: deps.store,
    incident,
    update,
    actor: deps.actor,
    redactor: new Redactor(secretValues(deps.env)),
    clock: deps.clock ?? systemClock,
    reporter: deps.reporter,
    signal: deps.signal ?? new AbortController().signal,
    maxWaitMs: deps.maxWaitMs ?? DEFAULTS.maxWaitMs,
    retries: deps.retries ?? DEFAULTS.retries,
    backoffMs: deps.backoffMs ?? DEFAULTS.backoffMs,
    random: deps.random,
  }
}

/**
 * Publishes one update of an incident: merge facts, render, preflight, approve,
 * journal, deliver to every channel at once.
 */
export async function publishUpdate(req: PublishRequest, deps: PublishDeps): Promise<PublishResult> {
  if (req.dryRun) return publishLocked(req, deps)
  return withLock(deps, req.incident, 'publish', (lock) => publishLocked(req, deps, lock))
}

async function publishLocked(req: PublishRequest, deps: PublishDeps, lock?: IncidentLock): Promise<PublishResult> {
  const clock = deps.clock ?? systemClock
  const now = clock.now()
  const {state, warnings} = await loadIncident(deps.store, req.incident)
  const playbook = incidentPlaybook(state, {templatesOf: req.phase === undefined ? [] : [req.phase]})
  const phase = findPhase(playbook, req.phase).name
  const merged = {...state.facts, ...req.facts}
  const facts = resolveFacts(playbook, merged)
  const update = state.updates.reduce((m, u) => Math.max(m, u.update), 0) + 1
  const selected = selectPosts(playbook, findPhase(playbook, phase), req.channels).map((p) => p.channel)
  // A channel whose latest update already is this one (same phase, same facts) is skipped:
  // publishing it there again would post it twice. --again sends a new update on purpose.
  const already = req.again ? [] : alreadyCarried(state, phase, merged, selected)
  const phaseChannels = selected.filter((c) => !already.some((a) => a.channel === c))
  const limits = req.dryRun ? {limits: cachedLimits(playbook, phaseChannels, deps.env), warnings: []} : await readChannelLimits(playbook, phaseChannels, deps, now)
  warnings.push(...limits.warnings)
  const credentials = configuredCredentials(deps.env)
  const renderAt = (at: Date, only?: readonly string[]): RenderedPhase => {
    const all = renderPhase(playbook, phase, facts, {channels: only ?? req.channels, now: at, incident: {id: state.id, startedAt: new Date(state.startedAt)}, update, allow: req.allow, limits: limits.limits, credentials})
    return already.length > 0 ? {...all, posts: all.posts.filter((p) => !already.some((a) => a.channel === p.channel))} : all
  }
  let rendered = renderAt(now)
  let renderedAt = now
  let posts = rendered.posts
  warnings.push(...posts.flatMap((p) => p.warnings.map((w) => `${p.channel}: ${w}`)))

  const check = preflight(playbook, posts, deps.env)
  if (req.dryRun) {
    const plan: PlannedDelivery[] = []
    for (const p of posts) {
      const channel = playbook.channels.get(p.channel)!
      const creds = checkCredentials(channel, deps.env)
      const {target} = await tryCreateAdapter({channel, credentials: creds.values, timeoutMs: 1, env: deps.env})
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
    if (check.problems.length > 0) warnings.push(...check.problems.map((p) => `would not publish: ${p}`))
    const required = requiredApprovals(playbook, rendered.phase)
    if (required > 1) warnings.push(`phase ${rendered.phase} needs ${required} people to approve: publishing records a draft for \`candor approve\``)
    return {incident: state.id, phase: rendered.phase, update, deliveries: [], plan, already, warnings}
  }
  if (posts.length === 0) {
    // Every channel already has this update: nothing to approve, record or send.
    return {incident: state.id, phase: rendered.phase, update: null, deliveries: alreadyOutcomes(state, already), already, warnings}
  }
  if (check.problems.length > 0) {
    throw new CandorError(`nothing was published: ${check.problems.join('; ')}`, {
      code: check.untrusted.length > 0 ? 'endpoint_untrusted' : check.missing.length > 0 ? 'credentials_missing' : 'preflight_failed',
      suggestions: [
        check.untrusted.length > 0
          ? 'Trust the endpoint where the credentials are set (CANDOR_<CHANNEL>_API_URL, or CANDOR_TRUSTED_HOSTS), fix the playbook, or leave those channels out with --channel'
          : check.missing.length > 0
            ? 'Set the variables, or leave those channels out with --channel'
            : 'Shorten the posts (see `candor preview`), then publish again',
      ],
    })
  }

  await buildAdapters(playbook, posts.map((p) => p.channel), deps) // fail on an unsupported type before asking anyone

  let approved: RenderedPostRecord[] = posts.map(toRecord)
  let channels = approved.map((p) => p.channel)
  // The moment of approval: what the journal records, and what the post's times count from.
  let approvedAt = now
  if (!req.yes) {
    if (!req.interactive || !req.approver) {
      throw new CandorError(`publishing needs approval, and no one can be asked: ${req.noPromptReason ?? 'no terminal'}`, {
        code: 'approval_required',
        exit: ExitCode.NotApproved,
        suggestions: ['Pass --yes to approve in a script, or run it in a terminal; preview first with --dry-run'],
      })
    }
    const approval = await askApproval({
      approver: req.approver,
      incident: state.id,
      update,
      playbook,
      facts,
      allow: req.allow,
      limits: limits.limits,
      credentials,
      rendered,
      renderedAt: now,
      clock,
      render: (at, only) => renderAt(at, only),
      preflight: (again) => preflight(playbook, again, deps.env).problems,
      preview: req.preview ? (r) => req.preview!(r, already) : undefined,
    })
    rendered = approval.rendered
    posts = rendered.posts
    renderedAt = approval.renderedAt
    approvedAt = approval.approvedAt
    approved = approval.posts
    channels = approval.channels
  }

  if (req.allow?.length) {
    const hits = posts.flatMap((p) => (p.violations ?? []).filter((v) => v.allowed).map((v) => ({channel: p.channel, rule: v.rule, match: v.match})))
    await deps.store.append(state.id, {type: 'policy_override', by: deps.actor, update, rules: [...new Set(req.allow)], hits}, approvedAt)
  }

  // More than one person must approve: record a draft with this approval, send nothing.
  if (requiredApprovals(playbook, rendered.phase) > 1) {
    const {recordDraft} = await import('./drafts.js')
    return recordDraft(
      {state, playbook, rendered: {phase: rendered.phase, nextUpdateDue: rendered.nextUpdateDue, posts: posts.map(toRecord)}, approved, channels, facts: req.facts, update, now: renderedAt, approvedAt, again: req.again, ttlMs: req.draftTtlMs, warnings, already},
      deps,
      lock,
    )
  }

  return deliverApproved({state, playbook, phase: rendered.phase, update, nextUpdateDue: rendered.nextUpdateDue, posts: approved, channels, facts: merged, now: approvedAt, warnings, lock, already}, deps)
}

/**
 * What each channel's server allows (a Mastodon instance's limits), read before the posts are
 * split and cached for later previews. A server that cannot be asked leaves the cached limits
 * (or the channel's default) in place, with a warning: it never stops a publish. Channels
 * whose playbook sets `max_length` are not asked.
 */
export async function readChannelLimits(playbook: Playbook, channels: readonly string[], deps: PublishDeps, now: Date): Promise<{limits: Map<string, PlatformLimits>; warnings: string[]}> {
  const limits = cachedLimits(playbook, channels, deps.env)
  const warnings: string[] = []
  const redactor = new Redactor(secretValues(deps.env))
  const wanted = channels.filter((name) => limitsSource(playbook, name, deps.env) !== undefined && typeof playbook.channels.get(name)!.options.max_length !== 'number')
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
        const fallback = cached ? `using the limit of ${cached.maxLength} it gave at ${cached.readAt.slice(0, 16).replace('T', ' ')} UTC` : `assuming ${config.kind.label}'s default of ${config.kind.defaultLimit}; set max_length in the playbook if the instance allows another`
        warnings.push(`${name}: could not read ${source}'s limits (${redactor.text((error as Error).message)}); ${fallback}`)
      }
    }),
  )
  return {limits, warnings}
}

/** How a channel skipped because it already has the update is reported: `skipped`, with the posts that carry it. */
export function alreadyOutcomes(state: IncidentState, already: readonly AlreadyCarried[]): DeliveryOutcome[] {
  return already.map((a) => {
    const remotes = (state.updates.find((u) => u.update === a.update)?.deliveries.get(a.channel)?.parts ?? []).flatMap((p) => (p.status === 'published' && p.remote ? [p.remote] : []))
    return {channel: a.channel, status: 'skipped', ids: remotes.map((r) => r.id), urls: remotes.flatMap((r) => (r.url ? [r.url] : [])), already: {update: a.update, status: a.status}}
  })
}

/**
 * A draft about to be sent: the channels whose latest update already is the draft's (someone
 * published it meanwhile) are left out. Refuses when that leaves nothing to send.
 */
export function draftChannelsToSend(state: IncidentState, d: {phase: string; facts: Record<string, unknown>; channels: string[]; again: boolean}): AlreadyCarried[] {
  if (d.again) return []
  const already = alreadyCarried(state, d.phase, {...state.facts, ...d.facts}, d.channels)
  if (already.length > 0 && already.length === d.channels.length) {
    throw new CandorError(`every channel of this draft already has its update: ${already.map(describeAlreadyCarried).join('; ')}`, {
      code: 'duplicate_update',
      suggestions: ['Nothing needs sending; use `candor retry` to finish unfinished deliveries, or publish the phase again with --again to send it once more'],
    })
  }
  return already
}

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
  refuseCredentials(approved.filter((p) => channels.includes(p.channel)), deps.env)
  const adapters = await buildAdapters(playbook, channels, deps)
  // Across machines the lock lives on a database connection: make sure it still does.
  await a.lock?.ensureHeld?.()
  const events: NewEvent[] = [...(a.before ?? [])]
  if (changes.length > 0) events.push({type: 'facts_changed', by: deps.actor, changes})
  events.push({type: 'rendered', by: deps.actor, update, phase, next_update_due: a.nextUpdateDue, posts: approved})
  events.push({type: 'approved', by: deps.actor, update, channels, declined: approved.map((p) => p.channel).filter((c) => !channels.includes(c)), ...(a.draft && {draft: a.draft.id, approvers: a.draft.approvers})})
  events.push(...(a.after ?? []))
  await appendEvents(deps.store, state.id, events, now)

  const fresh = (await loadIncident(deps.store, state.id)).state
  const jobs: DeliveryJob[] = approved.filter((p) => channels.includes(p.channel)).map((post) => ({channel: post.channel, post, adapter: adapters.get(post.channel)!, done: new Map()}))
  const outcomes = await deliverAll(jobs, deliveryOptions(deps, fresh, {update, phase}))
  const skipped: DeliveryOutcome[] = approved.filter((p) => !channels.includes(p.channel)).map((p) => ({channel: p.channel, status: 'skipped', ids: [], urls: []}))
  return {incident: state.id, phase, update, deliveries: [...outcomes, ...skipped, ...alreadyOutcomes(state, a.already ?? [])], ...(a.already?.length && {already: a.already}), warnings: a.warnings}
}

/**
 * The last check before anything is journaled or sent, whoever approved the posts (an
 * edit, a draft's approvers): no form of a post (text, title, subject, link, HTML) may
 * contain a credential Candor was given. No --allow overrides it.
 */
export function refuseCredentials(posts: readonly RenderedPostRecord[], env: Record<string, string | undefined>): void {
  const given = configuredCredentials(env)
  if (given.length === 0) return
  const hits = posts.flatMap((p) =>
    [...p.parts.map((x) => x.text), p.title, p.subject, p.link, p.html].flatMap((text) => (text ? findCredentials(text, given) : [])).map((v) => `${p.channel}: ${v.message}`),
  )
  if (hits.length > 0) {
    throw new CandorError(`nothing was published: ${[...new Set(hits)].join('; ')}`, {
      code: 'credential_in_post',
      suggestions: ['Remove the credential from the facts (`--set`) or the template; this policy rule cannot be overridden with --allow'],
    })
  }
}

export interface RetryResult {
  incident: string
  updates: Array<{update: number; phase: string; deliveries: DeliveryOutcome[]}>
  /** Parts whose fate was unknown after an interrupted send, and how each was settled. */
  resolved: Array<{update: number; channel: string; part: number; how: 'found' | 'not-found' | 'idempotent' | 'assumed-sent' | 'assumed-lost'}>
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

async function retryLocked(req: RetryRequest, deps: PublishDeps, lock: IncidentLock): Promise<RetryResult> {
  const {state, warnings} = await loadIncident(deps.store, req.incident)
  const playbook = incidentPlaybook(state)
  const todo = state.updates
    .filter((u) => u.approvedAt)
    .map((u) => ({
      u,
      deliveries: [...u.deliveries.values()].filter((d) => {
        const s = deliveryStatus(d)
        return (s === 'failed' || s === 'pending' || s === 'unknown') && (!req.channels?.length || req.channels.includes(d.channel)) && playbook.channels.has(d.channel)
      }),
    }))
    .filter((x) => x.deliveries.length > 0)
  const resolved: RetryResult['resolved'] = []
  if (todo.length === 0) return {incident: state.id, updates: [], resolved, warnings}

  const missing = [...new Set(todo.flatMap((x) => x.deliveries.map((d) => d.channel)))].flatMap((c) => checkCredentials(playbook.channels.get(c)!, deps.env).missing)
  if (missing.length > 0) {
    throw new CandorError(`nothing was retried: missing credentials: set ${missing.join(', ')}`, {code: 'credentials_missing', suggestions: ['Set the variables (in the environment or .env), then run retry again']})
  }

  const updates: RetryResult['updates'] = []
  for (const {u, deliveries} of todo) {
    const current = (await loadIncident(deps.store, state.id)).state
    const adapters = await buildAdapters(playbook, deliveries.map((d) => d.channel), deps)
    const jobs: DeliveryJob[] = []
    for (const d of deliveries) {
      const post = u.posts.find((p) => p.channel === d.channel)!
      const adapter = adapters.get(d.channel)!
      const done = new Map<number, RemotePost | null>(d.parts.filter((p) => p.status === 'published').map((p) => [p.part, p.remote ?? null]))
      for (const part of d.parts.filter((p) => p.status === 'sending')) {
        const how = await settleUnknown(req, deps, {state: current, update: u, channel: d.channel, post, adapter, part: part.part, done})
        resolved.push({update: u.update, channel: d.channel, part: part.part, how})
      }
      // A part that failed with a timeout, reset or 5xx may be on the platform anyway.
      const verifyFirst = new Set(d.parts.filter((p) => p.status === 'failed').map((p) => p.part))
      jobs.push({channel: d.channel, post, adapter, done, verifyFirst})
    }
    await lock.ensureHeld?.()
    const outcomes = await deliverAll(jobs, deliveryOptions(deps, (await loadIncident(deps.store, state.id)).state, {update: u.update, phase: u.phase}))
    updates.push({update: u.update, phase: u.phase, deliveries: outcomes})
  }
  return {incident: state.id, updates, resolved, warnings}
}

async function settleUnknown(
  req: RetryRequest,
  deps: PublishDeps,
  ctx: {state: IncidentState; update: {update: number; phase: string}; channel: string; post: RenderedPostRecord; adapter: ChannelAdapter; part: number; done: Map<number, RemotePost | null>},
): Promise<RetryResult['resolved'][number]['how']> {
  const {adapter, part, post} = ctx
  const journalFound = async (remote: RemotePost | undefined, note: string) => {
    await deps.store.append(ctx.state.id, {type: 'delivery_result', by: deps.actor, update: ctx.update.update, channel: ctx.channel, part, status: 'published', ...(remote && {remote}), error: note})
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
  const answer = req.assume ?? (req.ask ? await req.ask({update: ctx.update.update, channel: ctx.channel, part, text: post.parts[part - 1].text}) : undefined)
  if (!answer) {
    throw new CandorError(`update ${ctx.update.update} on ${ctx.channel}, part ${part}, may or may not have arrived (Candor stopped, or got no clear answer, while sending it), and ${ctx.channel} can't be asked`, {
      code: 'delivery_unknown',
      suggestions: ['Look at the channel, then run `candor retry --assume-sent` if it is there or `candor retry --assume-lost` to send it again'],
    })
  }
  if (answer === 'sent') {
    await journalFound(undefined, `assumed sent by ${deps.actor}`)
    return 'assumed-sent'
  }
  return 'assumed-lost'
}

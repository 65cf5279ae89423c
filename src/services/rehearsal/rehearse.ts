/**
 * `candor rehearse PLAYBOOK`: every phase of a playbook published, in order, with its example
 * facts, to a sandbox (a rehearsal incident: nothing reaches a platform), on a simulated clock
 * that moves to each promised update; then what would fail on the day, per phase and channel.
 * See docs/rehearsal.md.
 */
import {CandorError} from '../../domain/errors.js'
import {resolveFacts} from '../../domain/playbook/facts.js'
import type {Playbook} from '../../domain/playbook/model.js'
import {promisedCadence} from '../../domain/playbook/cadence.js'
import {incidentPlaybook, loadIncident, openIncident} from '../incident/service.js'
import type {IncidentStore} from '../incident/store.js'
import {lintPlaybook} from '../lint/lint.js'
import {exampleFacts} from '../playbook-snapshots/example-facts.js'
import {postVersionsOf} from '../playbook-snapshots/render-snapshot.js'
import {requirePlaybook} from '../playbook/resolve.js'
import {configuredCredentials} from '../policy/configured-credentials.js'
import {approveDraft} from '../publish/drafts.js'
import {publishUpdate} from '../publish/publish.js'
import {renderData, renderPost, type RenderedPost} from '../render/render-phase.js'
import {SimulatedClock} from './simulated-clock.js'
import {checkThreads, type ReceivedPost} from './threads.js'

/** How far the clock moves after a phase that promises no next update (`resolved`, before the postmortem). */
export const DEFAULT_PHASE_STEP_MS = 30 * 60_000

export interface RehearsalProblem {
  /** What failed: `delivery`, `thread`, `delivered`, `limit`, `empty`, `template`, `policy:<rule>`, `lint:<rule>`, or an error code. */
  rule: string
  message: string
}

export interface RehearsedChannel {
  channel: string
  type: string
  /** The language version: set when the playbook has more than one locale. */
  locale?: string
  /** This version was published (the channel's own language); the others are only rendered. */
  published: boolean
  /** How many posts it took (a thread of parts); 0 when it did not render. */
  parts: number
  status: 'ok' | 'failed'
  problems: RehearsalProblem[]
}

export interface RehearsedPhase {
  phase: string
  /** When it was published, on the rehearsal's clock (ISO 8601). */
  at: string
  /** The next update it promised, if any. */
  next_update_due?: string
  channels: RehearsedChannel[]
}

export interface RehearsalReport {
  ok: boolean
  playbook: string
  file: string
  incident: string
  /** Where the facts came from. */
  facts: string
  phases: RehearsedPhase[]
  /** Lint findings that name no post (about the playbook as a whole). */
  problems: RehearsalProblem[]
  /** The first failure, as the last line says it. */
  first_failure?: {phase?: string; channel?: string; locale?: string; rule: string; message: string}
}

/** What a rehearsal runs against: the sandbox it publishes to, and a store of its own. */
export interface RehearsalWorld {
  /** The sandbox's URL (loopback). */
  sandbox: string
  /** Everything the sandbox received (as `GET /api/posts`). */
  received(): ReceivedPost[]
  /** A store used only by this rehearsal. */
  store: IncidentStore
}

export interface RehearseRequest {
  playbook: string
  factsFile?: string
  /** When the incident opens (default: now). */
  start?: Date
  actor: string
  /** The environment: passed to publishing as-is (a rehearsal reads no credential from it). */
  env: Record<string, string | undefined>
  signal?: AbortSignal
}

/** Loads the playbook and its facts; a playbook that does not load or facts that lack a required one stop here. */
export function rehearsalInput(req: Pick<RehearseRequest, 'playbook' | 'factsFile'>): {
  playbook: Playbook
  facts: Record<string, unknown>
  source: string
} {
  const playbook = requirePlaybook(req.playbook)
  const {facts, source} = exampleFacts(playbook, req.factsFile)
  return {playbook, facts, source}
}

function problemsOf(post: RenderedPost): RehearsalProblem[] {
  const policy = post.violations.filter((v) => !v.allowed).map((v) => ({rule: `policy:${v.rule}`, message: v.message}))
  const other = post.errors
    .filter((e) => !e.startsWith(`${post.channel}: policy rule "`))
    .map((message) => ({rule: message.endsWith(': the post is empty') ? 'empty' : 'limit', message}))
  return [...other, ...policy]
}

function failureMessage(error: unknown): RehearsalProblem {
  if (error instanceof CandorError) return {rule: error.code, message: error.message}
  return {rule: 'template', message: (error as Error).message ?? String(error)}
}

/**
 * Rehearses every phase of the playbook against `world`: opens a rehearsal incident with the
 * example facts, then for each phase, in playbook order: renders each post (its own language,
 * as publish will, and every other language version), publishes the ones that render cleanly
 * through the publish service (no prompt), and moves the clock to the promised next update.
 * Then compares the journal with what the sandbox received, and lints the playbook strictly.
 */
export async function rehearsePlaybook(req: RehearseRequest, world: RehearsalWorld): Promise<RehearsalReport> {
  const {playbook, facts, source} = rehearsalInput(req)
  const clock = new SimulatedClock(req.start ?? new Date())
  const opened = await openIncident(world.store, {
    playbook: playbook.file,
    facts,
    actor: req.actor,
    now: clock.now(),
    rehearsal: {sandbox: world.sandbox},
  })
  const incident = opened.id
  const startedAt = new Date(opened.startedAt)
  const phases: RehearsedPhase[] = []
  const deps = {
    store: world.store,
    actor: req.actor,
    env: req.env,
    reporter: {progress() {}},
    clock,
    signal: req.signal,
    retries: 0,
    backoffMs: 0,
    maxWaitMs: 0,
    timeoutMs: 10_000,
  }
  const credentials = configuredCredentials(req.env)

  for (const [index, phase] of playbook.phases.entries()) {
    const now = clock.now()
    const {state} = await loadIncident(world.store, incident)
    // The playbook as publish will load it for this incident (from the journal's record of it).
    const current = incidentPlaybook(state, {templatesOf: [phase.name]})
    const resolved = resolveFacts(current, state.facts)
    const update = state.updates.reduce((m, u) => Math.max(m, u.update), 0) + 1
    const {data, nextUpdateDue} = renderData(current, phase, {
      now,
      incident: {id: incident, startedAt},
      update,
    })
    const multilingual = current.locales.length > 1
    const entries: RehearsedChannel[] = []
    const own = new Map<string, RehearsedChannel>()
    for (const version of postVersionsOf(current, phase, resolved, data)) {
      const type = current.channels.get(version.channel)!.type
      let entry: RehearsedChannel
      try {
        const rendered = version.own
          ? // As publish renders it: the channel's own language, with the secrets Candor holds checked.
            renderPost(current, phase.posts.find((p) => p.channel === version.channel)!, resolved, data, {credentials})
          : version.render()
        const problems = problemsOf(rendered)
        entry = {
          channel: version.channel,
          type,
          published: version.own,
          parts: rendered.parts.length,
          status: 'ok',
          problems,
        }
      } catch (error) {
        const problem = failureMessage(error)
        entry = {
          channel: version.channel,
          type,
          published: version.own,
          parts: 0,
          status: 'ok',
          problems: [problem],
        }
      }
      if (multilingual) entry.locale = version.locale
      entries.push(entry)
      if (version.own) own.set(version.channel, entry)
    }

    // Only the posts that rendered cleanly go out: one broken post must not hide the rest of the day.
    const sendable = [...own.values()].filter((e) => e.problems.length === 0).map((e) => e.channel)
    if (sendable.length > 0) {
      try {
        const result = await publishUpdate(
          // `again`: a phase whose posts read as the last one's (same facts) is still sent, as on the day.
          {incident, phase: phase.name, facts: {}, channels: sendable, yes: true, interactive: false, again: true},
          deps,
        )
        let deliveries = result.deliveries
        // A playbook that wants more approvals records a draft: the rehearsal's other approvers approve it.
        for (let n = 2; result.pending && n <= result.pending.required && deliveries.length === 0; n++) {
          const approved = await approveDraft(
            {draft: result.pending.draft, yes: true, interactive: false},
            {...deps, actor: `${req.actor} (approver ${n})`},
          )
          deliveries = approved.published?.deliveries ?? []
        }
        for (const channel of sendable) {
          const d = deliveries.find((x) => x.channel === channel)
          if (!d) own.get(channel)!.problems.push({rule: 'delivery', message: 'nothing was sent'})
          else if (d.status !== 'published')
            own.get(channel)!.problems.push({rule: 'delivery', message: d.error ?? `the delivery ${d.status}`})
        }
      } catch (error) {
        const problem = failureMessage(error)
        for (const channel of sendable) own.get(channel)!.problems.push(problem)
      }
    }
    phases.push({
      phase: phase.name,
      at: now.toISOString(),
      ...(nextUpdateDue && {next_update_due: nextUpdateDue.toISOString()}),
      channels: entries,
    })
    // The next phase goes out when this one promised it; a phase that promises nothing, a step later.
    const promised = promisedCadence(phase, now.getTime() - startedAt.getTime())
    if (index < playbook.phases.length - 1) clock.moveTo(new Date(now.getTime() + (promised ?? DEFAULT_PHASE_STEP_MS)))
  }

  // What the sandbox received against what the journal says went out.
  const {state} = await loadIncident(world.store, incident)
  const updatePhase = new Map(state.updates.map((u) => [u.update, u.phase]))
  for (const p of checkThreads(state.events, playbook.channels, world.received())) {
    const phase = phases.find((ph) => ph.phase === updatePhase.get(p.update))
    const entry = phase?.channels.find((c) => c.channel === p.channel && c.published)
    entry?.problems.push({rule: p.rule, message: p.message})
  }

  // The lint rules, as `playbook lint --strict` applies them, with the same facts.
  const problems: RehearsalProblem[] = []
  const lint = lintPlaybook(playbook, {facts, strict: true, now: req.start ?? startedAt})
  for (const finding of lint.findings) {
    const subject = finding.post
    const phase = subject && phases.find((ph) => ph.phase === subject.phase)
    const problem = {rule: `lint:${finding.rule}`, message: finding.message}
    if (!phase) {
      problems.push(problem)
      continue
    }
    for (const channel of subject.channels) {
      const entry =
        phase.channels.find(
          (c) => c.channel === channel && (subject.locale ? c.locale === subject.locale : c.published),
        ) ?? phase.channels.find((c) => c.channel === channel)
      if (entry) entry.problems.push(problem)
      else problems.push(problem)
    }
  }

  for (const phase of phases) for (const c of phase.channels) c.status = c.problems.length === 0 ? 'ok' : 'failed'
  const report: RehearsalReport = {
    ok: problems.length === 0 && phases.every((p) => p.channels.every((c) => c.status === 'ok')),
    playbook: playbook.name,
    file: playbook.file,
    incident,
    facts: source,
    phases,
    problems,
  }
  report.first_failure = firstFailure(report)
  if (!report.first_failure) delete report.first_failure
  return report
}

function firstFailure(report: RehearsalReport): RehearsalReport['first_failure'] {
  for (const phase of report.phases)
    for (const c of phase.channels)
      if (c.problems.length > 0)
        return {phase: phase.phase, channel: c.channel, ...(c.locale && {locale: c.locale}), ...c.problems[0]}
  const p = report.problems[0]
  return p && {...p}
}

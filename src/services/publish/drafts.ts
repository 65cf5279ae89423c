/**
 * Two-person approval. When a playbook (or a phase) says `approval: { required: N }`
 * with N > 1, publishing records a *draft*: the rendered posts, their content hash,
 * who asked and their approval. Others approve it (`candor approve`); the approval
 * that completes it sends the posts at once, through the same path as `publish`.
 *
 * Everything is journaled: draft_created, draft_approved, draft_revised (the posts
 * changed, so earlier approvals no longer count), draft_superseded, draft_expired,
 * and draft_published beside the update it became.
 */
import {createHash, randomBytes} from 'node:crypto'
import {canonicalJson} from '../../domain/canonical-json.js'
import {CandorError, ExitCode} from '../../domain/errors.js'
import {resolveFacts, type Facts} from '../../domain/playbook/facts.js'
import type {DraftContent, NewEvent, RenderedPostRecord} from '../incident/events.js'
import {incidentPlaybook, loadIncident} from '../incident/service.js'
import type {DraftState, IncidentState} from '../incident/state.js'
import {isDamagedJournal, type IncidentLock, type IncidentStore} from '../incident/store.js'
import type {Playbook} from '../../domain/playbook/model.js'
import {cachedLimits} from '../render/platform-limits.js'
import {formatTime} from '../../domain/time.js'
import {renderPhase} from '../render/render-phase.js'
import {promiseIsStale} from './approval.js'
import {appendEvents} from '../incident/append-events.js'
import {withLock} from '../incident/with-lock.js'
import {checkCredentials} from './credentials.js'
import {systemClock} from './deliver.js'
import type {AlreadyCarried} from './duplicates.js'
import {deliverApproved} from './deliver-approved.js'
import {draftChannelsToSend, requiredApprovals} from './plan.js'
import {channelsOf, type PublishDeps} from './publish-deps.js'
import type {PendingApproval, PublishResult} from './results.js'
import {toRecord} from './update-journal.js'

/** How long a draft waits for its approvals unless told otherwise. */
export const DEFAULT_DRAFT_TTL_MS = 2 * 60 * 60 * 1000

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The hash approvals are given for: exactly what goes out (the phase and the posts on the chosen channels). */
export function contentHash(phase: string, posts: RenderedPostRecord[], channels: readonly string[]): string {
  return sha256(canonicalJson({phase, posts: posts.filter((p) => channels.includes(p.channel))}))
}

/** The hash of the posts as the templates render them: changes when the facts or the playbook do. */
export function sourceHash(phase: string, posts: RenderedPostRecord[]): string {
  return sha256(canonicalJson({phase, posts}))
}

/** "Dana Smith", " dana  smith " and "DANA SMITH" are one person. */
export function samePerson(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en')
  return norm(a) === norm(b)
}

/** Distinct people who approved the draft's current content, in order. */
export function currentApprovals(d: DraftState): string[] {
  const out: string[] = []
  for (const a of d.approvals)
    if (a.content_hash === d.contentHash && !out.some((x) => samePerson(x, a.by))) out.push(a.by)
  return out
}

export function isExpired(d: DraftState, now: Date): boolean {
  return now.getTime() >= Date.parse(d.expiresAt)
}

function nextUpdateNumber(state: IncidentState): number {
  return state.updates.reduce((m, u) => Math.max(m, u.update), 0) + 1
}

function pendingOf(d: DraftState, required: number): PendingApproval {
  const approvals = currentApprovals(d)
  return {
    draft: d.id,
    status: approvals.length >= required ? 'approved' : 'pending-approval',
    approvals,
    required,
    expires_at: d.expiresAt,
  }
}

interface Rendering {
  nextUpdateDue?: string
  posts: RenderedPostRecord[]
  errors: string[]
}

/** Renders a draft's phase as the incident stands now, with the draft's facts and the given time. */
function renderFor(
  state: IncidentState,
  playbook: Playbook,
  d: {phase: string; facts: Facts; posts: RenderedPostRecord[]},
  now: Date,
  update: number,
  env: Record<string, string | undefined>,
): Rendering {
  const facts = resolveFacts(playbook, {...state.facts, ...d.facts})
  const channels = d.posts.map((p) => p.channel)
  // Split by the server limits publish read when it made the draft (cached since).
  const rendered = renderPhase(playbook, d.phase, facts, {
    channels,
    now,
    incident: {id: state.id, startedAt: new Date(state.startedAt)},
    update,
    limits: cachedLimits(playbook, channels, env),
  })
  return {
    nextUpdateDue: rendered.nextUpdateDue,
    posts: rendered.posts.map(toRecord),
    // Each error already names its channel ("x: policy rule …"), as the preflight shows it.
    errors: rendered.posts.flatMap((p) => p.errors),
  }
}

/**
 * Whether a draft still says what its templates say: rendered again at the draft's own
 * time (so "next update by 14:30" stays 14:30), with the facts and playbook as they are now.
 */
function isFresh(
  state: IncidentState,
  playbook: Playbook,
  d: DraftState,
  update: number,
  env: Record<string, string | undefined>,
): boolean {
  try {
    return (
      sourceHash(d.phase, renderFor(state, playbook, d, new Date(d.renderedAt), update, env).posts) === d.sourceHash
    )
  } catch {
    return false
  }
}

export interface DraftInput {
  state: IncidentState
  playbook: Playbook
  /** The phase as the templates rendered it (before any edit). */
  rendered: {phase: string; nextUpdateDue?: string; posts: RenderedPostRecord[]}
  /** What the person publishing approved (edits included), and on which channels. */
  approved: RenderedPostRecord[]
  channels: string[]
  /** The facts given with this publish (--set, --facts): applied when it goes out. */
  facts: Facts
  update: number
  /** When the posts were rendered (what re-rendering the draft reproduces them with). */
  now: Date
  /** When the publisher approved them: the journal's time, and the draft's expiry counts from it (default `now`). */
  approvedAt?: Date
  again?: boolean
  ttlMs?: number
  warnings: string[]
  /** Channels left out of the draft because they already have this update. */
  already?: AlreadyCarried[]
}

/**
 * `publish` when more approvals are needed: records a draft with the publisher's
 * approval and sends nothing. Publishing the same thing as an open draft approves that
 * draft instead; when that approval completes it, the posts go out now.
 */
export async function recordDraft(input: DraftInput, deps: PublishDeps, lock?: IncidentLock): Promise<PublishResult> {
  const {state, playbook, rendered, approved, channels} = input
  // Events are journaled, and a new draft's expiry counted, from the moment of approval.
  const now = input.approvedAt ?? input.now
  const phase = rendered.phase
  const facts = Object.fromEntries(Object.entries(input.facts).filter(([, v]) => v !== undefined))
  const again = Boolean(input.again)
  const required = requiredApprovals(playbook, phase)
  const events: NewEvent[] = []
  for (const d of state.drafts.values())
    if (d.status === 'pending' && isExpired(d, now)) events.push({type: 'draft_expired', by: deps.actor, draft: d.id})

  const hash = contentHash(phase, approved, channels)
  const edited = hash !== contentHash(phase, rendered.posts, channels)
  const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x))
  const open = [...state.drafts.values()].filter(
    (d) => d.status === 'pending' && !isExpired(d, now) && d.phase === phase,
  )
  const match = open.reverse().find((d) => {
    if (
      canonicalJson(d.facts) !== canonicalJson(facts) ||
      d.again !== again ||
      !sameSet(d.channels, channels) ||
      !sameSet(
        d.posts.map((p) => p.channel),
        approved.map((p) => p.channel),
      )
    )
      return false
    if (d.contentHash === hash) return isFresh(state, playbook, d, input.update, deps.env)
    // Rendered at another time ("next update by ..." differs): the same request if
    // neither side edited anything and the draft still renders as it did.
    if (edited || !isFresh(state, playbook, d, input.update, deps.env)) return false
    return (
      d.contentHash ===
      contentHash(
        phase,
        renderFor(state, playbook, d, new Date(d.renderedAt), input.update, deps.env).posts,
        d.channels,
      )
    )
  })

  if (match) {
    const approvals = currentApprovals(match)
    const need = Math.max(match.required, required)
    if (!approvals.some((a) => samePerson(a, deps.actor))) {
      events.push({type: 'draft_approved', by: deps.actor, draft: match.id, content_hash: match.contentHash})
      approvals.push(deps.actor)
    } else {
      input.warnings.push(
        `${deps.actor} already approved draft ${match.id}; it still needs ${need - approvals.length} more`,
      )
    }
    if (approvals.length >= need) {
      return sendDraft(
        match,
        approvals,
        {state, playbook, update: input.update, now, warnings: input.warnings, lock, before: events},
        deps,
      )
    }
    if (events.length > 0) await appendEvents(deps.store, state.id, events, now)
    return {
      incident: state.id,
      phase,
      update: input.update,
      deliveries: [],
      pending: {draft: match.id, status: 'pending-approval', approvals, required: need, expires_at: match.expiresAt},
      ...(input.already?.length && {already: input.already}),
      warnings: input.warnings,
    }
  }

  const id = `d-${randomBytes(4).toString('hex')}`
  for (const d of open) events.push({type: 'draft_superseded', by: deps.actor, draft: d.id, superseded_by: id})
  const content: DraftContent = {
    phase,
    update: input.update,
    rendered_at: input.now.toISOString(),
    ...(rendered.nextUpdateDue && {next_update_due: rendered.nextUpdateDue}),
    posts: approved,
    channels,
    declined: approved.map((p) => p.channel).filter((c) => !channels.includes(c)),
    source_hash: sourceHash(phase, rendered.posts),
    content_hash: hash,
  }
  const expiresAt = new Date(now.getTime() + (input.ttlMs ?? DEFAULT_DRAFT_TTL_MS)).toISOString()
  events.push({
    type: 'draft_created',
    by: deps.actor,
    draft: id,
    required,
    expires_at: expiresAt,
    facts,
    ...(again && {again}),
    ...content,
  })
  events.push({type: 'draft_approved', by: deps.actor, draft: id, content_hash: hash})
  await appendEvents(deps.store, state.id, events, now)
  return {
    incident: state.id,
    phase,
    update: input.update,
    deliveries: [],
    pending: {draft: id, status: 'pending-approval', approvals: [deps.actor], required, expires_at: expiresAt},
    ...(input.already?.length && {already: input.already}),
    warnings: input.warnings,
  }
}

/** A draft as the person approving sees it: exactly what will go out. */
export interface DraftView {
  draft: string
  incident: string
  phase: string
  posts: RenderedPostRecord[]
  channels: string[]
  declined: string[]
  requested_by: string
  created_at: string
  expires_at: string
  /** Who approved the current content so far. */
  approvals: string[]
  required: number
  /** Set when the posts changed since earlier approvals, which then no longer count. */
  revised?: string
  /** The person approving had already approved this content. */
  already_approved: boolean
}

/** What the approver is shown of draft `d`: its content as recorded, with where its approval stands. */
function draftView(
  incident: string,
  d: DraftState,
  standing: Pick<DraftView, 'approvals' | 'required' | 'already_approved'> & {revised?: string},
): DraftView {
  const {approvals, required, revised, already_approved} = standing
  return {
    draft: d.id,
    incident,
    phase: d.phase,
    posts: d.posts,
    channels: d.channels,
    declined: d.declined,
    requested_by: d.requestedBy,
    created_at: d.createdAt,
    expires_at: d.expiresAt,
    approvals,
    required,
    ...(revised && {revised}),
    already_approved,
  }
}

export interface ApproveRequest {
  draft: string
  /** The incident, when known; otherwise every incident is searched for the draft. */
  incident?: string
  yes?: boolean
  interactive: boolean
  /** When not interactive, why (for the error): e.g. "stdout is not a terminal". */
  noPromptReason?: string
  /** Shows the draft before anything is recorded. */
  show?: (view: DraftView) => void
  /** Asks the person; resolves false to refuse. */
  confirm?: (view: DraftView, action: 'approve' | 'approve-and-publish' | 'publish') => Promise<boolean>
  /** Send the posts when this approval completes the draft (default true). */
  publish?: boolean
}

export interface ApproveResult {
  view: DraftView
  /** An approval was recorded (false: this person had already approved). */
  recorded: boolean
  /** Set when the posts went out. */
  published?: PublishResult
  pending?: PendingApproval
  warnings: string[]
}

/** Finds which incident a draft belongs to (newest incidents first). */
export async function findDraftIncident(store: IncidentStore, draft: string): Promise<string> {
  // prefetchAll: the journals come with the list (one round trip in team mode), not one read each.
  const ids = (await (store.prefetchAll ? store.prefetchAll() : store.list())).reverse()
  for (const id of ids) {
    const state = await loadIntact(store, id)
    if (state?.drafts.has(draft)) return id
  }
  throw new CandorError(`no draft "${draft}" in ${store.location}`, {
    code: 'draft_not_found',
    suggestions: ['List pending drafts with `candor drafts`'],
  })
}

/** An incident's state, or undefined when its journal is damaged (searching every incident, one bad file is passed over). */
async function loadIntact(store: IncidentStore, id: string): Promise<IncidentState | undefined> {
  try {
    return (await loadIncident(store, id)).state
  } catch (error) {
    if (isDamagedJournal(error)) return undefined
    throw error
  }
}

function requireDraft(state: IncidentState, id: string): DraftState {
  const d = state.drafts.get(id)
  if (!d)
    throw new CandorError(`incident ${state.id} has no draft "${id}"`, {
      code: 'draft_not_found',
      suggestions: ['List pending drafts with `candor drafts`'],
    })
  if (d.status === 'published')
    throw new CandorError(`draft ${id} was already published as update ${d.publishedAs}`, {
      code: 'draft_published',
      suggestions: [`See it with \`candor status --incident ${state.id}\``],
    })
  if (d.status === 'superseded') {
    throw new CandorError(
      `draft ${id} was replaced by draft ${d.supersededBy} (the posts were published again with other content)`,
      {code: 'draft_superseded', suggestions: [`Approve the newer one: \`candor approve ${d.supersededBy}\``]},
    )
  }
  return d
}

async function refuseExpired(deps: PublishDeps, state: IncidentState, d: DraftState, now: Date): Promise<void> {
  if (d.status !== 'expired' && !isExpired(d, now)) return
  if (d.status !== 'expired')
    await deps.store.append(state.id, {type: 'draft_expired', by: deps.actor, draft: d.id}, now)
  throw new CandorError(`draft ${d.id} expired at ${d.expiresAt} without the approvals it needed`, {
    code: 'draft_expired',
    suggestions: [
      `Make a new one: \`candor publish --incident ${state.id} --phase ${d.phase}\` (--draft-ttl sets how long drafts wait)`,
    ],
  })
}

function missingCredentials(playbook: Playbook, channels: string[], env: PublishDeps['env']): string[] {
  return channels.flatMap((c) => {
    const channel = playbook.channels.get(c)
    return channel ? checkCredentials(channel, env).missing : []
  })
}

interface DraftContext {
  lock: IncidentLock
  now: Date
  state: IncidentState
  warnings: string[]
  d: DraftState
  playbook: Playbook
  /** The number the draft would be published as now. */
  update: number
  /** The deps its channels are built with (a rehearsal's: the sandbox's environment). */
  deps: PublishDeps
}

/** Runs `body` under the draft's incident lock, with the draft (not expired) and its incident as they stand. */
async function withDraft<T>(
  req: {draft: string; incident?: string},
  deps: PublishDeps,
  command: string,
  body: (ctx: DraftContext) => Promise<T>,
): Promise<T> {
  const incident = req.incident ?? (await findDraftIncident(deps.store, req.draft))
  return withLock(deps, incident, command, async (lock) => {
    const now = (deps.clock ?? systemClock).now()
    const {state, warnings} = await loadIncident(deps.store, incident)
    const d = requireDraft(state, req.draft)
    await refuseExpired(deps, state, d, now)
    const channels = await channelsOf(state, incidentPlaybook(state), deps)
    return body({lock, now, state, warnings, d, ...channels, update: nextUpdateNumber(state)})
  })
}

/**
 * `candor approve DRAFT`: shows the posts exactly as they will go out, records this
 * person's approval, and when it is the last one needed, publishes them at once.
 * A draft whose posts no longer render the same (facts edited, playbook changed) is
 * revised first: the new posts are shown, and earlier approvals no longer count.
 */
export async function approveDraft(req: ApproveRequest, given: PublishDeps): Promise<ApproveResult> {
  return withDraft(
    req,
    given,
    `approve ${req.draft}`,
    async ({lock, now, state, warnings, d, playbook, update, deps}) => {
      const clock = deps.clock ?? systemClock
      const events: NewEvent[] = []

      let revised: string | undefined
      let approvals = currentApprovals(d)
      /** Renders the draft again at `at`: the posts as they would go out then; earlier approvals lapse. */
      const renderAgain = (at: Date, why: string, reason: string) => {
        let r: Rendering
        try {
          r = renderFor(state, playbook, d, at, update, deps.env)
        } catch (error) {
          // The playbook no longer posts this phase to one of the draft's channels: what was
          // approved can't go out as drafted, and dropping the channel silently would be worse.
          if (error instanceof CandorError && error.code === 'unknown_channel')
            throw new CandorError(`draft ${d.id} can't go out as drafted: ${error.message} (the playbook changed)`, {
              code: 'draft_changed',
              exit: ExitCode.NotApproved,
              suggestions: [`Publish the phase again to make a new draft: \`candor publish --phase ${d.phase}\``],
            })
          throw error
        }
        if (r.errors.length > 0) {
          throw new CandorError(
            `draft ${d.id} no longer renders into posts that can be published: ${r.errors.join('; ')}`,
            {
              code: 'preflight_failed',
              suggestions: [`Publish the phase again with other facts: \`candor publish --phase ${d.phase}\``],
            },
          )
        }
        const channels = d.channels.filter((c) => r.posts.some((p) => p.channel === c))
        const content: DraftContent = {
          phase: d.phase,
          update,
          rendered_at: at.toISOString(),
          ...(r.nextUpdateDue && {next_update_due: r.nextUpdateDue}),
          posts: r.posts,
          channels,
          declined: r.posts.map((p) => p.channel).filter((c) => !channels.includes(c)),
          source_hash: sourceHash(d.phase, r.posts),
          content_hash: contentHash(d.phase, r.posts, channels),
        }
        revised = `${why}, so earlier approvals no longer count`
        events.push({type: 'draft_revised', by: deps.actor, draft: d.id, reason, ...content})
        Object.assign(d, {
          update,
          renderedAt: content.rendered_at,
          nextUpdateDue: content.next_update_due,
          posts: content.posts,
          channels,
          declined: content.declined,
          sourceHash: content.source_hash,
          contentHash: content.content_hash,
        })
        approvals = []
      }
      if (!isFresh(state, playbook, d, update, deps.env)) {
        renderAgain(
          now,
          `the posts changed since ${approvals.length > 0 ? approvals.join(', ') + ' approved' : 'the draft was made'} (facts edited or playbook changed)`,
          'the posts no longer render as drafted (facts edited or playbook changed)',
        )
      }

      const required = Math.max(d.required, requiredApprovals(playbook, d.phase))
      // The moment of approval: the journal's time, and what a promise in the posts must still hold at.
      let approvedAt = now
      for (;;) {
        const already = approvals.some((a) => samePerson(a, deps.actor))
        const after = already ? approvals : [...approvals, deps.actor]
        const complete = after.length >= required
        const publish = complete && req.publish !== false
        // Sending now would break the posts' promise ("next update by 00:40"): render them from now, show them, ask again.
        if (publish && promiseIsStale(d.nextUpdateDue, new Date(d.renderedAt), approvedAt)) {
          const promised = formatTime(d.nextUpdateDue, 'time')
          renderAgain(
            approvedAt,
            `the posts promised the next update by ${promised}, which is past or less than a minute away: rendered again from now`,
            `the next-update promise (${promised}) was past or less than a minute away`,
          )
          continue
        }
        const view = draftView(state.id, d, {approvals, required, revised, already_approved: already})
        req.show?.(view)

        if (publish) {
          // Before recording anything: this machine must be able to send it all.
          const missing = missingCredentials(playbook, d.channels, deps.env)
          if (missing.length > 0) {
            throw new CandorError(
              `nothing was recorded: this approval completes draft ${d.id}, but this machine can't publish it: missing credentials: set ${missing.join(', ')}`,
              {
                code: 'credentials_missing',
                suggestions: [
                  `Set the variables, or approve with --no-publish and let someone who has them run \`candor publish --draft ${d.id}\``,
                ],
              },
            )
          }
          draftChannelsToSend(state, d) // refuses before anything is recorded when every channel already has it
        }
        if (!already || publish) {
          if (!req.yes) {
            if (!req.interactive || !req.confirm) {
              throw new CandorError(
                `approving needs a person, and no one can be asked: ${req.noPromptReason ?? 'no terminal'}`,
                {
                  code: 'approval_required',
                  exit: ExitCode.NotApproved,
                  suggestions: ['Read the posts, then pass --yes to approve them in a script'],
                },
              )
            }
            if (!(await req.confirm(view, already ? 'publish' : publish ? 'approve-and-publish' : 'approve'))) {
              throw new CandorError('not approved: nothing was recorded or sent', {
                code: 'aborted',
                exit: ExitCode.NotApproved,
              })
            }
            approvedAt = clock.now()
            if (publish && promiseIsStale(d.nextUpdateDue, new Date(d.renderedAt), approvedAt)) continue
          }
          if (!already) events.push({type: 'draft_approved', by: deps.actor, draft: d.id, content_hash: d.contentHash})
        } else {
          warnings.push(`${deps.actor} already approved draft ${d.id}: an approval counts once per person`)
        }

        if (!publish) {
          if (events.length > 0) await appendEvents(deps.store, state.id, events, approvedAt)
          return {
            view,
            recorded: !already,
            pending: {
              draft: d.id,
              status: complete ? 'approved' : 'pending-approval',
              approvals: after,
              required,
              expires_at: d.expiresAt,
            },
            warnings,
          }
        }
        const published = await sendDraft(
          d,
          after,
          {state, playbook, update, now: approvedAt, warnings, lock, before: events},
          deps,
        )
        return {view, recorded: !already, published, warnings}
      }
    },
  )
}

/**
 * `candor publish --draft ID`: sends a draft that has all its approvals (someone
 * approved with --no-publish). The person sending is journaled; their approval is not needed.
 */
export async function publishDraft(
  req: {
    draft: string
    incident?: string
    yes?: boolean
    interactive: boolean
    noPromptReason?: string
    confirm?: ApproveRequest['confirm']
    show?: ApproveRequest['show']
  },
  given: PublishDeps,
): Promise<PublishResult> {
  return withDraft(
    req,
    given,
    `publish --draft ${req.draft}`,
    async ({lock, now, state, warnings, d, playbook, update, deps}) => {
      if (!isFresh(state, playbook, d, update, deps.env)) {
        throw new CandorError(
          `draft ${d.id} no longer says what its templates say (facts edited or playbook changed): its approvals no longer count`,
          {
            code: 'draft_changed',
            exit: ExitCode.NotApproved,
            suggestions: [`Approve it again: \`candor approve ${d.id}\` shows the new posts`],
          },
        )
      }
      const refuseStale = (at: Date) => {
        if (!promiseIsStale(d.nextUpdateDue, new Date(d.renderedAt), at)) return
        throw new CandorError(
          `draft ${d.id} promises the next update by ${formatTime(d.nextUpdateDue, 'time')}, which is past or less than a minute away: nothing was sent`,
          {
            code: 'draft_changed',
            exit: ExitCode.NotApproved,
            suggestions: [
              `Approve it again: \`candor approve ${d.id}\` renders it from now (earlier approvals no longer count)`,
            ],
          },
        )
      }
      refuseStale(now)
      const required = Math.max(d.required, requiredApprovals(playbook, d.phase))
      const approvals = currentApprovals(d)
      if (approvals.length < required) {
        throw new CandorError(
          `draft ${d.id} has ${approvals.length} of the ${required} approvals it needs${approvals.length ? ` (${approvals.join(', ')})` : ''}: nothing was sent`,
          {
            code: 'approval_missing',
            exit: ExitCode.NotApproved,
            suggestions: [`Ask someone else to run \`candor approve ${d.id}\``],
          },
        )
      }
      const view = draftView(state.id, d, {
        approvals,
        required,
        already_approved: approvals.some((a) => samePerson(a, deps.actor)),
      })
      req.show?.(view)
      const missing = missingCredentials(playbook, d.channels, deps.env)
      if (missing.length > 0)
        throw new CandorError(`nothing was published: missing credentials: set ${missing.join(', ')}`, {
          code: 'credentials_missing',
          suggestions: ['Set the variables (in the environment or .env), then publish the draft again'],
        })
      draftChannelsToSend(state, d) // refuses when every channel already has it
      if (!req.yes) {
        if (!req.interactive || !req.confirm) {
          throw new CandorError(
            `publishing needs approval, and no one can be asked: ${req.noPromptReason ?? 'no terminal'}`,
            {
              code: 'approval_required',
              exit: ExitCode.NotApproved,
              suggestions: ['Pass --yes to send the approved draft in a script'],
            },
          )
        }
        if (!(await req.confirm(view, 'publish')))
          throw new CandorError('not published: nothing was sent', {code: 'aborted', exit: ExitCode.NotApproved})
      }
      // Sent as of the moment the person said so.
      const sentAt = (deps.clock ?? systemClock).now()
      refuseStale(sentAt)
      return sendDraft(d, approvals, {state, playbook, update, now: sentAt, warnings, lock}, deps)
    },
  )
}

export interface DraftSummary {
  draft: string
  incident: string
  phase: string
  channels: string[]
  requested_by: string
  created_at: string
  expires_at: string
  approvals: string[]
  required: number
  status: 'pending-approval' | 'approved'
}

/** Drafts still waiting (not published, replaced or expired), oldest first. */
export async function listDrafts(
  store: IncidentStore,
  opts: {incident?: string; now?: Date} = {},
): Promise<DraftSummary[]> {
  const now = opts.now ?? new Date()
  const ids = opts.incident ? [opts.incident] : await store.list()
  const out: DraftSummary[] = []
  for (const id of ids) {
    // A damaged journal among all incidents is passed over (`incident list` names it); one named is an error.
    const state = opts.incident ? (await loadIncident(store, id)).state : await loadIntact(store, id)
    if (!state || state.drafts.size === 0) continue
    let playbook: Playbook | undefined
    try {
      playbook = incidentPlaybook(state)
    } catch {
      // The playbook is not on this machine: show what the draft itself says.
    }
    for (const d of state.drafts.values()) {
      if (d.status !== 'pending' || isExpired(d, now)) continue
      const required = Math.max(d.required, playbook ? requiredApprovals(playbook, d.phase) : 0)
      const p = pendingOf(d, required)
      out.push({
        draft: d.id,
        incident: id,
        phase: d.phase,
        channels: d.channels,
        requested_by: d.requestedBy,
        created_at: d.createdAt,
        expires_at: d.expiresAt,
        approvals: p.approvals,
        required,
        status: p.status,
      })
    }
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at))
}

/**
 * Sends a draft's posts as update `at.update`, journaled in one write with `at.before`
 * (approvals just recorded) and the draft's `draft_published`. Channels that got this update
 * meanwhile (same phase and facts) are left out and reported as skipped.
 */
function sendDraft(
  d: DraftState,
  approvers: string[],
  at: {
    state: IncidentState
    playbook: Playbook
    update: number
    now: Date
    warnings: string[]
    lock?: IncidentLock
    before?: NewEvent[]
  },
  deps: PublishDeps,
): Promise<PublishResult> {
  return deliverApproved(
    {
      ...at,
      phase: d.phase,
      nextUpdateDue: d.nextUpdateDue,
      posts: d.posts,
      channels: d.channels,
      facts: {...at.state.facts, ...d.facts},
      after: [{type: 'draft_published', by: deps.actor, draft: d.id, update: at.update}],
      draft: {id: d.id, approvers},
      already: draftChannelsToSend(at.state, d),
    },
    deps,
  )
}

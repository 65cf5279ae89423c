import {CandorError, ExitCode} from '../../domain/errors.js'
import {resolveFacts, type Facts} from '../../domain/playbook/facts.js'
import type {LoadOptions} from '../playbook/load.js'
import {requirePlaybook} from '../playbook/resolve.js'
import {loadIncidentPlaybook, playbookRecord, projectRoots} from './playbook-file.js'
import {describeDuration} from '../../domain/time.js'
import type {Playbook} from '../../domain/playbook/model.js'
import type {JournalEvent, RehearsalRecord} from './events.js'
import {foldIncident, type IncidentState} from './state.js'
import {checkIncidentId, isDamagedJournal, type IncidentStore} from './store.js'

export function slugify(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'incident'
  )
}

export interface LoadedIncident {
  state: IncidentState
  warnings: string[]
}

export async function loadIncident(store: IncidentStore, id: string): Promise<LoadedIncident> {
  const {events, warnings} = await store.read(id)
  // The same events (a store's unchanged journal) fold to the same state; states are never modified.
  let state = folds.get(events)
  if (!state) folds.set(events, (state = foldIncident(events)))
  return {state, warnings}
}

const folds = new WeakMap<JournalEvent[], IncidentState>()

/**
 * The playbook an incident was opened from, as it is on disk now: found by its path
 * relative to the project (or `--playbook`), see playbook-file.ts.
 */
export function incidentPlaybook(state: IncidentState, options: LoadOptions = {}): Playbook {
  return loadIncidentPlaybook(state, options)
}

export interface OpenRequest {
  playbook: string
  id?: string
  facts: Facts
  actor: string
  now?: Date
  /**
   * Incidents from the same playbook about the same service are open already (probably a
   * duplicate): resolve true to open another anyway. Left out, it opens.
   */
  onDuplicate?: (open: IncidentSummary[]) => boolean | Promise<boolean>
  /** A rehearsal against this sandbox (its URL checked by the caller, see publish/rehearsal.ts). */
  rehearsal?: RehearsalRecord
}

/** Opens an incident: checks the facts against the playbook and starts its journal. */
export async function openIncident(store: IncidentStore, req: OpenRequest): Promise<IncidentState> {
  const playbook = requirePlaybook(req.playbook)
  // Unknown or ill-typed facts fail now; required ones may still come at publish time.
  const facts = resolveFacts(playbook, req.facts, {requireAll: false, applyDefaults: false})
  const now = req.now ?? new Date()
  // A rehearsal is no duplicate of a real incident (a team may practise during one), nor the other way round.
  const duplicates = (await openDuplicates(store, playbook.name, facts.service)).filter(
    (d) => d.rehearsal === Boolean(req.rehearsal),
  )
  if (duplicates.length > 0 && req.onDuplicate && !(await req.onDuplicate(duplicates))) {
    throw new CandorError(
      `not opened: ${duplicates.map((d) => d.id).join(', ')} ${duplicates.length === 1 ? 'is' : 'are'} open for the same service`,
      {
        code: 'incident_not_opened',
        exit: ExitCode.NotApproved,
        suggestions: [`Work on it with --incident ${duplicates[0].id}`],
      },
    )
  }
  let id = req.id
  if (id !== undefined) checkIncidentId(id)
  else {
    const base = `${now.toISOString().slice(0, 10)}-${slugify(typeof facts.service === 'string' ? facts.service : playbook.name)}`
    id = base
    for (let n = 2; await store.exists(id); n++) id = `${base}-${n}`
  }
  const roots = projectRoots({stateDir: store.stateDir})
  await store.create(
    id,
    {
      type: 'opened',
      by: req.actor,
      incident: id,
      playbook: playbookRecord(playbook, roots),
      started_at: now.toISOString(),
      facts,
      ...(req.rehearsal && {rehearsal: {sandbox: req.rehearsal.sandbox}}),
    },
    now,
  )
  return (await loadIncident(store, id)).state
}

export interface IncidentSummary {
  id: string
  playbook: string
  phase: string | null
  resolved: boolean
  /** Ended without posting (`candor incident close`). */
  closed: boolean
  started_at: string
  next_update_due: string | null
  /** Opened with --sandbox: nothing of it reaches a real platform. */
  rehearsal: boolean
  /** The sandbox a rehearsal goes to, else null. */
  sandbox: string | null
}

function summarize(state: IncidentState): IncidentSummary {
  return {
    id: state.id,
    playbook: state.playbook.name,
    phase: state.phase ?? null,
    resolved: state.resolved,
    closed: Boolean(state.closed),
    started_at: state.startedAt,
    next_update_due: state.nextUpdateDue ?? null,
    rehearsal: Boolean(state.rehearsal),
    sandbox: state.rehearsal?.sandbox ?? null,
  }
}

/** Where a command reads every incident: receives one line per damaged journal it skipped. */
export type SkipWarning = (message: string) => void

/** Every incident, folded; a damaged journal is skipped and `onSkip` told which and why. */
async function loadAll(store: IncidentStore, onSkip?: SkipWarning): Promise<IncidentState[]> {
  const states: IncidentState[] = []
  for (const id of await (store.prefetchAll ? store.prefetchAll() : store.list())) {
    try {
      states.push((await loadIncident(store, id)).state)
    } catch (error) {
      if (!isDamagedJournal(error)) throw error
      onSkip?.(`skipped incident ${id}: ${error.message}`)
    }
  }
  return states
}

/**
 * Every incident (open ones, neither resolved nor closed, unless `all`). A damaged journal
 * is skipped, and `onSkip` told which and why: one bad file never hides the other incidents.
 */
export async function listIncidents(
  store: IncidentStore,
  opts: {all?: boolean; onSkip?: SkipWarning} = {},
): Promise<IncidentSummary[]> {
  const out: IncidentSummary[] = []
  for (const state of await loadAll(store, opts.onSkip)) {
    if (!opts.all && (state.resolved || state.closed)) continue
    out.push(summarize(state))
  }
  return out
}

function notFound(store: IncidentStore, given: string, ids: string[]): CandorError {
  return new CandorError(`no incident "${given}" in ${store.location}`, {
    code: 'incident_not_found',
    suggestions: [
      ids.length > 0 ? `Incidents: ${ids.slice(-5).join(', ')}` : 'Open one with `candor incident open PLAYBOOK`',
    ],
  })
}

/**
 * The incident a command works on: the one named, or the only open one. With several
 * open, the error lists them.
 */
export async function resolveIncidentId(store: IncidentStore, given?: string, onSkip?: SkipWarning): Promise<string> {
  return (await pickIncident(store, given, {onSkip})).id
}

export interface IncidentPick {
  id: string
  /**
   * Set when the incident was neither named nor the only open one, e.g. "showing
   * 2026-11-25-acme-voice, resolved 12 minutes ago": say it (on stderr).
   */
  note?: string
}

export interface PickOptions {
  /**
   * With no incident open: take the most recent incident (by its latest event) for which
   * this holds, instead of failing. Read-only commands accept any.
   */
  fallback?: (state: IncidentState) => boolean | Promise<boolean>
  /** How the note starts: "showing", "publishing to", … */
  verb?: string
  /** A command that changes the incident: a closed incident is refused. */
  changes?: boolean
  /** Which incident is the most recent: by its latest event (default), or by when it was resolved. */
  recency?: 'activity' | 'resolution'
  /** Told about each damaged journal skipped. */
  onSkip?: SkipWarning
  now?: Date
}

/** "resolved 12 minutes ago", "closed 3 minutes ago", "opened 2 hours ago (investigating)". */
export function describeRecency(state: IncidentState, now: Date = new Date()): string {
  const ago = (at: string) => `${describeDuration(Math.max(0, now.getTime() - Date.parse(at)))} ago`
  if (state.closed) return `closed ${ago(state.closed.at)}`
  if (state.resolved && state.resolvedAt) return `resolved ${ago(state.resolvedAt)}`
  return `opened ${ago(state.startedAt)}${state.phase ? ` (${state.phase})` : ''}`
}

/**
 * The incident a command works on: the one named, else the only open one, else (when the
 * command allows it) the most recent one that suits it, with a note saying which.
 */
export async function pickIncident(
  store: IncidentStore,
  given?: string,
  opts: PickOptions = {},
): Promise<IncidentPick> {
  if (given) {
    checkIncidentId(given)
    if (!(await store.exists(given))) throw notFound(store, given, await store.list())
    if (opts.changes) refuseClosed((await loadIncident(store, given)).state)
    return {id: given}
  }
  const states = await loadAll(store, opts.onSkip)
  const open = states.filter((s) => !s.resolved && !s.closed)
  if (open.length === 1) return {id: open[0].id}
  if (open.length > 1) {
    throw new CandorError(`${open.length} incidents are open: say which with --incident`, {
      code: 'several_open_incidents',
      suggestions: open.map((s) => `--incident ${s.id}  (${s.playbook.name}, ${s.phase ?? 'nothing published yet'})`),
    })
  }
  const lastAt = (s: IncidentState) =>
    Date.parse((opts.recency === 'resolution' ? s.resolvedAt : undefined) ?? s.events.at(-1)?.at ?? s.startedAt) || 0
  const recent = [...states].sort((a, b) => lastAt(b) - lastAt(a))
  if (opts.fallback) {
    for (const state of recent) {
      if (await opts.fallback(state))
        return {id: state.id, note: `${opts.verb ?? 'showing'} ${state.id}, ${describeRecency(state, opts.now)}`}
    }
  }
  throw new CandorError(`no open incident in ${store.location}`, {
    code: 'no_open_incident',
    suggestions: [
      recent.length > 0
        ? `Name one with --incident ${recent[0].id} (${describeRecency(recent[0], opts.now)}), or open a new one with \`candor incident open PLAYBOOK\``
        : 'Open one with `candor incident open PLAYBOOK`',
    ],
  })
}

/** Fails when the incident was closed: nothing more goes out for it. */
export async function refuseClosedIncident(store: IncidentStore, id: string): Promise<void> {
  refuseClosed((await loadIncident(store, id)).state)
}

function refuseClosed(state: IncidentState): void {
  if (!state.closed) return
  throw new CandorError(
    `incident ${state.id} was closed by ${state.closed.by} (${state.closed.reason}): nothing more goes out for it`,
    {
      code: 'incident_closed',
      suggestions: ['Open a new incident with `candor incident open PLAYBOOK`'],
    },
  )
}

/** Open incidents from the same playbook about the same service: opening another is probably a duplicate. */
export async function openDuplicates(
  store: IncidentStore,
  playbookName: string,
  service: unknown,
): Promise<IncidentSummary[]> {
  if (typeof service !== 'string' || service.trim() === '') return []
  let open: IncidentSummary[]
  try {
    open = await listIncidents(store)
  } catch (error) {
    // A state directory that does not exist yet holds no duplicates: opening creates it.
    if (error instanceof CandorError && error.code === 'state_dir_not_found') return []
    throw error
  }
  const same: IncidentSummary[] = []
  for (const i of open) {
    if (i.playbook !== playbookName) continue
    const {state} = await loadIncident(store, i.id)
    if (
      typeof state.facts.service === 'string' &&
      state.facts.service.trim().toLowerCase() === service.trim().toLowerCase()
    )
      same.push(i)
  }
  return same
}

export interface CloseRequest {
  incident: string
  reason: string
  actor: string
  now?: Date
}

/** Ends an incident without posting anything (a duplicate, a false alarm): journaled with who and why. */
export async function closeIncident(store: IncidentStore, req: CloseRequest): Promise<IncidentState> {
  const reason = req.reason.trim()
  if (!reason)
    throw new CandorError('closing an incident needs a reason', {
      code: 'close_reason_missing',
      suggestions: ['Pass --reason TEXT, e.g. --reason "duplicate of 2026-11-25-acme-voice"'],
    })
  const {state} = await loadIncident(store, req.incident)
  if (state.closed) {
    throw new CandorError(`incident ${state.id} is already closed (by ${state.closed.by}: ${state.closed.reason})`, {
      code: 'incident_closed',
      suggestions: ['See it with `candor incident show ' + state.id + '`'],
    })
  }
  if (state.resolved) {
    throw new CandorError(`incident ${state.id} is resolved already`, {
      code: 'incident_resolved',
      suggestions: ['A resolved incident needs no closing; `candor incident list --all` shows it'],
    })
  }
  await store.append(req.incident, {type: 'closed', by: req.actor, reason}, req.now)
  return (await loadIncident(store, req.incident)).state
}

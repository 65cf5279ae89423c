import path from 'node:path'
import {CandorError} from '../errors.js'
import {resolveFacts, type Facts} from '../facts.js'
import type {LoadOptions} from '../playbook/load.js'
import {requirePlaybook} from '../playbook/resolve.js'
import type {Playbook} from '../playbook/model.js'
import type {JournalEvent} from './events.js'
import {foldIncident, type IncidentState} from './state.js'
import {checkIncidentId, FileIncidentStore, isDamagedJournal, type IncidentStore} from './store.js'
import {loadEnvironment} from '../publish/credentials.js'
import {PgIncidentStore} from '../store/postgres.js'
import {parseStoreSpec} from '../store/url.js'

export const DEFAULT_STATE_DIR = '.candor'

/** --state-dir, else CANDOR_STATE_DIR, else ./.candor */
export function resolveStateDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag || env.CANDOR_STATE_DIR || DEFAULT_STATE_DIR)
}

export interface StoreChoice {
  /** --state-dir */
  stateDir?: string
  /** --store: a postgres:// URL (team mode) or a directory */
  store?: string
}

/**
 * The store a command works on: `--store`, else `--state-dir`, else `$CANDOR_STORE`
 * (also read from .env), else `$CANDOR_STATE_DIR`, else ./.candor. A postgres:// URL
 * selects the shared PostgreSQL store. (A bare string is the `--state-dir` value.)
 */
export function openStore(choice: StoreChoice | string = {}, env: Record<string, string | undefined> = loadEnvironment()): IncidentStore {
  const {stateDir, store} = typeof choice === 'string' ? {stateDir: choice, store: undefined} : choice
  const spec = store || (stateDir ? undefined : env.CANDOR_STORE)
  if (spec) {
    const parsed = parseStoreSpec(spec)
    if (parsed.kind === 'postgres') return new PgIncidentStore(parsed.url)
    return new FileIncidentStore(parsed.dir, {explicit: Boolean(store)})
  }
  return new FileIncidentStore(resolveStateDir(stateDir), {explicit: Boolean(stateDir)})
}

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

/** The playbook an incident was opened from, as it is on disk now. */
export function incidentPlaybook(state: IncidentState, options: LoadOptions = {}): Playbook {
  return requirePlaybook(state.playbook.file, options)
}

export interface OpenRequest {
  playbook: string
  id?: string
  facts: Facts
  actor: string
  now?: Date
}

/** Opens an incident: checks the facts against the playbook and starts its journal. */
export async function openIncident(store: IncidentStore, req: OpenRequest): Promise<IncidentState> {
  const playbook = requirePlaybook(req.playbook)
  // Unknown or ill-typed facts fail now; required ones may still come at publish time.
  const facts = resolveFacts(playbook, req.facts, {requireAll: false, applyDefaults: false})
  const now = req.now ?? new Date()
  let id = req.id
  if (id !== undefined) checkIncidentId(id)
  else {
    const base = `${now.toISOString().slice(0, 10)}-${slugify(typeof facts.service === 'string' ? facts.service : playbook.name)}`
    id = base
    for (let n = 2; await store.exists(id); n++) id = `${base}-${n}`
  }
  await store.create(
    id,
    {type: 'opened', by: req.actor, incident: id, playbook: {name: playbook.name, file: playbook.file}, started_at: now.toISOString(), facts},
    now,
  )
  return (await loadIncident(store, id)).state
}

export interface IncidentSummary {
  id: string
  playbook: string
  phase: string | null
  resolved: boolean
  started_at: string
  next_update_due: string | null
}

/** Where a command reads every incident: receives one line per damaged journal it skipped. */
export type SkipWarning = (message: string) => void

/**
 * Every incident (open ones unless `all`). A damaged journal is skipped, and `onSkip` told
 * which and why: one bad file never hides the other incidents.
 */
export async function listIncidents(store: IncidentStore, opts: {all?: boolean; onSkip?: SkipWarning} = {}): Promise<IncidentSummary[]> {
  const out: IncidentSummary[] = []
  for (const id of await store.list()) {
    let state: IncidentState
    try {
      state = (await loadIncident(store, id)).state
    } catch (error) {
      if (!isDamagedJournal(error)) throw error
      opts.onSkip?.(`skipped incident ${id}: ${error.message}`)
      continue
    }
    if (!opts.all && state.resolved) continue
    out.push({id, playbook: state.playbook.name, phase: state.phase ?? null, resolved: state.resolved, started_at: state.startedAt, next_update_due: state.nextUpdateDue ?? null})
  }
  return out
}

/**
 * The incident a command works on: the one named, or the only open one. With several
 * open, the error lists them.
 */
export async function resolveIncidentId(store: IncidentStore, given?: string, onSkip?: SkipWarning): Promise<string> {
  if (given) {
    checkIncidentId(given)
    if (!(await store.exists(given))) {
      const ids = await store.list()
      throw new CandorError(`no incident "${given}" in ${store.location}`, {
        code: 'incident_not_found',
        suggestions: [ids.length > 0 ? `Incidents: ${ids.slice(-5).join(', ')}` : 'Open one with `candor incident open PLAYBOOK`'],
      })
    }
    return given
  }
  const open = await listIncidents(store, {onSkip})
  if (open.length === 1) return open[0].id
  if (open.length === 0) {
    throw new CandorError(`no open incident in ${store.location}`, {code: 'no_open_incident', suggestions: ['Open one with `candor incident open PLAYBOOK`, or name a resolved one with --incident ID']})
  }
  throw new CandorError(`${open.length} incidents are open: say which with --incident`, {code: 'several_open_incidents', suggestions: open.map((i) => `--incident ${i.id}  (${i.playbook}, ${i.phase ?? 'nothing published yet'})`)})
}

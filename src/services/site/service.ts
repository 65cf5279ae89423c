import {optionsOf} from '../../channels/kind.js'
import {siteKind, type SiteOptions} from '../../channels/site/kind.js'
import {incidentPlaybook, loadIncident} from '../incident/service.js'
import type {IncidentState} from '../incident/state.js'
import type {IncidentStore} from '../incident/store.js'
import {normalizeBaseUrl} from './build.js'
import type {Exclusions} from './model.js'

/** A `site` channel's options, as a playbook sets them. */
export interface SiteChannelOptions {
  dir?: string
  title?: string
  baseUrl?: string
  components: string[]
  lang?: string
}

/** Text the loader checked, or undefined when blank. */
function nonBlank(value: string | undefined): string | undefined {
  return value?.trim() || undefined
}

/** A site channel's options (checked and typed by the loader against `siteKind`) as the site builder takes them. */
export function siteOptionsFromChannel(options: SiteOptions): SiteChannelOptions {
  return {
    dir: nonBlank(options.dir),
    title: nonBlank(options.title),
    baseUrl: normalizeBaseUrl(nonBlank(options.base_url)),
    components: (options.components ?? []).map((c) => c.trim()).filter(Boolean),
    lang: nonBlank(options.locale),
  }
}

/** The page URL of an incident: absolute with a base URL, else relative to the site's folder. */
export function incidentUrl(baseUrl: string | undefined, incident: string): string {
  const page = `incidents/${encodeURIComponent(incident)}.html`
  return baseUrl ? `${normalizeBaseUrl(baseUrl)}/${page}` : page
}

/**
 * Every incident in the store, folded; damaged journals are reported and skipped. Rehearsals
 * (`incident open --sandbox`) never reach the real site; a rehearsal's own site (in the
 * sandbox folder) shows only rehearsals (`rehearsals`).
 */
export async function loadAllIncidents(
  store: IncidentStore,
  opts: {rehearsals?: boolean} = {},
): Promise<{states: IncidentState[]; warnings: string[]; ids: string[]}> {
  const states: IncidentState[] = []
  const warnings: string[] = []
  const ids = await store.list()
  for (const id of ids) {
    try {
      const loaded = await loadIncident(store, id)
      if (Boolean(loaded.state.rehearsal) !== Boolean(opts.rehearsals)) continue
      states.push(loaded.state)
      warnings.push(...loaded.warnings)
    } catch (error) {
      warnings.push(`incident ${id} was left out: ${(error as Error).message}`)
    }
  }
  return {states, warnings, ids}
}

/**
 * Some incidents read again for a publish's partial rebuild: each one's state, or null
 * when it is not for this site (a rehearsal on the real site, or the other way round) or
 * its journal is damaged (reported, as a full build would).
 */
export async function loadSomeIncidents(
  store: IncidentStore,
  ids: Iterable<string>,
  opts: {rehearsals?: boolean} = {},
): Promise<{states: Map<string, IncidentState | null>; warnings: string[]}> {
  const states = new Map<string, IncidentState | null>()
  const warnings: string[] = []
  for (const id of ids) {
    try {
      const loaded = await loadIncident(store, id)
      states.set(id, Boolean(loaded.state.rehearsal) === Boolean(opts.rehearsals) ? loaded.state : null)
      warnings.push(...loaded.warnings)
    } catch (error) {
      // As a full build does: a journal that can't be read is left off the site, and said.
      states.set(id, null)
      warnings.push(`incident ${id} was left out: ${(error as Error).message}`)
    }
  }
  return {states, warnings}
}

export interface SiteBuildRequest {
  /** The site's folder (resolved against the current directory). */
  out: string
  title?: string
  baseUrl?: string
  components?: readonly string[]
  lang?: string
  now?: Date
  exclude?: Exclusions
  /** How long to wait for another site build to finish (default 30 s). */
  lockTimeoutMs?: number
  /** A rehearsal's site (in the sandbox folder): rehearsals only, where the real site has none. */
  rehearsals?: boolean
}

export interface SiteBuildResult {
  out: string
  files: string[]
  /** Files made again this time (all of them in a full build); `written` are those whose content changed. */
  generated: string[]
  written: string[]
  removed: string[]
  /** Whether every page was made again (`site build`, or a publish that could not trust the site index). */
  full: boolean
  /** Why a publish rebuilt every page (a missing or damaged site index), for the person publishing. */
  notes: string[]
  /** Incidents on the site (open and resolved). */
  incidents: string[]
  warnings: string[]
}

/**
 * The store's lock for site builds (a name no incident id takes in practice): two
 * publishes on different incidents at once must not write an older snapshot last.
 */
export const SITE_LOCK = 'candor-site-build.lock'

/**
 * The site channel of the most recent incident whose playbook has one (as the
 * playbook is on disk now), for `candor site build` without options.
 */
export async function findSiteChannel(
  store: IncidentStore,
): Promise<{incident: string; channel: string; options: SiteChannelOptions} | undefined> {
  const ids = await store.list()
  for (const id of [...ids].reverse()) {
    try {
      const {state} = await loadIncident(store, id)
      const playbook = incidentPlaybook(state, {templatesOf: []}) // its channels only
      const channel = [...playbook.channels.values()].find((c) => c.type === 'site')
      if (channel)
        return {
          incident: id,
          channel: channel.name,
          options: siteOptionsFromChannel(optionsOf(siteKind, channel.options)),
        }
    } catch {
      // A playbook that moved or no longer loads: try an older incident.
    }
  }
  return undefined
}

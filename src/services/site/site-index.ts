import {createHash, createHmac, randomBytes} from 'node:crypto'
import {isIncidentId} from '../incident/store.js'
import {FEED_MAX_ENTRIES} from './feeds.js'
import {PLAYBOOK_IMPACTS} from '../../domain/playbook/model.js'
import type {ListedIncident, SiteIncident, SiteUpdate} from './model.js'

export type {ListedIncident} from './model.js'

/*
 * The site index: what the overview, the history pages and the feeds need to know about
 * every incident on the site, kept in the site's folder so that a publish reads and
 * renders one incident instead of every journal. It is a cache of the journals, never
 * the truth: it carries a version and a checksum, every field is checked on reading, and
 * anything wrong with it means a rebuild from the journals.
 */

/** Bump when what is stored, or the markup the pages are made of, changes: old indexes then rebuild. */
export const SITE_INDEX_VERSION = 1

/** What the pages depend on besides the journals: another setting means another site. */
export interface SiteSettings {
  title: string
  baseUrl?: string
  lang: string
  components: string[]
  historyDays: number
  rehearsals: boolean
}

export interface SiteIndex {
  settings: SiteSettings
  /** Updates older than this were dropped from `recent`: a build earlier than it can't use the index. */
  feedSince: string
  /** For `hidden`: a fresh random key per index. */
  salt: string
  /**
   * Journals of the store not on the site (internal-only, rehearsals, damaged), as keyed
   * hashes: the folder is public, and their ids must not be.
   */
  hidden: string[]
  /** Every incident on the site, in the store's order. */
  incidents: ListedIncident[]
}

const FEED_ORDER = (a: SiteUpdate, b: SiteUpdate) =>
  new Date(b.at).toISOString().localeCompare(new Date(a.at).toISOString()) || b.update - a.update

/** What the lists need of an incident; `feedSince` (ms) bounds the updates kept for the feeds. */
export function listIncident(incident: SiteIncident, feedSince: number): ListedIncident {
  const times = incident.updates.map((u) => u.at)
  const lastAt = [...times].sort().at(-1)!
  const endAt = times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a))
  const recent = incident.updates
    .filter((u) => Date.parse(u.at) >= feedSince)
    .sort(FEED_ORDER)
    .slice(0, FEED_MAX_ENTRIES)
    .sort((a, b) => a.update - b.update)
  return {
    id: incident.id,
    title: incident.title,
    impact: incident.impact,
    startedAt: incident.startedAt,
    ...(incident.resolvedAt !== undefined && {resolvedAt: incident.resolvedAt}),
    ...(incident.activeFrom !== undefined && {activeFrom: incident.activeFrom}),
    affects: incident.affects,
    updates: incident.updates.length,
    lastAt,
    ...(endAt !== lastAt && Date.parse(endAt) !== Date.parse(lastAt) && {endAt}),
    recent: recent.map((u) => ({update: u.update, phase: u.phase, at: u.at, html: u.html})),
  }
}

/** The index's copy of an incident without the updates that left the feed window. */
export function pruneRecent(incident: ListedIncident, feedSince: number): ListedIncident {
  if (incident.recent.every((u) => Date.parse(u.at) >= feedSince)) return incident
  return {...incident, recent: incident.recent.filter((u) => Date.parse(u.at) >= feedSince)}
}

export function newSalt(): string {
  return randomBytes(16).toString('hex')
}

/** The keyed hash a journal not on the site is known by. */
export function hiddenKey(salt: string, id: string): string {
  return createHmac('sha256', salt).update(id).digest('hex').slice(0, 16)
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The file: a header line (generator, version, checksum of the rest), then the index as JSON. */
export function serializeSiteIndex(index: SiteIndex): string {
  const body = JSON.stringify(index)
  const header = JSON.stringify({generator: 'candor-site-index', version: SITE_INDEX_VERSION, sha256: sha256(body)})
  return `${header}\n${body}\n`
}

export type IndexReading = {index: SiteIndex} | {problem: string}

/**
 * Reads an index file, trusting nothing: a wrong checksum, another version or a field of
 * the wrong shape is a problem (said in words), and the caller rebuilds from the journals.
 */
export function parseSiteIndex(text: string): IndexReading {
  const cut = text.indexOf('\n')
  let header: unknown
  try {
    header = JSON.parse(cut < 0 ? text : text.slice(0, cut))
  } catch {
    return {problem: 'is damaged (not JSON)'}
  }
  const h = header as {generator?: unknown; version?: unknown; sha256?: unknown}
  if (typeof header !== 'object' || header === null || h.generator !== 'candor-site-index')
    return {problem: 'is not a Candor site index'}
  if (h.version !== SITE_INDEX_VERSION)
    return {
      problem: `was written by another version of Candor (format ${String(h.version)}, this one reads ${SITE_INDEX_VERSION})`,
    }
  const body = cut < 0 ? '' : text.slice(cut + 1).replace(/\n$/, '')
  if (typeof h.sha256 !== 'string' || sha256(body) !== h.sha256)
    return {problem: 'is damaged (its checksum does not match)'}
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch {
    return {problem: 'is damaged (not JSON)'}
  }
  const problem = indexProblem(data)
  return problem ? {problem: `is damaged (${problem})`} : {index: data as SiteIndex}
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isText = (v: unknown, max = 10_000): v is string => typeof v === 'string' && v.length <= max
const isTime = (v: unknown): v is string => isText(v, 64) && !Number.isNaN(Date.parse(v))
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const IMPACTS: readonly string[] = [...PLAYBOOK_IMPACTS, 'scheduled']
const MONTH_START = /^\d{4}-\d{2}/

function settingsProblem(s: unknown): string | undefined {
  if (!isObject(s)) return 'no settings'
  if (!isText(s.title, 1000) || !isText(s.lang, 100) || typeof s.rehearsals !== 'boolean') return 'bad settings'
  if (s.baseUrl !== undefined && !isText(s.baseUrl, 2000)) return 'bad settings'
  if (!isCount(s.historyDays) || !Array.isArray(s.components) || !s.components.every((c) => isText(c, 1000)))
    return 'bad settings'
  return undefined
}

function updateProblem(u: unknown): boolean {
  return !isObject(u) || !isCount(u.update) || !isText(u.phase, 200) || !isTime(u.at) || !isText(u.html, 1_000_000)
}

function incidentProblem(i: unknown, components: readonly string[]): string | undefined {
  if (!isObject(i) || typeof i.id !== 'string' || !isIncidentId(i.id)) return 'an incident without a valid id'
  const what = `incident ${i.id}`
  if (!isText(i.title, 10_000) || typeof i.impact !== 'string' || !IMPACTS.includes(i.impact))
    return `${what}: title or impact`
  if (!isTime(i.startedAt) || !MONTH_START.test(i.startedAt) || !isTime(i.lastAt)) return `${what}: times`
  if ((i.resolvedAt !== undefined && !isTime(i.resolvedAt)) || (i.activeFrom !== undefined && !isTime(i.activeFrom)))
    return `${what}: times`
  if (i.endAt !== undefined && !isTime(i.endAt)) return `${what}: times`
  if (!isCount(i.updates) || i.updates === 0) return `${what}: update count`
  // Only the site's own components: a name the settings don't have is no name the page may show.
  if (i.affects !== 'all' && !(Array.isArray(i.affects) && i.affects.every((c) => components.includes(c as string))))
    return `${what}: components`
  if (!Array.isArray(i.recent) || i.recent.length > FEED_MAX_ENTRIES || i.recent.some(updateProblem))
    return `${what}: feed entries`
  return undefined
}

function indexProblem(data: unknown): string | undefined {
  if (!isObject(data)) return 'not an object'
  const settings = settingsProblem(data.settings)
  if (settings) return settings
  if (!isTime(data.feedSince) || !isText(data.salt, 200)) return 'bad feed window or salt'
  if (!Array.isArray(data.hidden) || !data.hidden.every((h) => typeof h === 'string' && /^[0-9a-f]{16}$/.test(h)))
    return 'bad hidden journals'
  if (!Array.isArray(data.incidents)) return 'no incidents'
  const components = (data.settings as SiteSettings).components
  const seen = new Set<string>()
  for (const i of data.incidents) {
    const problem = incidentProblem(i, components)
    if (problem) return problem
    const id = (i as ListedIncident).id
    if (seen.has(id)) return `incident ${id} twice`
    seen.add(id)
  }
  return undefined
}

/** Whether two settings make the same site. */
export function sameSettings(a: SiteSettings, b: SiteSettings): boolean {
  const norm = (s: SiteSettings) =>
    JSON.stringify([s.title, s.baseUrl ?? null, s.lang, s.components, s.historyDays, s.rehearsals])
  return norm(a) === norm(b)
}

import type {IncidentState} from '../incident/state.js'
import {DAY_MS, dayCells, incidentSpan, type Span, type SpanInput, startOfUtcDay, uptime} from './availability.js'
import {FEED_DAYS, feedEntries, renderAtom, renderJsonFeed} from './feeds.js'
import {
  type ComponentBar,
  type HistoryMonth,
  historyPath,
  incidentMonth,
  incidentPath,
  type IndexModel,
  type PageContext,
  renderHistoryMonth,
  renderIncidentPage,
  renderIndex,
} from './html.js'
import {
  componentStatuses,
  type Exclusions,
  type ListedIncident,
  overallStatus,
  type SiteIncident,
  siteIncident,
  spanInput,
  spanOf,
} from './model.js'
import {listIncident, pruneRecent, type SiteSettings} from './site-index.js'
import {STYLE_CSS} from './style.js'

/** One file of the site, its path relative to the site's folder (always `/`-separated). */
export interface SiteFile {
  path: string
  content: string
}

export interface SiteOptions {
  /** Site title (default "Status"). */
  title?: string
  /** Public URL the site is served from; without it links in feeds are relative. */
  baseUrl?: string
  /** Services listed on the page. */
  components?: readonly string[]
  /** `lang` of the pages and feeds (default "en"). */
  lang?: string
  /** The build time; relative times and the 90 days are computed against it. */
  now: Date
  /** How far back the front page lists resolved incidents and draws bars (default 90 days). */
  historyDays?: number
  /** Updates to leave out, as `incident/update` (a retraction in progress). */
  exclude?: Exclusions
}

export const DEFAULT_SITE_TITLE = 'Status'
export const HISTORY_DAYS = 90
/** The bar's name when the site lists no components: every incident counts. */
export const ALL_SERVICES = 'All services'

/** "https://status.example.com/" → "https://status.example.com" */
export function normalizeBaseUrl(url: string | undefined): string | undefined {
  const trimmed = url?.trim().replace(/\/+$/, '')
  return trimmed ? trimmed : undefined
}

export interface BuiltSite {
  files: SiteFile[]
  incidents: SiteIncident[]
  /** What the lists need of every incident on the site, in the order given: the site index's entries. */
  listed: ListedIncident[]
  /** What was wrong in the journals and how it was drawn anyway (clock jumps). */
  warnings: string[]
}

/**
 * Everything the pages are made from, computed once: each page is then a function of
 * this model alone, so a page can be regenerated on its own. The lists (overview,
 * history, feeds) need only each incident's {@link ListedIncident}; the open incidents'
 * cards and the incident pages need the whole incident (`full`).
 */
export interface SiteModel {
  ctx: PageContext
  listed: ListedIncident[]
  full: ReadonlyMap<string, SiteIncident>
  index: IndexModel
  /** Incidents by the month they started in (`2026-11`). */
  byMonth: Map<string, ListedIncident[]>
  warnings: string[]
}

/** The site's components, as configured: trimmed, blank and repeated names left out. */
export function siteComponents(options: Pick<SiteOptions, 'components'>): string[] {
  return [...new Set((options.components ?? []).map((c) => c.trim()).filter(Boolean))]
}

export function pageContext(options: SiteOptions): PageContext {
  return {
    title: options.title?.trim() || DEFAULT_SITE_TITLE,
    baseUrl: normalizeBaseUrl(options.baseUrl),
    lang: options.lang?.trim() || 'en',
    now: options.now,
    historyDays: options.historyDays ?? HISTORY_DAYS,
  }
}

/** What the pages depend on besides the journals (a site index is only good for the same). */
export function siteSettings(options: SiteOptions, rehearsals = false): SiteSettings {
  const ctx = pageContext(options)
  return {
    title: ctx.title,
    ...(ctx.baseUrl !== undefined && {baseUrl: ctx.baseUrl}),
    lang: ctx.lang,
    components: siteComponents(options),
    historyDays: ctx.historyDays,
    rehearsals,
  }
}

/** The oldest update time the feeds can hold as of `now`. */
export function feedCutoff(now: Date): number {
  return now.getTime() - FEED_DAYS * 86_400_000
}

/** The incident as the site shows it, times made readable (see readableTimes); undefined when not on the site. */
export function shownIncident(
  state: IncidentState,
  components: readonly string[],
  exclude: Exclusions | undefined,
  warnings: string[],
): SiteIncident | undefined {
  const incident = siteIncident(state, components, exclude)
  return incident ? readableTimes(incident, warnings) : undefined
}

export function siteModel(states: readonly IncidentState[], options: SiteOptions): SiteModel {
  const components = siteComponents(options)
  const warnings: string[] = []
  const incidents = states.flatMap((s) => shownIncident(s, components, options.exclude, warnings) ?? [])
  // What a journal got wrong in its times is reported, never thrown.
  for (const incident of [...incidents].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    const input = spanInput(incident)
    if (input) warnings.push(...incidentSpan(input, options.now).problems)
  }
  const cutoff = feedCutoff(options.now)
  const listed = incidents.map((i) => listIncident(i, cutoff))
  return modelOf(listed, new Map(incidents.map((i) => [i.id, i])), options, warnings)
}

/**
 * What the bars need of a listed incident: as {@link spanInput}, with its latest update
 * for all its events (the span ends at the latest consistent one, which is that one).
 */
function listedSpanInput(incident: ListedIncident): SpanInput | undefined {
  return spanOf(incident, [{label: 'latest update', at: incident.endAt ?? incident.lastAt}])
}

/** Whether a resolved incident's span (which ends by its latest time) ends before `ms`. */
function endedBefore(incident: ListedIncident, ms: number): boolean {
  if (incident.resolvedAt === undefined) return false
  const times = [incident.startedAt, incident.resolvedAt, incident.lastAt, incident.endAt, incident.activeFrom]
  return times.every((t) => t === undefined || Date.parse(t) < ms)
}

/**
 * The model from the listed incidents (in the store's order) and the whole incidents of
 * at least every open one. Both a full build and a publish's partial one go through
 * here, so the pages they share come out the same.
 */
export function modelOf(
  listed: ListedIncident[],
  full: ReadonlyMap<string, SiteIncident>,
  options: SiteOptions,
  warnings: string[] = [],
): SiteModel {
  const ctx = pageContext(options)
  const components = siteComponents(options)
  const historyDays = ctx.historyDays
  const whole = (i: ListedIncident): SiteIncident => {
    const found = full.get(i.id)
    if (!found) throw new Error(`internal: open incident ${i.id} was not loaded`)
    return found
  }
  const open = listed
    .filter((i) => i.resolvedAt === undefined)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id))
  const since = options.now.getTime() - historyDays * 86_400_000
  const history = listed
    .filter((i) => i.resolvedAt !== undefined && Date.parse(i.resolvedAt) >= since)
    .sort((a, b) => b.resolvedAt!.localeCompare(a.resolvedAt!) || a.id.localeCompare(b.id))

  const spans = new Map<string, Span>()
  // An incident over before the bars' first day draws nothing: years of history cost no span.
  const firstDay = startOfUtcDay(options.now.getTime()) - (historyDays - 1) * DAY_MS
  for (const incident of listed) {
    if (endedBefore(incident, firstDay)) continue
    const input = listedSpanInput(incident)
    const span = input && incidentSpan(input, options.now).span
    if (span) spans.set(incident.id, span)
  }
  const starts = listed.map((i) => Date.parse(i.startedAt)).filter((t) => !Number.isNaN(t))
  const dataFrom = starts.length > 0 ? Math.min(...starts) : undefined

  const activeListed = open.filter((i) => i.impact !== 'scheduled')
  const active = activeListed.map(whole)
  // Without components, one bar for everything, once there is anything to draw.
  const rows = components.length > 0 ? components : listed.length > 0 ? [ALL_SERVICES] : []
  const now = componentStatuses(active, rows)
  const bars: ComponentBar[] = now.map(({name, status}) => {
    const touching = listed.filter((i) => components.length === 0 || i.affects === 'all' || i.affects.includes(name))
    const own = touching.flatMap((i) => spans.get(i.id) ?? [])
    return {
      name,
      status: components.length === 0 ? overallStatus(active) : status,
      uptime: uptime(own, options.now, historyDays, dataFrom),
      cells: dayCells(own, options.now, historyDays, dataFrom),
    }
  })

  const byMonth = new Map<string, ListedIncident[]>()
  for (const i of listed) {
    const month = incidentMonth(i)
    if (!/^\d{4}-\d{2}$/.test(month)) continue
    const list = byMonth.get(month)
    if (list) list.push(i)
    else byMonth.set(month, [i])
  }
  const months: HistoryMonth[] = [...byMonth.keys()]
    .sort()
    .reverse()
    .map((month) => ({month, count: byMonth.get(month)!.length}))
  const scheduledListed = open.filter((i) => i.impact === 'scheduled')
  const scheduled = scheduledListed
    .map(whole)
    .sort(
      (a, b) =>
        (a.window?.from ?? a.startedAt).localeCompare(b.window?.from ?? b.startedAt) || a.id.localeCompare(b.id),
    )
  const lastUpdate = [...activeListed, ...scheduledListed, ...history]
    .map((i) => i.lastAt)
    .sort()
    .at(-1)
  const index: IndexModel = {
    overall: overallStatus(active),
    open: active,
    scheduled,
    components: bars,
    history,
    months,
    byId: new Map(listed.map((i) => [i.id, i])),
    lastUpdate,
  }
  return {ctx, listed, full, index, byMonth, warnings}
}

const readable = (iso: string | undefined) => iso !== undefined && !Number.isNaN(Date.parse(iso))

/**
 * The incident with only the times a page can show: one whose opening is unreadable is
 * left off the site, an update without a readable time is left out, and a resolution
 * time that is unreadable becomes that of its last update. Each is reported.
 */
function readableTimes(incident: SiteIncident, warnings: string[]): SiteIncident | undefined {
  if (!readable(incident.startedAt)) {
    warnings.push(`incident ${incident.id}: its opening time "${incident.startedAt}" is not a date; left off the site`)
    return undefined
  }
  const updates = incident.updates.filter((u) => {
    if (readable(u.at)) return true
    warnings.push(`incident ${incident.id}: update ${u.update} has no readable time ("${u.at}"); left off the site`)
    return false
  })
  if (updates.length === 0) return undefined
  const fixed: SiteIncident = {...incident, updates}
  if (fixed.resolved && !readable(fixed.resolvedAt)) fixed.resolvedAt = updates.at(-1)!.at
  if (fixed.activeFrom !== undefined && !readable(fixed.activeFrom)) delete fixed.activeFrom
  return fixed
}

/** The front page. */
export function overviewFile(model: SiteModel): SiteFile {
  return {path: 'index.html', content: renderIndex(model.index, model.ctx)}
}

/** One incident's page. */
export function incidentFile(model: SiteModel, incident: SiteIncident): SiteFile {
  return {path: incidentPath(incident.id), content: renderIncidentPage(incident, model.ctx)}
}

/** The history page of one month (`2026-11`). */
export function historyMonthFile(model: SiteModel, month: string): SiteFile {
  return {
    path: historyPath(month),
    content: renderHistoryMonth(month, model.byMonth.get(month) ?? [], model.index.months, model.ctx),
  }
}

/** Both feeds: the newest 100 updates, or the last 90 days' if fewer. */
export function feedFiles(model: SiteModel): SiteFile[] {
  const entries = feedEntries(model.listed, model.ctx.now)
  return [
    {path: 'feed.atom', content: renderAtom(entries, model.ctx)},
    {path: 'feed.json', content: renderJsonFeed(entries, model.ctx)},
  ]
}

/**
 * Builds the whole status site from the recorded incidents: a pure function of them
 * and the options (the build time moves the relative times and the 90 days). Files come
 * out in a safe write order: the pages the front page links to before the front page.
 */
export function buildSite(states: readonly IncidentState[], options: SiteOptions): BuiltSite {
  const model = siteModel(states, options)
  const incidents = [...model.full.values()]
  const files: SiteFile[] = [
    {path: 'style.css', content: STYLE_CSS},
    ...[...incidents].sort((a, b) => a.id.localeCompare(b.id)).map((i) => incidentFile(model, i)),
    ...model.index.months.map((m) => historyMonthFile(model, m.month)),
    ...feedFiles(model),
    overviewFile(model),
  ]
  return {files, incidents, listed: model.listed, warnings: model.warnings}
}

/** What a publish changes on the site: the files to write (in order) and to remove, and the new index entries. */
export interface PartialSite {
  files: SiteFile[]
  remove: string[]
  listed: ListedIncident[]
  warnings: string[]
}

/** A listed incident without what only the feeds read, for comparing what the lists show. */
const listedShape = (i: ListedIncident | undefined) => (i ? JSON.stringify({...i, recent: undefined}) : '')

/**
 * The part of the site a publish changes, from the index's entries and the incidents
 * read again from their journals (`reloaded`: the published one, every open one, any the
 * index did not know; null when not on the site): their pages, the history months of
 * those that changed (every month when the months themselves changed), the feeds and the
 * overview. `order` is the store's: the site lists incidents in it.
 */
export function updateSite(
  previous: readonly ListedIncident[],
  order: readonly string[],
  reloaded: ReadonlyMap<string, IncidentState | null>,
  published: readonly string[],
  options: SiteOptions,
): PartialSite {
  const components = siteComponents(options)
  const cutoff = feedCutoff(options.now)
  const warnings: string[] = []
  const before = new Map(previous.map((i) => [i.id, i]))
  const full = new Map<string, SiteIncident>()
  for (const [id, state] of reloaded) {
    const shown = state && shownIncident(state, components, options.exclude, warnings)
    if (shown) full.set(id, shown)
  }
  const listed = order.flatMap((id) => {
    if (reloaded.has(id)) {
      const shown = full.get(id)
      return shown ? [listIncident(shown, cutoff)] : []
    }
    const known = before.get(id)
    return known ? [pruneRecent(known, cutoff)] : []
  })
  const model = modelOf(listed, full, options, warnings)
  const after = new Map(listed.map((i) => [i.id, i]))

  const monthsBefore = new Set(previous.map(incidentMonth))
  const monthsNow = new Set(model.index.months.map((m) => m.month))
  const sameMonths = monthsBefore.size === monthsNow.size && [...monthsNow].every((m) => monthsBefore.has(m))
  const months = new Set<string>()
  if (!sameMonths) for (const m of monthsNow) months.add(m)
  for (const id of reloaded.keys()) {
    const [was, is] = [before.get(id), after.get(id)]
    if (listedShape(was) === listedShape(is) && !published.includes(id)) continue
    for (const i of [was, is]) if (i && monthsNow.has(incidentMonth(i))) months.add(incidentMonth(i))
  }
  const remove = [
    ...[...reloaded.keys()].filter((id) => before.has(id) && !after.has(id)).map(incidentPath),
    ...[...monthsBefore].filter((m) => !monthsNow.has(m) && /^\d{4}-\d{2}$/.test(m)).map(historyPath),
  ]
  const files: SiteFile[] = [
    ...[...full.values()].sort((a, b) => a.id.localeCompare(b.id)).map((i) => incidentFile(model, i)),
    ...model.index.months.filter((m) => months.has(m.month)).map((m) => historyMonthFile(model, m.month)),
    ...feedFiles(model),
    overviewFile(model),
  ]
  return {files, remove, listed, warnings}
}

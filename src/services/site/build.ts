import type {IncidentState} from '../incident/state.js'
import {dayCells, incidentSpan, type Span, uptime} from './availability.js'
import {feedEntries, renderAtom, renderJsonFeed} from './feeds.js'
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
import {componentStatuses, type Exclusions, overallStatus, type SiteIncident, siteIncident, spanInput} from './model.js'
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
  /** What was wrong in the journals and how it was drawn anyway (clock jumps). */
  warnings: string[]
}

/**
 * Everything the pages are made from, computed once: each page is then a function of
 * this model alone, so a page can be regenerated on its own.
 */
export interface SiteModel {
  ctx: PageContext
  incidents: SiteIncident[]
  index: IndexModel
  /** Incidents by the month they started in (`2026-11`). */
  byMonth: Map<string, SiteIncident[]>
  warnings: string[]
}

export function siteModel(states: readonly IncidentState[], options: SiteOptions): SiteModel {
  const components = [...new Set((options.components ?? []).map((c) => c.trim()).filter(Boolean))]
  const historyDays = options.historyDays ?? HISTORY_DAYS
  const ctx: PageContext = {
    title: options.title?.trim() || DEFAULT_SITE_TITLE,
    baseUrl: normalizeBaseUrl(options.baseUrl),
    lang: options.lang?.trim() || 'en',
    now: options.now,
    historyDays,
  }
  const warnings: string[] = []
  const incidents = states.flatMap((s) => {
    const incident = siteIncident(s, components, options.exclude)
    return incident ? (readableTimes(incident, warnings) ?? []) : []
  })
  const open = incidents
    .filter((i) => !i.resolved)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id))
  const since = options.now.getTime() - historyDays * 86_400_000
  const history = incidents
    .filter((i) => i.resolved && Date.parse(i.resolvedAt!) >= since)
    .sort((a, b) => b.resolvedAt!.localeCompare(a.resolvedAt!) || a.id.localeCompare(b.id))

  // The spans the bars are drawn from; what a journal got wrong is reported, never thrown.
  const spans = new Map<string, Span>()
  for (const incident of [...incidents].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    const input = spanInput(incident)
    if (!input) continue
    const {span, problems} = incidentSpan(input, options.now)
    warnings.push(...problems)
    if (span) spans.set(incident.id, span)
  }
  const starts = incidents.map((i) => Date.parse(i.startedAt)).filter((t) => !Number.isNaN(t))
  const dataFrom = starts.length > 0 ? Math.min(...starts) : undefined

  const active = open.filter((i) => i.impact !== 'scheduled')
  // Without components, one bar for everything, once there is anything to draw.
  const rows = components.length > 0 ? components : incidents.length > 0 ? [ALL_SERVICES] : []
  const now = componentStatuses(active, rows)
  const bars: ComponentBar[] = now.map(({name, status}) => {
    const touching = incidents.filter((i) => components.length === 0 || i.affects === 'all' || i.affects.includes(name))
    const own = touching.flatMap((i) => spans.get(i.id) ?? [])
    return {
      name,
      status: components.length === 0 ? overallStatus(active) : status,
      uptime: uptime(own, options.now, historyDays, dataFrom),
      cells: dayCells(own, options.now, historyDays, dataFrom),
    }
  })

  const byMonth = new Map<string, SiteIncident[]>()
  for (const i of incidents) {
    const month = incidentMonth(i)
    if (!/^\d{4}-\d{2}$/.test(month)) continue
    byMonth.set(month, [...(byMonth.get(month) ?? []), i])
  }
  const months: HistoryMonth[] = [...byMonth.keys()]
    .sort()
    .reverse()
    .map((month) => ({month, count: byMonth.get(month)!.length}))
  const scheduled = open
    .filter((i) => i.impact === 'scheduled')
    .sort(
      (a, b) =>
        (a.window?.from ?? a.startedAt).localeCompare(b.window?.from ?? b.startedAt) || a.id.localeCompare(b.id),
    )
  const index: IndexModel = {
    overall: overallStatus(active),
    open: active,
    scheduled,
    components: bars,
    history,
    months,
    byId: new Map(incidents.map((i) => [i.id, i])),
  }
  return {ctx, incidents, index, byMonth, warnings}
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
  const entries = feedEntries(model.incidents, model.ctx.now)
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
  const files: SiteFile[] = [
    {path: 'style.css', content: STYLE_CSS},
    ...[...model.incidents].sort((a, b) => a.id.localeCompare(b.id)).map((i) => incidentFile(model, i)),
    ...model.index.months.map((m) => historyMonthFile(model, m.month)),
    ...feedFiles(model),
    overviewFile(model),
  ]
  return {files, incidents: model.incidents, warnings: model.warnings}
}

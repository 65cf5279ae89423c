import type {IncidentState} from '../incident/state.js'
import {feedEntries, renderAtom, renderJsonFeed} from './feeds.js'
import {incidentPath, renderIncidentPage, renderIndex, type PageContext} from './html.js'
import {componentStatuses, overallStatus, siteIncident, type Exclusions, type SiteIncident} from './model.js'
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
  /** The build time; relative times are computed against it. */
  now: Date
  /** How far back the front page lists resolved incidents (default 90 days). */
  historyDays?: number
  /** Updates to leave out, as `incident/update` (a retraction in progress). */
  exclude?: Exclusions
}

export const DEFAULT_SITE_TITLE = 'Status'
export const HISTORY_DAYS = 90

/** "https://status.example.com/" → "https://status.example.com" */
export function normalizeBaseUrl(url: string | undefined): string | undefined {
  const trimmed = url?.trim().replace(/\/+$/, '')
  return trimmed ? trimmed : undefined
}

export interface BuiltSite {
  files: SiteFile[]
  incidents: SiteIncident[]
}

/**
 * Builds the whole status site from the recorded incidents: a pure function of them
 * and the options (the build time only changes the relative times). Files come out
 * in a safe write order: the pages the front page links to before the front page.
 */
export function buildSite(states: readonly IncidentState[], options: SiteOptions): BuiltSite {
  const components = [...new Set((options.components ?? []).map((c) => c.trim()).filter(Boolean))]
  const historyDays = options.historyDays ?? HISTORY_DAYS
  const ctx: PageContext = {
    title: options.title?.trim() || DEFAULT_SITE_TITLE,
    baseUrl: normalizeBaseUrl(options.baseUrl),
    lang: options.lang?.trim() || 'en',
    now: options.now,
    historyDays,
  }
  const incidents = states.flatMap((s) => siteIncident(s, components, options.exclude) ?? [])
  const open = incidents
    .filter((i) => !i.resolved)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id))
  const since = options.now.getTime() - historyDays * 86_400_000
  const history = incidents
    .filter((i) => i.resolved && Date.parse(i.resolvedAt!) >= since)
    .sort((a, b) => b.resolvedAt!.localeCompare(a.resolvedAt!) || a.id.localeCompare(b.id))

  const active = open.filter((i) => i.impact !== 'scheduled')
  const index = renderIndex(
    {
      overall: overallStatus(active),
      open: active,
      scheduled: open.filter((i) => i.impact === 'scheduled'),
      components: componentStatuses(active, components),
      history,
    },
    ctx,
  )
  const entries = feedEntries(incidents)
  const files: SiteFile[] = [
    {path: 'style.css', content: STYLE_CSS},
    ...[...incidents]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((i) => ({path: incidentPath(i.id), content: renderIncidentPage(i, ctx)})),
    {path: 'feed.atom', content: renderAtom(entries, ctx)},
    {path: 'feed.json', content: renderJsonFeed(entries, ctx)},
    {path: 'index.html', content: index},
  ]
  return {files, incidents}
}

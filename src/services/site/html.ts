import {describeDuration, formatTime} from '../../domain/time.js'
import {type DayCell, type DayStatus, formatUptime} from './availability.js'
import {escapeText as e, postToHtml} from './escape.js'
import {
  phaseLabel,
  type ComponentStatus,
  type Impact,
  type ListedIncident,
  type SiteIncident,
  type SiteUpdate,
} from './model.js'

/** What every page needs to know besides the incidents. */
export interface PageContext {
  title: string
  baseUrl?: string
  lang: string
  /** The build time: relative times ("12 minutes ago") are as of it. */
  now: Date
  historyDays: number
}

export const STATUS_TEXT: Record<ComponentStatus, string> = {
  operational: 'All systems operational',
  degraded: 'Some systems are degraded',
  partial: 'Partial outage',
  outage: 'Major outage',
  maintenance: 'Maintenance in progress',
}

const BADGE: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded: 'Degraded',
  partial: 'Partial outage',
  outage: 'Outage',
  maintenance: 'Maintenance',
}

const IMPACT_BADGE: Record<Impact, {status: ComponentStatus; text: string}> = {
  outage: {status: 'outage', text: 'Outage'},
  partial: {status: 'partial', text: 'Partial outage'},
  degraded: {status: 'degraded', text: 'Degraded'},
  maintenance: {status: 'maintenance', text: 'Maintenance'},
  scheduled: {status: 'maintenance', text: 'Scheduled'},
}

/** What a day's cell says, in words (never by colour alone). */
export const DAY_TEXT: Record<DayStatus, string> = {
  major: 'Major outage',
  partial: 'Partial outage',
  degraded: 'Degraded performance',
  maintenance: 'Maintenance',
  operational: 'No incidents',
  none: 'No data',
}

/** The page path of an incident, relative to the site root. */
export function incidentPath(id: string): string {
  return `incidents/${encodeURIComponent(id)}.html`
}

/** "12 minutes ago", "just now", "in 5 minutes", as of `now`. */
export function relativeTime(iso: string, now: Date): string {
  const diff = now.getTime() - Date.parse(iso)
  if (Math.abs(diff) < 60_000) return 'just now'
  return diff > 0 ? `${describeDuration(diff)} ago` : `in ${describeDuration(-diff)}`
}

/** `<time datetime="ISO">25 Nov 2026, 14:02 UTC</time>`, optionally with the relative time. */
export function timeHtml(iso: string, now?: Date): string {
  const t = `<time datetime="${e(new Date(iso).toISOString())}">${e(formatTime(iso, 'datetime'))}</time>`
  return now ? `${t} <span class="ago">(${e(relativeTime(iso, now))})</span>` : t
}

function durationText(fromIso: string, toIso: string): string {
  return describeDuration(Date.parse(toIso) - Date.parse(fromIso))
}

/** How long it lasted: a maintenance from its first update in the window, anything else from its opening. */
function lasted(incident: Pick<SiteIncident, 'activeFrom' | 'startedAt' | 'resolvedAt'>): string {
  return durationText(incident.activeFrom ?? incident.startedAt, incident.resolvedAt!)
}

function page(
  ctx: PageContext,
  opts: {root: string; title: string; canonical?: string; header: string; main: string; script?: string},
): string {
  const {root} = opts
  return `<!doctype html>
<html lang="${e(ctx.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="Candor">
<title>${e(opts.title)}</title>
<link rel="stylesheet" href="${root}style.css">
<link rel="alternate" type="application/atom+xml" title="${e(ctx.title)} (Atom)" href="${root}feed.atom">
<link rel="alternate" type="application/feed+json" title="${e(ctx.title)} (JSON Feed)" href="${root}feed.json">
${opts.canonical ? `<link rel="canonical" href="${e(opts.canonical)}">\n` : ''}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
<div class="wrap">
${opts.header}
<nav aria-label="Subscribe">
<ul>
<li><a href="${root}feed.atom">Atom feed</a></li>
<li><a href="${root}feed.json">JSON Feed</a></li>
</ul>
</nav>
</div>
</header>
<main id="main" class="wrap">
${opts.main}
</main>
<footer class="site-footer">
<div class="wrap">
<p>Times are in UTC. Relative times like “5 minutes ago” are as of when this page was built: ${timeHtml(ctx.now.toISOString())}.</p>
<p>Published with Candor. Follow updates with the <a href="${root}feed.atom">Atom feed</a> or the <a href="${root}feed.json">JSON Feed</a>.</p>
</div>
</footer>
${opts.script ? `<script>\n${opts.script}\n</script>\n` : ''}</body>
</html>
`
}

function updatesHtml(incident: SiteIncident, ctx: PageContext, idPrefix: string): string {
  const items = [...incident.updates].reverse().map((u: SiteUpdate) => {
    return `<li class="update" id="${e(idPrefix)}update-${u.update}">
<p class="update-head"><span class="phase">${e(phaseLabel(u.phase))}</span> <span class="when">${timeHtml(u.at, ctx.now)}</span></p>
<div class="update-text">
${postToHtml(u.html)}
</div>
</li>`
  })
  return `<ol class="updates" reversed>\n${items.join('\n')}\n</ol>`
}

function badge(impact: Impact, resolved: boolean): string {
  if (resolved) return `<span class="badge status-operational">Resolved</span>`
  const b = IMPACT_BADGE[impact]
  return `<span class="badge status-${b.status}">${b.text}</span>`
}

function card(incident: SiteIncident, ctx: PageContext): string {
  const heading = `incident-${incident.id}`
  return `<article class="incident impact-${incident.impact}" aria-labelledby="${e(heading)}">
<h3 id="${e(heading)}"><a href="${incidentPath(incident.id)}">${e(incident.title)}</a></h3>
<p class="meta">${badge(incident.impact, false)} ${incident.impact === 'scheduled' ? 'Announced' : 'Started'} ${timeHtml(incident.startedAt)} · ${e(phaseLabel(incident.phase))}</p>
${windowHtml(incident)}
${updatesHtml(incident, ctx, `${incident.id}-`)}
</article>`
}

/** One component's row: its status now, its uptime and its 90 day cells. */
export interface ComponentBar {
  name: string
  status: ComponentStatus
  uptime: number | undefined
  cells: DayCell[]
}

/** A month of the history: `2026-11`, and how many incidents started in it. */
export interface HistoryMonth {
  month: string
  count: number
}

export interface IndexModel {
  overall: ComponentStatus
  open: SiteIncident[]
  /** Maintenance announced but not started, soonest first. */
  scheduled: SiteIncident[]
  components: ComponentBar[]
  /** Resolved in the last `historyDays`, newest first. */
  history: ListedIncident[]
  /** Months with incidents, newest first: each has a history page. */
  months: HistoryMonth[]
  /** Every incident on the site by id, for the cells' tooltips. */
  byId: ReadonlyMap<string, ListedIncident>
  /** The newest update of the open, upcoming and recently resolved incidents. */
  lastUpdate?: string
}

/** The history page of a month (`2026-11`), relative to the site root. */
export function historyPath(month: string): string {
  return `history/${month}.html`
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** "November 2026" for `2026-11` (by hand: `Intl` costs about 0.3 ms a call, and a page names every month). */
export function monthName(month: string): string {
  const [year, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))]
  return MONTH_NAMES[m - 1] && month.length === 7 ? `${MONTH_NAMES[m - 1]} ${year}` : month
}

/** The month an incident is listed under in the history: the one it started in (UTC). */
export function incidentMonth(incident: Pick<SiteIncident, 'startedAt'>): string {
  return incident.startedAt.slice(0, 7)
}

/** "25 Nov 2026" for `2026-11-25`. */
function dayName(date: string): string {
  return formatTime(`${date}T12:00:00.000Z`, 'date')
}

/**
 * What JavaScript adds to the bars, when it runs (the page needs none): one Tab stop per
 * bar instead of 90 (today's cell; the arrow keys, Home and End move between days, as in
 * a toolbar), and Escape hides an open tooltip (WCAG 1.4.13: content on hover or focus
 * can be dismissed). Without it every cell is a Tab stop and tooltips show on focus.
 */
export const BARS_SCRIPT = `(() => {
  for (const bar of document.querySelectorAll('.bar')) {
    const days = [...bar.querySelectorAll('.day')];
    days.forEach((day, i) => { day.tabIndex = i === days.length - 1 ? 0 : -1; });
    bar.addEventListener('keydown', (event) => {
      const day = event.target.closest('.day');
      if (!day) return;
      if (event.key === 'Escape') { day.focus(); day.classList.add('tip-closed'); return; }
      const i = event.target === day ? days.indexOf(day) : -1;
      if (i < 0) return;
      const next = {ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: days.length - 1}[event.key];
      if (next === undefined || !days[next]) return;
      event.preventDefault();
      day.tabIndex = -1;
      days[next].tabIndex = 0;
      days[next].focus();
    });
    bar.addEventListener('focusout', (event) => {
      const day = event.target.closest('.day');
      if (day && !day.contains(event.relatedTarget)) day.classList.remove('tip-closed');
    });
    bar.addEventListener('mouseleave', () => { for (const day of days) day.classList.remove('tip-closed'); });
  }
})();`

/** The help text under the bars: how a day is coloured and how uptime is counted. */
export const UPTIME_RULE =
  'Each bar is one day in UTC, coloured by the worst incident that touched the component that day. Uptime counts a major outage in full and a partial outage at 30% of its duration; degraded performance and planned maintenance count as up. Overlapping incidents count once, at the worst. Days before the first incident on this page have no data and are left out.'

function windowHtml(incident: SiteIncident): string {
  const w = incident.window
  if (!w) return ''
  const exact =
    w.from && w.until
      ? `${timeHtml(w.from)} to ${timeHtml(w.until)}`
      : w.from
        ? `from ${timeHtml(w.from)}`
        : w.until
          ? `until ${timeHtml(w.until)}`
          : ''
  const words = w.text && !exact ? e(w.text) : ''
  return `<p class="window"><strong>Window:</strong> ${exact || words}</p>`
}

function cellHtml(bar: ComponentBar, index: number, cell: DayCell, byId: ReadonlyMap<string, ListedIncident>): string {
  const incidents = cell.incidents.flatMap((id) => byId.get(id) ?? [])
  const count = incidents.length
  const label = `${dayName(cell.date)}, ${bar.name}: ${DAY_TEXT[cell.status]}${count > 0 ? `, ${count} ${count === 1 ? 'incident' : 'incidents'}` : ''}`
  const tip = `tip-${index}-${cell.date}`
  const list =
    count === 0
      ? ''
      : `\n<ul>${incidents.map((i) => `<li><a href="${incidentPath(i.id)}">${e(i.title)}</a> <span class="tip-impact">(${IMPACT_BADGE[i.impact].text})</span></li>`).join('')}</ul>`
  return `<li class="day day-${cell.status}" tabindex="0" data-date="${cell.date}" data-status="${cell.status}" aria-label="${e(label)}" aria-describedby="${tip}"><div class="tip" id="${tip}"><p><strong>${e(dayName(cell.date))}</strong> · ${DAY_TEXT[cell.status]}</p>${list}</div></li>`
}

function barsHtml(model: IndexModel, ctx: PageContext): string {
  const days = model.components[0]?.cells.length ?? 0
  const rows = model.components.map((bar, index) => {
    const head = `c${index}-name`
    return `<li class="component">
<div class="component-head"><h3 class="component-name" id="${head}">${e(bar.name)}</h3> <span class="badge status-${bar.status}">${BADGE[bar.status]}</span> <span class="uptime">${e(formatUptime(bar.uptime))}${bar.uptime === undefined ? '' : ' uptime'}</span></div>
<ol class="bar" aria-label="${e(`${bar.name}: the last ${days} days`)}">
${bar.cells.map((c) => cellHtml(bar, index, c, model.byId)).join('\n')}
</ol>
<p class="bar-ends" aria-hidden="true"><span>${days} days ago</span><span>Today</span></p>
</li>`
  })
  return `<section aria-labelledby="components-heading">
<h2 id="components-heading">Components</h2>
<ul class="components">
${rows.join('\n')}
</ul>
<ul class="legend" aria-label="Legend">
${(['operational', 'degraded', 'partial', 'major', 'maintenance', 'none'] as const).map((s) => `<li><span class="swatch day-${s}" aria-hidden="true"></span>${DAY_TEXT[s]}</li>`).join('\n')}
</ul>
<p class="help" id="uptime-rule">${e(UPTIME_RULE)} Uptime is over the last ${days} days as of ${timeHtml(ctx.now.toISOString())}.</p>
</section>`
}

/**
 * Links to every month. The overview says how many incidents each has; a month's page
 * does not, so that a new incident changes its own month's page and no other.
 */
function monthsNav(months: readonly HistoryMonth[], root: string, current?: string): string {
  if (months.length === 0) return ''
  const count = (m: HistoryMonth) => (current === undefined ? ` <span class="count">(${m.count})</span>` : '')
  return `<nav aria-label="Incident history by month"><ul class="months">
${months.map((m) => (m.month === current ? `<li><span aria-current="page">${e(monthName(m.month))}</span></li>` : `<li><a href="${root}${historyPath(m.month)}">${e(monthName(m.month))}</a>${count(m)}</li>`)).join('\n')}
</ul></nav>`
}

/** The front page: overall status, open incidents, upcoming maintenance, component bars, recent history. */
export function renderIndex(model: IndexModel, ctx: PageContext): string {
  const {lastUpdate} = model
  const openCount = model.open.length
  const summary =
    openCount === 0 ? 'No open incidents.' : `${openCount} open ${openCount === 1 ? 'incident' : 'incidents'}.`
  const sections: string[] = []
  sections.push(`<section class="overall status-${model.overall}" aria-labelledby="status-heading">
<h2 id="status-heading"><span aria-hidden="true">● </span>${e(STATUS_TEXT[model.overall])}</h2>
<p>${summary}${lastUpdate ? ` Last update ${timeHtml(lastUpdate, ctx.now)}.` : ''}</p>
</section>`)
  if (model.open.length > 0) {
    sections.push(`<section aria-labelledby="open-heading">
<h2 id="open-heading">Open incidents</h2>
${model.open.map((i) => card(i, ctx)).join('\n')}
</section>`)
  }
  if (model.scheduled.length > 0) {
    sections.push(`<section aria-labelledby="scheduled-heading">
<h2 id="scheduled-heading">Upcoming maintenance</h2>
${model.scheduled.map((i) => card(i, ctx)).join('\n')}
</section>`)
  }
  if (model.components.length > 0) sections.push(barsHtml(model, ctx))
  const history =
    model.history.length === 0
      ? `<p class="empty">No incidents in the last ${ctx.historyDays} days.</p>`
      : `<ul class="history">
${model.history.map((i) => historyItem(i, '')).join('\n')}
</ul>`
  sections.push(`<section aria-labelledby="history-heading">
<h2 id="history-heading">Past incidents</h2>
<p class="meta">Resolved in the last ${ctx.historyDays} days.</p>
${history}
${model.months.length > 0 ? `<h3 id="months-heading">Incident history</h3>\n${monthsNav(model.months, '')}` : ''}
</section>`)
  return page(ctx, {
    root: '',
    title: `${ctx.title}: ${STATUS_TEXT[model.overall]}`,
    canonical: ctx.baseUrl ? `${ctx.baseUrl}/` : undefined,
    header: `<h1 class="site-title"><a href="index.html">${e(ctx.title)}</a></h1>`,
    main: sections.join('\n'),
    script: model.components.length > 0 ? BARS_SCRIPT : undefined,
  })
}

/** An incident in a list: its title, impact, when, how long and how many updates. */
function historyItem(i: ListedIncident, root: string): string {
  const n = i.updates
  const when =
    i.resolvedAt !== undefined
      ? `Resolved ${timeHtml(i.resolvedAt!)} · lasted ${e(lasted(i))}`
      : `Started ${timeHtml(i.startedAt)} · ongoing`
  return `<li><a href="${root}${incidentPath(i.id)}">${e(i.title)}</a>
<p class="meta">${badge(i.impact, false)} ${when} · ${n} ${n === 1 ? 'update' : 'updates'}</p></li>`
}

/** One month's history page: every incident that started in it, newest first. */
export function renderHistoryMonth(
  month: string,
  incidents: readonly ListedIncident[],
  months: readonly HistoryMonth[],
  ctx: PageContext,
): string {
  const list = [...incidents].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id))
  const at = months.findIndex((m) => m.month === month)
  const newer = at > 0 ? months[at - 1] : undefined
  const older = at >= 0 ? months[at + 1] : undefined
  const pager = [
    newer &&
      `<a href="${historyPath(newer.month).slice('history/'.length)}" rel="prev">Newer: ${e(monthName(newer.month))}</a>`,
    older &&
      `<a href="${historyPath(older.month).slice('history/'.length)}" rel="next">Older: ${e(monthName(older.month))}</a>`,
  ].filter(Boolean)
  const main = `<nav aria-label="Breadcrumb"><p class="meta"><a href="../index.html">${e(ctx.title)}</a> › History</p></nav>
<h1 id="history-heading">Incidents in ${e(monthName(month))}</h1>
<p class="meta">Newest first, by when they started (UTC).</p>
${list.length === 0 ? '<p class="empty">No incidents this month.</p>' : `<ul class="history">\n${list.map((i) => historyItem(i, '../')).join('\n')}\n</ul>`}
${pager.length > 0 ? `<p class="pager">${pager.join(' · ')}</p>` : ''}
<h2>Other months</h2>
${monthsNav(months, '../', month)}`
  return page(ctx, {
    root: '../',
    title: `Incidents in ${monthName(month)} · ${ctx.title}`,
    canonical: ctx.baseUrl ? `${ctx.baseUrl}/${historyPath(month)}` : undefined,
    header: `<p class="site-title"><a href="../index.html">${e(ctx.title)}</a></p>`,
    main,
  })
}

/** One incident's page, at a stable URL: every update, newest first. */
export function renderIncidentPage(incident: SiteIncident, ctx: PageContext): string {
  const status = incident.resolved
    ? `Resolved ${timeHtml(incident.resolvedAt!)} · lasted ${e(lasted(incident))}`
    : `Ongoing · ${e(phaseLabel(incident.phase))}`
  const month = incidentMonth(incident)
  const main = `<nav aria-label="Breadcrumb"><p class="meta"><a href="../index.html">${e(ctx.title)}</a> › <a href="../${historyPath(month)}">${e(monthName(month))}</a> › Incident ${e(incident.id)}</p></nav>
<article class="incident impact-${incident.impact}${incident.resolved ? ' resolved' : ''}" aria-labelledby="incident-heading">
<h1 id="incident-heading">${e(incident.title)}</h1>
<p class="meta">${badge(incident.impact, incident.resolved)} Started ${timeHtml(incident.startedAt)} · ${status}</p>
${windowHtml(incident)}
<h2>Updates</h2>
${updatesHtml(incident, ctx, '')}
</article>
<p><a href="../index.html">Back to the current status</a> · <a href="../${historyPath(month)}">All incidents in ${e(monthName(month))}</a></p>`
  return page(ctx, {
    root: '../',
    title: `${incident.title} · ${ctx.title}`,
    canonical: ctx.baseUrl ? `${ctx.baseUrl}/${incidentPath(incident.id)}` : undefined,
    header: `<p class="site-title"><a href="../index.html">${e(ctx.title)}</a></p>`,
    main,
  })
}

import {describeDuration, formatTime} from '../../domain/time.js'
import {escapeText as e, postToHtml} from './escape.js'
import {phaseLabel, type ComponentStatus, type Impact, type SiteIncident, type SiteUpdate} from './model.js'

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
  outage: 'Major outage',
  maintenance: 'Maintenance in progress',
}

const BADGE: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded: 'Degraded',
  outage: 'Outage',
  maintenance: 'Maintenance',
}

const IMPACT_BADGE: Record<Impact, {status: ComponentStatus; text: string}> = {
  outage: {status: 'outage', text: 'Outage'},
  degraded: {status: 'degraded', text: 'Degraded'},
  maintenance: {status: 'maintenance', text: 'Maintenance'},
  scheduled: {status: 'maintenance', text: 'Scheduled'},
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

function page(
  ctx: PageContext,
  opts: {root: string; title: string; canonical?: string; header: string; main: string},
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
</body>
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
<p class="meta">${badge(incident.impact, false)} Started ${timeHtml(incident.startedAt)} · ${e(phaseLabel(incident.phase))}</p>
${updatesHtml(incident, ctx, `${incident.id}-`)}
</article>`
}

export interface IndexModel {
  overall: ComponentStatus
  open: SiteIncident[]
  scheduled: SiteIncident[]
  components: Array<{name: string; status: ComponentStatus}>
  history: SiteIncident[]
}

/** The front page: overall status, open incidents, components, recent history. */
export function renderIndex(model: IndexModel, ctx: PageContext): string {
  const lastUpdate = [...model.open, ...model.scheduled, ...model.history]
    .flatMap((i) => i.updates.map((u) => u.at))
    .sort()
    .at(-1)
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
<h2 id="scheduled-heading">Scheduled maintenance</h2>
${model.scheduled.map((i) => card(i, ctx)).join('\n')}
</section>`)
  }
  if (model.components.length > 0) {
    sections.push(`<section aria-labelledby="components-heading">
<h2 id="components-heading">Components</h2>
<ul class="components">
${model.components.map((c) => `<li><span class="component-name">${e(c.name)}</span> <span class="badge status-${c.status}">${BADGE[c.status]}</span></li>`).join('\n')}
</ul>
</section>`)
  }
  const history =
    model.history.length === 0
      ? `<p class="empty">No incidents in the last ${ctx.historyDays} days.</p>`
      : `<ul class="history">
${model.history
  .map(
    (i) => `<li><a href="${incidentPath(i.id)}">${e(i.title)}</a>
<p class="meta">Resolved ${timeHtml(i.resolvedAt!)} · lasted ${e(durationText(i.startedAt, i.resolvedAt!))} · ${i.updates.length} ${i.updates.length === 1 ? 'update' : 'updates'}</p></li>`,
  )
  .join('\n')}
</ul>`
  sections.push(`<section aria-labelledby="history-heading">
<h2 id="history-heading">Past incidents</h2>
<p class="meta">Resolved in the last ${ctx.historyDays} days.</p>
${history}
</section>`)
  return page(ctx, {
    root: '',
    title: `${ctx.title}: ${STATUS_TEXT[model.overall]}`,
    canonical: ctx.baseUrl ? `${ctx.baseUrl}/` : undefined,
    header: `<h1 class="site-title"><a href="index.html">${e(ctx.title)}</a></h1>`,
    main: sections.join('\n'),
  })
}

/** One incident's page, at a stable URL: every update, newest first. */
export function renderIncidentPage(incident: SiteIncident, ctx: PageContext): string {
  const status = incident.resolved
    ? `Resolved ${timeHtml(incident.resolvedAt!)} · lasted ${e(durationText(incident.startedAt, incident.resolvedAt!))}`
    : `Ongoing · ${e(phaseLabel(incident.phase))}`
  const main = `<nav aria-label="Breadcrumb"><p class="meta"><a href="../index.html">${e(ctx.title)}</a> › Incident ${e(incident.id)}</p></nav>
<article class="incident impact-${incident.impact}${incident.resolved ? ' resolved' : ''}" aria-labelledby="incident-heading">
<h1 id="incident-heading">${e(incident.title)}</h1>
<p class="meta">${badge(incident.impact, incident.resolved)} Started ${timeHtml(incident.startedAt)} · ${status}</p>
<h2>Updates</h2>
${updatesHtml(incident, ctx, '')}
</article>`
  return page(ctx, {
    root: '../',
    title: `${incident.title} · ${ctx.title}`,
    canonical: ctx.baseUrl ? `${ctx.baseUrl}/${incidentPath(incident.id)}` : undefined,
    header: `<p class="site-title"><a href="../index.html">${e(ctx.title)}</a></p>`,
    main,
  })
}

import {createHash} from 'node:crypto'
import {escapeText as x, postToHtml} from './escape.js'
import {incidentPath, type PageContext} from './html.js'
import {type ListedIncident, phaseLabel, type SiteUpdate} from './model.js'

/**
 * A stable `urn:uuid:` (name-based, SHA-1, RFC 9562 version 5 layout) for a name: feed
 * entry ids must never change, whatever happens to the site's URL.
 */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`candor-site:${name}`).digest()
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const hex = h.subarray(0, 16).toString('hex')
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** What an entry needs of its incident. */
export interface FeedIncident {
  id: string
  title: string
  resolved: boolean
  updates: readonly SiteUpdate[]
}

export interface FeedEntry {
  id: string
  incident: FeedIncident
  update: number
  phase: string
  title: string
  at: string
  /** Path of the update on the site, relative to its root. */
  path: string
  html: string
}

/** A feed holds at most this many entries, the newest. */
export const FEED_MAX_ENTRIES = 100
/** …and none older than this many days before the build. */
export const FEED_DAYS = 90

/**
 * What goes in the feeds: the newest {@link FEED_MAX_ENTRIES} updates, or those of the
 * last {@link FEED_DAYS} days if they are fewer; newest first. A reader polling the feed
 * downloads a bounded file however long the site's history grows; older updates stay on
 * the incident and history pages.
 */
export function feedEntries(incidents: readonly ListedIncident[], now: Date): FeedEntry[] {
  const since = now.getTime() - FEED_DAYS * 86_400_000
  // Only recent updates are turned into entries: years of history cost nothing here.
  const recent = incidents.flatMap((i) => {
    const updates = i.recent.filter((u) => Date.parse(u.at) >= since)
    return updates.length > 0 ? [{id: i.id, title: i.title, resolved: i.resolvedAt !== undefined, updates}] : []
  })
  return allFeedEntries(recent, FEED_MAX_ENTRIES)
}

/** Every shown update of every incident (or the newest `max`), newest first. */
export function allFeedEntries(incidents: readonly FeedIncident[], max = Infinity): FeedEntry[] {
  // Sorted and cut before the entries are made: their HTML is the costly part.
  return incidents
    .flatMap((incident) => incident.updates.map((u) => ({incident, u, at: new Date(u.at).toISOString()})))
    .sort((a, b) => b.at.localeCompare(a.at) || a.incident.id.localeCompare(b.incident.id) || b.u.update - a.u.update)
    .slice(0, max)
    .map(({incident, u, at}) => ({
      id: stableUuid(`${incident.id}/${u.update}`),
      incident,
      update: u.update,
      phase: u.phase,
      title: `${incident.title}: ${phaseLabel(u.phase)}`,
      at,
      path: `${incidentPath(incident.id)}#update-${u.update}`,
      html: postToHtml(u.html),
    }))
}

function absolute(ctx: PageContext, path: string): string | undefined {
  return ctx.baseUrl ? `${ctx.baseUrl}/${path}` : undefined
}

function feedUpdated(entries: FeedEntry[], ctx: PageContext): string {
  return entries[0]?.at ?? ctx.now.toISOString()
}

/**
 * The Atom feed (RFC 4287): feed id, title, updated and author; each entry with id,
 * title, updated, an alternate link and HTML content. Links are absolute with a
 * `base_url`, else relative to the feed (which Atom allows).
 */
export function renderAtom(entries: FeedEntry[], ctx: PageContext): string {
  const href = (path: string) => absolute(ctx, path) ?? path
  const feedId = ctx.baseUrl ? `${ctx.baseUrl}/` : stableUuid(`feed:${ctx.title}`)
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${x(ctx.lang)}">`,
    `  <id>${x(feedId)}</id>`,
    `  <title>${x(ctx.title)}</title>`,
    `  <subtitle>${x(`Status updates from ${ctx.title}`)}</subtitle>`,
    `  <updated>${feedUpdated(entries, ctx)}</updated>`,
    `  <author><name>${x(ctx.title)}</name></author>`,
    `  <generator>Candor</generator>`,
    `  <link rel="self" type="application/atom+xml" href="${x(href('feed.atom'))}"/>`,
    `  <link rel="alternate" type="text/html" href="${x(ctx.baseUrl ? `${ctx.baseUrl}/` : 'index.html')}"/>`,
  ]
  for (const entry of entries) {
    lines.push(
      '  <entry>',
      `    <id>${entry.id}</id>`,
      `    <title>${x(entry.title)}</title>`,
      `    <published>${entry.at}</published>`,
      `    <updated>${entry.at}</updated>`,
      `    <link rel="alternate" type="text/html" href="${x(href(entry.path))}"/>`,
      `    <category term="${x(entry.phase)}" label="${x(phaseLabel(entry.phase))}"/>`,
      `    <content type="html">${x(entry.html)}</content>`,
      '  </entry>',
    )
  }
  lines.push('</feed>', '')
  return lines.join('\n')
}

/**
 * The JSON Feed (version 1.1): version, title and items, each with an id and
 * `content_html`. `home_page_url`, `feed_url` and item `url`s need a `base_url`, as
 * the spec wants them absolute.
 */
export function renderJsonFeed(entries: FeedEntry[], ctx: PageContext): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: ctx.title,
    ...(ctx.baseUrl && {home_page_url: `${ctx.baseUrl}/`, feed_url: `${ctx.baseUrl}/feed.json`}),
    description: `Status updates from ${ctx.title}`,
    language: ctx.lang,
    authors: [{name: ctx.title}],
    items: entries.map((entry) => ({
      id: entry.id,
      ...(ctx.baseUrl && {url: `${ctx.baseUrl}/${entry.path}`}),
      title: entry.title,
      content_html: entry.html,
      date_published: entry.at,
      date_modified: entry.at,
      tags: [entry.phase],
      _candor: {incident: entry.incident.id, update: entry.update, resolved: entry.incident.resolved},
    })),
  }
  return JSON.stringify(feed, null, 2) + '\n'
}

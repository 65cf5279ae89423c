import {isIsoTime, PLAYBOOK_IMPACTS, type PlaybookImpact} from '../../domain/playbook/model.js'
import {RESOLVING_PHASES, type IncidentState} from '../incident/state.js'
import type {Severity, SpanInput} from './availability.js'

/** How an incident affects the services it touches; `scheduled`: maintenance before its window. */
export type Impact = PlaybookImpact | 'scheduled'

/** A component's (and the whole site's) status, worst first. */
export type ComponentStatus = 'outage' | 'partial' | 'degraded' | 'maintenance' | 'operational'

export const STATUS_ORDER: readonly ComponentStatus[] = ['outage', 'partial', 'degraded', 'maintenance', 'operational']

/** One update as the site shows it. */
export interface SiteUpdate {
  update: number
  phase: string
  /** When it was approved: the site delivery is the rebuild itself. */
  at: string
  /** The site channel's rendered post: already HTML-escaped by the renderer. */
  html: string
}

/** One incident as the site shows it. */
export interface SiteIncident {
  id: string
  title: string
  playbook: string
  impact: Impact
  startedAt: string
  resolved: boolean
  resolvedAt?: string
  /** The phase of the newest update shown. */
  phase: string
  /** Oldest first. */
  updates: SiteUpdate[]
  /** Configured component names this incident affects, or every component. */
  affects: 'all' | string[]
  /** A maintenance: when its first update in the window was approved (before it, nothing is down). */
  activeFrom?: string
  /** A maintenance's announced window, from its facts. */
  window?: MaintenanceWindow
}

/** An incident as the lists of the site need it (not its page, which is rendered from its journal). */
export interface ListedIncident {
  id: string
  title: string
  impact: Impact
  startedAt: string
  /** Set once resolved on the site. */
  resolvedAt?: string
  /** A maintenance: when its window began (its first update in it). */
  activeFrom?: string
  affects: 'all' | string[]
  /** How many updates the site shows. */
  updates: number
  /** The newest update's time, as written (the largest string). */
  lastAt: string
  /** The latest update by the clock, when it is not `lastAt` (times written with offsets). */
  endAt?: string
  /** Its updates within the feed window as of the index's `feedSince`, at most the newest 100, oldest first. */
  recent: SiteUpdate[]
}

/** When a maintenance is planned: exact times (`scheduled_for`/`scheduled_until`) and/or words. */
export interface MaintenanceWindow {
  from?: string
  until?: string
  /** `window_start` – `window_end`, as written for customers. */
  text?: string
}

/** Something to leave out: `incident/update`, as the site adapter reports its posts. */
export type Exclusions = ReadonlySet<string>

function humanize(name: string): string {
  const words = name.replace(/[-_]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** "investigating" → "Investigating", "in-progress" → "In progress". */
export function phaseLabel(phase: string): string {
  return humanize(phase)
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean)
  if (typeof value === 'string')
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
  return []
}

/**
 * The incident's title: the `title` fact when there is one, else the `service` fact
 * and the playbook ("Acme Voice outage"), else the playbook alone ("Outage").
 */
export function incidentTitle(state: IncidentState): string {
  const title = text(state.facts.title)
  if (title) return title
  const service = text(state.facts.service)
  const kind = state.playbook.name.replace(/[-_]+/g, ' ').trim()
  return service ? `${service} ${kind}` : humanize(kind)
}

const SEVERITY: Record<string, PlaybookImpact> = {
  outage: 'outage',
  major: 'outage',
  critical: 'outage',
  partial: 'partial',
  degraded: 'degraded',
  minor: 'degraded',
  maintenance: 'maintenance',
}

/** Phases of a maintenance before its window opens: listed, but nothing is down yet. */
const BEFORE_WINDOW = new Set(['announced', 'reminder', 'scheduled'])

/**
 * How bad it is: the `severity` fact (outage/major/critical, partial, degraded/minor,
 * maintenance) when set, else the playbook's `impact:` as recorded when the incident
 * opened, else from the playbook's name (journals from before `impact:`): "…maint…" is
 * maintenance, "…outage…" or "…down…" an outage, anything else degraded. Maintenance is
 * only `scheduled` before its window.
 */
export function incidentImpact(state: IncidentState, phase: string): Impact {
  const severity = text(state.facts.severity)?.toLowerCase()
  const recorded = state.playbook.impact
  let impact: Impact =
    severity && SEVERITY[severity]
      ? SEVERITY[severity]
      : typeof recorded === 'string' && (PLAYBOOK_IMPACTS as readonly string[]).includes(recorded)
        ? recorded
        : /maint/i.test(state.playbook.name)
          ? 'maintenance'
          : /outage|down/i.test(state.playbook.name)
            ? 'outage'
            : 'degraded'
  if (impact === 'maintenance' && BEFORE_WINDOW.has(phase)) impact = 'scheduled'
  return impact
}

/**
 * Which of the site's components an incident affects: its `components` fact (a list
 * or comma-separated) when set, else its `service` fact when that names a component,
 * else all of them. Names match case-insensitively.
 */
export function affectedComponents(state: IncidentState, components: readonly string[]): 'all' | string[] {
  const byName = new Map(components.map((c) => [c.toLowerCase(), c]))
  const named = list(state.facts.components)
  if (named.length > 0) return named.flatMap((n) => byName.get(n.toLowerCase()) ?? [])
  const service = text(state.facts.service)?.toLowerCase()
  if (service && byName.has(service)) return [byName.get(service)!]
  return 'all'
}

/**
 * The incident as the status site shows it, or null when it has nothing for the site.
 * An update is shown once it is approved for a channel of type `site`, with that
 * channel's rendered post; updates retracted from the site (or listed in `exclude`)
 * are left out. Incidents that never published to a site channel are not shown: an
 * incident worked only on internal channels must not appear on a public page.
 */
export function siteIncident(
  state: IncidentState,
  components: readonly string[] = [],
  exclude: Exclusions = new Set(),
): SiteIncident | null {
  const updates: SiteUpdate[] = []
  let resolvedAt: string | undefined
  for (const u of state.updates) {
    if (!u.approvedAt || exclude.has(`${state.id}/${u.update}`)) continue
    const post = u.posts.find((p) => p.type === 'site' && !u.deliveries.get(p.channel)?.declined)
    if (!post) continue
    const delivery = u.deliveries.get(post.channel)
    if (delivery?.parts.some((p) => p.status === 'retracted')) continue
    updates.push({update: u.update, phase: u.phase, at: u.approvedAt, html: post.parts.map((p) => p.text).join('\n\n')})
    if (RESOLVING_PHASES.has(u.phase) && !resolvedAt) resolvedAt = u.approvedAt
  }
  if (updates.length === 0) return null
  // Resolved on another channel only: take the time it was first published there.
  if (!resolvedAt && state.resolved) {
    for (const u of state.updates) {
      if (!RESOLVING_PHASES.has(u.phase)) continue
      const times = [...u.deliveries.values()].flatMap((d) =>
        d.parts.flatMap((p) => (p.status === 'published' && p.at ? [p.at] : [])),
      )
      if (times.length > 0) {
        resolvedAt = times.sort()[0]
        break
      }
    }
    resolvedAt ??= updates.at(-1)!.at
  }
  const phase = updates.at(-1)!.phase
  const impact = incidentImpact(state, phase)
  const maintenance = impact === 'maintenance' || impact === 'scheduled'
  const activeFrom = maintenance ? updates.find((u) => !BEFORE_WINDOW.has(u.phase))?.at : undefined
  const window = maintenance ? maintenanceWindow(state.facts) : undefined
  return {
    id: state.id,
    title: incidentTitle(state),
    playbook: state.playbook.name,
    impact,
    startedAt: state.startedAt,
    resolved: resolvedAt !== undefined,
    resolvedAt,
    phase,
    updates,
    affects: affectedComponents(state, components),
    ...(activeFrom && {activeFrom}),
    ...(window && {window}),
  }
}

/** The window a maintenance announced: exact times when its facts hold valid ones, and the words. */
export function maintenanceWindow(facts: Record<string, unknown>): MaintenanceWindow | undefined {
  const exact = (v: unknown) => (typeof v === 'string' && isIsoTime(v) ? new Date(v).toISOString() : undefined)
  const from = exact(facts.scheduled_for)
  const until = exact(facts.scheduled_until)
  const words = [text(facts.window_start), text(facts.window_end)].filter(Boolean)
  const w: MaintenanceWindow = {
    ...(from && {from}),
    ...(until && {until}),
    ...(words.length > 0 && {text: words.join(' – ')}),
  }
  return Object.keys(w).length > 0 ? w : undefined
}

/** The severity an incident is drawn with in the bars. */
export function impactSeverity(impact: Impact): Severity {
  return impact === 'outage' ? 'major' : impact === 'scheduled' ? 'maintenance' : impact
}

/**
 * What the bars need of an incident: a maintenance counts from its first update in the
 * window (one never started is not drawn); anything else from when it opened.
 */
export function spanInput(incident: SiteIncident): SpanInput | undefined {
  return spanOf(
    incident,
    incident.updates.map((u) => ({label: `update ${u.update}`, at: u.at})),
  )
}

/** The span of an incident (from its journal or the site index) with the events it is drawn from. */
export function spanOf(
  incident: Pick<SiteIncident, 'id' | 'impact' | 'startedAt' | 'activeFrom' | 'resolvedAt'>,
  events: SpanInput['events'],
): SpanInput | undefined {
  const maintenance = incident.impact === 'maintenance' || incident.impact === 'scheduled'
  if (maintenance && !incident.activeFrom) return undefined
  return {
    id: incident.id,
    severity: impactSeverity(incident.impact),
    startedAt: incident.startedAt,
    activeFrom: maintenance ? incident.activeFrom : undefined,
    resolvedAt: incident.resolvedAt,
    events,
  }
}

function impactStatus(impact: Impact): ComponentStatus {
  return impact === 'scheduled' ? 'operational' : impact
}

export function worst(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let best = STATUS_ORDER.length - 1
  for (const s of statuses) best = Math.min(best, STATUS_ORDER.indexOf(s))
  return STATUS_ORDER[best]
}

/** Each component's status: the worst impact among the open incidents that affect it. */
export function componentStatuses(
  open: readonly SiteIncident[],
  components: readonly string[],
): Array<{name: string; status: ComponentStatus; incidents: string[]}> {
  return components.map((name) => {
    const hits = open.filter((i) => i.affects === 'all' || i.affects.includes(name))
    return {
      name,
      status: worst(hits.map((i) => impactStatus(i.impact))),
      incidents: hits.filter((i) => impactStatus(i.impact) !== 'operational').map((i) => i.id),
    }
  })
}

/** The status at the top of the page: the worst impact of any open incident. */
export function overallStatus(open: readonly SiteIncident[]): ComponentStatus {
  return worst(open.map((i) => impactStatus(i.impact)))
}

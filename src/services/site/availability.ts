/*
 * The arithmetic behind the 90-day bars and the uptime figures: days in UTC, which
 * incidents touched which day, how bad the day was, and how much of the time a
 * component was up. Pure: times in, numbers and labels out, no I/O and no clock.
 */

export const DAY_MS = 86_400_000

/** How bad an incident is for the services it touches, worst first. */
export type Severity = 'major' | 'partial' | 'degraded' | 'maintenance'

/** A day's cell: the worst severity that day, `operational`, or `none` (before any data). */
export type DayStatus = Severity | 'operational' | 'none'

/** Worst first: a day takes the first of these that any incident that day had. */
export const DAY_STATUS_ORDER: readonly DayStatus[] = [
  'major',
  'partial',
  'degraded',
  'maintenance',
  'operational',
  'none',
]

/**
 * How much of an incident's time counts as down in the uptime figure: a major outage in
 * full, a partial outage at 30 % (as Instatus counts it), degraded
 * performance and planned maintenance not at all (the service works).
 */
export const DOWNTIME_WEIGHT: Record<Severity, number> = {major: 1, partial: 0.3, degraded: 0, maintenance: 0}

/** The time an incident touched its components, in ms since the epoch, `start <= end`. */
export interface Span {
  id: string
  severity: Severity
  start: number
  end: number
}

/** "2026-11-25" for any instant of that UTC day. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** 00:00 UTC of the day holding `ms`. */
export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS
}

/** The `days` UTC dates ending with today (`now`'s day), oldest first. */
export function windowDates(now: Date, days: number): string[] {
  const today = startOfUtcDay(now.getTime())
  return Array.from({length: days}, (_, i) => utcDate(today - (days - 1 - i) * DAY_MS))
}

/** Whether a span touches the UTC day starting at `day`: a zero-length span touches the day it is in. */
export function touchesDay(span: Pick<Span, 'start' | 'end'>, day: number): boolean {
  if (span.end === span.start) return span.start >= day && span.start < day + DAY_MS
  return span.start < day + DAY_MS && span.end > day
}

export function worstStatus(statuses: Iterable<DayStatus>): DayStatus {
  let worst = DAY_STATUS_ORDER.indexOf('operational')
  for (const s of statuses) worst = Math.min(worst, DAY_STATUS_ORDER.indexOf(s))
  return DAY_STATUS_ORDER[worst]
}

export interface DayCell {
  /** YYYY-MM-DD (UTC). */
  date: string
  status: DayStatus
  /** Ids of the incidents that touched the day, in the order of the spans given. */
  incidents: string[]
}

/**
 * One cell per day of the window ending today: the worst severity of the spans that
 * touched it, `operational` when none did, `none` for days before `dataFrom` (the first
 * day the site has any incident for), or for every day when there is no data at all.
 */
export function dayCells(spans: readonly Span[], now: Date, days: number, dataFrom: number | undefined): DayCell[] {
  const firstDataDay = dataFrom === undefined ? undefined : startOfUtcDay(dataFrom)
  const windowStart = startOfUtcDay(now.getTime()) - (days - 1) * DAY_MS
  const recent = spans.filter((s) => s.end >= windowStart)
  return windowDates(now, days).map((date) => {
    const day = Date.parse(`${date}T00:00:00.000Z`)
    if (firstDataDay === undefined || day < firstDataDay) return {date, status: 'none', incidents: []}
    const hits = recent.filter((s) => touchesDay(s, day))
    return {
      date,
      status: worstStatus(hits.map((s) => s.severity)),
      incidents: [...new Set(hits.map((s) => s.id))],
    }
  })
}

/**
 * Weighted downtime of possibly overlapping spans within [from, to], in ms: at each
 * instant only the worst span counts, so overlapping time is counted once.
 */
export function downtimeMs(spans: readonly Span[], from: number, to: number): number {
  const cuts = new Set<number>([from, to])
  for (const s of spans) {
    if (s.start > from && s.start < to) cuts.add(s.start)
    if (s.end > from && s.end < to) cuts.add(s.end)
  }
  const points = [...cuts].sort((a, b) => a - b)
  let total = 0
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]]
    let weight = 0
    for (const s of spans) if (s.start <= a && s.end >= b) weight = Math.max(weight, DOWNTIME_WEIGHT[s.severity])
    total += weight * (b - a)
  }
  return total
}

/**
 * Uptime over the window of `days` days ending now, as a fraction (1 = always up):
 * 1 − weighted downtime / observed time. Observed time runs from the window's first
 * day, or from the first day with data when that is later, to now. Undefined with no
 * data in the window.
 */
export function uptime(
  spans: readonly Span[],
  now: Date,
  days: number,
  dataFrom: number | undefined,
): number | undefined {
  if (dataFrom === undefined) return undefined
  const to = now.getTime()
  const from = Math.max(startOfUtcDay(to) - (days - 1) * DAY_MS, startOfUtcDay(dataFrom))
  if (!(to > from)) return undefined
  // Years of history: only the spans inside the window matter (the sweep is quadratic in them).
  const inside = spans.filter((s) => s.end >= from && s.start <= to)
  return 1 - downtimeMs(inside, from, to) / (to - from)
}

/** "99.95%", never rounding a downtime up to "100%". */
export function formatUptime(fraction: number | undefined): string {
  if (fraction === undefined) return 'no data'
  const percent = Math.floor(fraction * 10_000) / 100
  return `${percent.toFixed(2)}%`
}

export interface SpanInput {
  id: string
  severity: Severity
  /** When the incident opened (ISO). */
  startedAt: string
  /** When its effect began, when later than the opening (a maintenance's first update in its window). */
  activeFrom?: string
  /** When it was resolved (ISO); undefined while it is open. */
  resolvedAt?: string
  /** Every dated event of the incident shown on the site, labelled for messages ("update 3"). */
  events: ReadonlyArray<{label: string; at: string}>
}

/**
 * The span an incident is drawn with, from what is consistent in its journal: it starts
 * when it opened (or became active) and ends when it was resolved, or now while open.
 * An event dated before the incident opened (a clock that jumped back) is reported and
 * its time left out: a resolution before the opening ends the span at the latest
 * consistent event instead. Times after `now` are cut at `now`. Undefined (and no span
 * drawn) when the opening itself is unreadable or the incident never became active.
 */
export function incidentSpan(input: SpanInput, now: Date): {span?: Span; problems: string[]} {
  const problems: string[] = []
  const opened = Date.parse(input.startedAt)
  if (Number.isNaN(opened))
    return {problems: [`incident ${input.id}: its opening time "${input.startedAt}" is not a date; not drawn`]}
  const consistent: number[] = []
  for (const e of input.events) {
    const t = Date.parse(e.at)
    if (Number.isNaN(t)) problems.push(`incident ${input.id}: ${e.label} has no readable time ("${e.at}"); left out`)
    else if (t < opened)
      problems.push(
        `incident ${input.id}: ${e.label} is dated ${e.at}, before the incident opened (${input.startedAt}): a clock jump? Its time is left out of the bars and uptime`,
      )
    else consistent.push(t)
  }
  const limit = now.getTime()
  let start = opened
  if (input.activeFrom !== undefined) {
    const active = Date.parse(input.activeFrom)
    if (Number.isNaN(active) || active < opened) return {problems}
    start = active
  }
  let end = limit
  if (input.resolvedAt !== undefined) {
    const resolved = Date.parse(input.resolvedAt)
    if (!Number.isNaN(resolved) && resolved >= start) end = resolved
    else {
      if (!input.events.some((e) => e.at === input.resolvedAt))
        problems.push(
          `incident ${input.id}: resolved at ${input.resolvedAt}, before it opened (${input.startedAt}): a clock jump? Drawn up to its last consistent update`,
        )
      end = Math.max(start, ...consistent.filter((t) => t >= start))
    }
  }
  if (start > limit) return {problems}
  return {span: {id: input.id, severity: input.severity, start, end: Math.min(end, limit)}, problems}
}

import type {HelperOptions} from 'handlebars'

/**
 * Template helpers. Documented with examples in docs/playbooks.md; keep the two in step.
 * Every helper is forgiving about empty input (renders nothing) because strictness
 * about facts is enforced before rendering, not by helpers throwing mid-post.
 */

const DEFAULT_LOCALE = 'en-GB'

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value)
    return Number.isNaN(d.getTime()) ? undefined : d
  }
  return undefined
}

function hashString(options: HelperOptions, key: string): string | undefined {
  const v = options.hash?.[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

function locale(options: HelperOptions): string {
  return hashString(options, 'locale') ?? (options.data?.locale as string | undefined) ?? DEFAULT_LOCALE
}

/** `{{time @next_update}}` → "14:30 UTC"; `format="date"|"datetime"|"iso"`, `tz="Europe/Berlin"`. */
export function formatTime(value: unknown, format = 'time', timeZone = 'UTC', loc = DEFAULT_LOCALE): string {
  const date = toDate(value)
  if (!date) return ''
  if (format === 'iso') return date.toISOString()
  const clock = new Intl.DateTimeFormat(loc, {hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone}).format(date)
  const time = `${clock} ${zoneName(date, timeZone, loc)}`
  const day = new Intl.DateTimeFormat(loc, {day: 'numeric', month: 'short', year: 'numeric', timeZone}).format(date)
  switch (format) {
    case 'date':
      return day
    case 'datetime':
      return `${day}, ${time}`
    case 'time':
      return time
    default:
      throw new Error(`time: unknown format "${format}" (use time, date, datetime or iso)`)
  }
}

function zoneName(date: Date, timeZone: string, loc: string): string {
  const name = (l: string) => new Intl.DateTimeFormat(l, {timeZone, timeZoneName: 'short'}).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? timeZone
  const local = name(loc)
  // en-GB spells American zones as "GMT-5"; people there say "EST".
  if (/^GMT[+-]/.test(local)) {
    const us = name('en-US')
    if (!/^GMT/.test(us)) return us
  }
  return local
}

const UNITS: Array<[string, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]

/** A duration in words, two units at most: "2 hours 5 minutes", "3 days 1 hour". */
export function describeDuration(ms: number): string {
  if (!(ms >= 60_000)) return 'less than a minute'
  const words: string[] = []
  let rest = ms
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size)
    if (n > 0 && words.length < 2) {
      words.push(`${n} ${unit}${n === 1 ? '' : 's'}`)
      rest -= n * size
    } else if (words.length > 0) {
      break
    }
  }
  return words.join(' ')
}

/** "EU, US and APAC"; with `conjunction="or"`, "EU, US or APAC". */
export function joinList(items: unknown, conjunction: 'and' | 'or' = 'and', loc = DEFAULT_LOCALE): string {
  const list = (Array.isArray(items) ? items : items === undefined || items === null || items === '' ? [] : [items]).map(String)
  return new Intl.ListFormat(loc, {style: 'long', type: conjunction === 'or' ? 'disjunction' : 'conjunction'}).format(list)
}

export function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
}

type Helper = (...args: any[]) => unknown

export const TEMPLATE_HELPERS: Record<string, Helper> = {
  time(value: unknown, options: HelperOptions) {
    return formatTime(value, hashString(options, 'format') ?? 'time', hashString(options, 'tz') ?? 'UTC', locale(options))
  },
  since(value: unknown, options: HelperOptions) {
    const from = toDate(value)
    const now = toDate(options.data?.now) ?? new Date()
    return from ? describeDuration(now.getTime() - from.getTime()) : ''
  },
  list(items: unknown, options: HelperOptions) {
    const conjunction = hashString(options, 'conjunction') === 'or' ? 'or' : 'and'
    return joinList(items, conjunction, locale(options))
  },
  plural(count: unknown, singular: unknown, ...rest: unknown[]) {
    const options = rest.pop() as HelperOptions
    const n = Array.isArray(count) ? count.length : Number(count)
    const pluralForm = typeof rest[0] === 'string' ? rest[0] : `${String(singular)}s`
    const rule = new Intl.PluralRules(locale(options)).select(n)
    return `${n} ${rule === 'one' ? String(singular) : pluralForm}`
  },
  default(value: unknown, fallback: unknown) {
    return isEmptyValue(value) ? fallback : value
  },
}

export const HELPER_NAMES = new Set([...Object.keys(TEMPLATE_HELPERS), 'if', 'unless', 'each', 'with', 'lookup', 'log'])

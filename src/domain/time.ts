/**
 * Dates, durations and lists in words, in a post's locale: used by template helpers
 * (services/render/helpers.ts) and by everything else that shows a time (status, timeline,
 * post-mortem, the status site). Pure: no clock is read here, `now` is passed in.
 */

export const DEFAULT_LOCALE = 'en-GB'

// Building an Intl.DateTimeFormat costs far more than using one; timelines format thousands of times.
const dateFormats = new Map<string, Intl.DateTimeFormat>()
function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`
  let format = dateFormats.get(key)
  if (!format) dateFormats.set(key, (format = new Intl.DateTimeFormat(locale, options)))
  return format
}

export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value)
    return Number.isNaN(d.getTime()) ? undefined : d
  }
  return undefined
}

/**
 * The `Intl` locale for a post's language tag. Plain `en` means international English
 * (day month year, 24-hour clock), so it is `en-GB`; `en-US` asks for American
 * formats. Anything `Intl` does not accept falls back to the default.
 */
export function intlLocale(tag: unknown): string {
  if (typeof tag !== 'string' || tag === '') return DEFAULT_LOCALE
  if (tag.toLowerCase() === 'en') return DEFAULT_LOCALE
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? DEFAULT_LOCALE
  } catch {
    return DEFAULT_LOCALE
  }
}

/** The language part of a tag: `de-AT` → `de`. */
export function languageOf(tag: string): string {
  return tag.split('-')[0].toLowerCase()
}

// Japanese and Chinese write numbers right next to their units and counters: 20分前, 3地域.
const CLOSE_NUMBERS = new Set(['ja', 'zh'])
const CJK = '[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]'
export function tighten(text: string, loc: string): string {
  return CLOSE_NUMBERS.has(languageOf(loc))
    ? text.replace(new RegExp(`(\\d) (?=${CJK})|(${CJK}) (?=\\d)`, 'g'), '$1$2')
    : text
}

/*
 * English in UTC, the default, is written by hand below, exactly as Intl writes it for
 * en-GB: the first Intl formatter of a process loads ICU's locale data, 20-40 ms of a
 * 0.4 s preview. test/render/helpers.test.ts holds each shortcut to Intl's output.
 */
const EN_GB_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec']
const twoDigits = (n: number) => String(n).padStart(2, '0')

function englishUtc(date: Date, format: string): string | undefined {
  const year = date.getUTCFullYear()
  if (year < 1000 || year > 9999) return undefined
  const clock = `${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())}`
  const day = `${date.getUTCDate()} ${EN_GB_MONTHS[date.getUTCMonth()]} ${year}`
  if (format === 'time') return `${clock} UTC`
  if (format === 'date') return day
  if (format === 'datetime') return `${day}, ${clock} UTC`
  return undefined
}

function englishList(list: string[], word: 'and' | 'or'): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} ${word} ${list.at(-1)}`
}

/** `{{time @next_update}}` → "14:30 UTC"; `format="date"|"datetime"|"iso"`, `tz="Europe/Berlin"`; in the post's locale. */
export function formatTime(value: unknown, format = 'time', timeZone = 'UTC', loc = DEFAULT_LOCALE): string {
  const date = toDate(value)
  if (!date) return ''
  if (format === 'iso') return date.toISOString()
  if (loc === DEFAULT_LOCALE && timeZone === 'UTC') {
    const text = englishUtc(date, format)
    if (text !== undefined) return text
  }
  const clock = {hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone} as const
  const day = {day: 'numeric', month: 'short', year: 'numeric', timeZone} as const
  switch (format) {
    case 'date':
      return dateFormat(loc, day).format(date)
    case 'datetime':
      // One formatter for both, so each language joins date and time its own way:
      // "25 Nov 2026, 14:30", "25. Nov. 2026, 14:30", "2026年11月25日 14:30".
      return `${dateFormat(loc, {...day, ...clock}).format(date)} ${zoneName(date, timeZone, loc)}`
    case 'time':
      return `${dateFormat(loc, clock).format(date)} ${zoneName(date, timeZone, loc)}`
    default:
      throw new Error(`time: unknown format "${format}" (use time, date, datetime or iso)`)
  }
}

function zoneName(date: Date, timeZone: string, loc: string): string {
  const name = (l: string) =>
    dateFormat(l, {timeZone, timeZoneName: 'short'})
      .formatToParts(date)
      .find((p) => p.type === 'timeZoneName')?.value ?? timeZone
  const local = name(loc)
  // en-GB spells American zones as "GMT-5"; people there say "EST".
  if (languageOf(loc) === 'en' && /^GMT[+-]/.test(local)) {
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

const LESS_THAN_A_MINUTE: Record<string, string> = {
  en: 'less than a minute',
  de: 'weniger als eine Minute',
  ja: '1分未満',
}

function unitText(n: number, unit: string, loc: string): string {
  return new Intl.NumberFormat(loc, {style: 'unit', unit, unitDisplay: 'long'}).format(n)
}

/**
 * A duration in words, two units at most, in the given locale: "2 hours 5 minutes",
 * "3 days 1 hour", "2 Stunden 5 Minuten", "2時間5分".
 */
export function describeDuration(ms: number, loc = DEFAULT_LOCALE): string {
  const lang = languageOf(loc)
  if (!(ms >= 60_000)) return LESS_THAN_A_MINUTE[lang] ?? `< ${unitText(1, 'minute', loc)}`
  const words: string[] = []
  let rest = ms
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size)
    if (n > 0 && words.length < 2) {
      words.push(lang === 'en' ? `${n} ${unit}${n === 1 ? '' : 's'}` : tighten(unitText(n, unit, loc), loc))
      rest -= n * size
    } else if (words.length > 0) {
      break
    }
  }
  return words.join(CLOSE_NUMBERS.has(lang) ? '' : ' ')
}

/**
 * A time relative to `now`, in the given locale: "20 minutes ago", "in 30 minutes",
 * "vor 20 Minuten", "30分後". Minutes up to 90 minutes, then hours up to 36 hours, then days.
 */
export function describeRelative(value: unknown, now: Date, loc = DEFAULT_LOCALE): string {
  const date = toDate(value)
  if (!date) return ''
  const diff = date.getTime() - now.getTime()
  const abs = Math.abs(diff)
  const rtf = new Intl.RelativeTimeFormat(loc, {numeric: 'auto'})
  let text: string
  if (abs < 60_000) text = rtf.format(0, 'second')
  else if (abs < 90 * 60_000) text = rtf.format(Math.round(diff / 60_000), 'minute')
  else if (abs < 36 * 3_600_000) text = rtf.format(Math.round(diff / 3_600_000), 'hour')
  else text = rtf.format(Math.round(diff / 86_400_000), 'day')
  return tighten(text, loc)
}

/** "EU, US and APAC"; with `conjunction="or"`, "EU, US or APAC". */
export function joinList(items: unknown, conjunction: 'and' | 'or' = 'and', loc = DEFAULT_LOCALE): string {
  const list = (
    Array.isArray(items) ? items : items === undefined || items === null || items === '' ? [] : [items]
  ).map(String)
  if (loc === DEFAULT_LOCALE) return englishList(list, conjunction)
  return new Intl.ListFormat(loc, {style: 'long', type: conjunction === 'or' ? 'disjunction' : 'conjunction'}).format(
    list,
  )
}

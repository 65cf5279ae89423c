import type {HelperOptions} from 'handlebars'
import {
  DEFAULT_LOCALE,
  describeDuration,
  describeRelative,
  formatTime,
  intlLocale,
  joinList,
  languageOf,
  tighten,
  toDate,
} from '../../domain/time.js'

/**
 * Template helpers. Documented with examples in docs/playbooks.md; keep the two in step.
 * Every helper is forgiving about empty input (renders nothing) because strictness
 * about facts is enforced before rendering, not by helpers throwing mid-post.
 */

function hashString(options: HelperOptions, key: string): string | undefined {
  const v = options.hash?.[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** The locale a helper formats for: its own `locale=` argument, else the post's `@locale`. */
function locale(options: HelperOptions): string {
  return intlLocale(hashString(options, 'locale') ?? (options.data?.locale as string | undefined))
}

export function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
}

// biome-ignore lint/suspicious/noExplicitAny: Handlebars calls helpers with whatever a template passes; each helper checks its own arguments
type Helper = (...args: any[]) => unknown

export const TEMPLATE_HELPERS: Record<string, Helper> = {
  time(value: unknown, options: HelperOptions) {
    return formatTime(
      value,
      hashString(options, 'format') ?? 'time',
      hashString(options, 'tz') ?? 'UTC',
      locale(options),
    )
  },
  since(value: unknown, options: HelperOptions) {
    const from = toDate(value)
    const now = toDate(options.data?.now) ?? new Date()
    return from ? describeDuration(now.getTime() - from.getTime(), locale(options)) : ''
  },
  relative(value: unknown, options: HelperOptions) {
    return describeRelative(value, toDate(options.data?.now) ?? new Date(), locale(options))
  },
  list(items: unknown, options: HelperOptions) {
    const conjunction = hashString(options, 'conjunction') === 'or' ? 'or' : 'and'
    return joinList(items, conjunction, locale(options))
  },
  plural(count: unknown, singular: unknown, ...rest: unknown[]) {
    const options = rest.pop() as HelperOptions
    const loc = locale(options)
    const n = Array.isArray(count) ? count.length : Number(count)
    // Only English makes a plural by adding "s"; other languages need the form given.
    const pluralForm =
      typeof rest[0] === 'string' ? rest[0] : languageOf(loc) === 'en' ? `${String(singular)}s` : String(singular)
    // (Small whole numbers in English without Intl, as for dates above.)
    const simple = loc === DEFAULT_LOCALE && Number.isInteger(n) && n >= 0 && n < 1000
    const rule = simple
      ? n === 1
        ? 'one'
        : 'other'
      : Number.isFinite(n)
        ? new Intl.PluralRules(loc).select(n)
        : 'other'
    const number = simple ? String(n) : Number.isFinite(n) ? new Intl.NumberFormat(loc).format(n) : String(count)
    return tighten(`${number} ${rule === 'one' ? String(singular) : pluralForm}`, loc)
  },
  default(value: unknown, fallback: unknown) {
    return isEmptyValue(value) ? fallback : value
  },
}

/** What one named option of a helper accepts; `check` says what is wrong with a literal value. */
export interface HelperOption {
  values?: readonly string[]
  check?: (value: string) => string | undefined
}

/**
 * How a helper is called, declared once: `playbook validate` checks every call in every
 * template against it (see template.ts), so a wrong call is a problem at its file:line:col
 * instead of an error in the middle of publishing.
 */
export interface HelperSignature {
  /** Positional arguments, in order (for messages). */
  args: readonly string[]
  /** How many of them must be given (the rest are optional). */
  required: number
  /** Named options (`name=value`). */
  options: Readonly<Record<string, HelperOption>>
  /** `block`: only as {{#name}}…{{/name}}; `inline`: never as a block. */
  form: 'block' | 'inline'
}

function checkTimeZone(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', {timeZone: zone})
    return undefined
  } catch {
    return `unknown time zone "${zone}" (use an IANA name like Europe/Berlin or UTC)`
  }
}

function checkLocale(tag: string): string | undefined {
  try {
    Intl.getCanonicalLocales(tag)
    return undefined
  } catch {
    return `"${tag}" is not a language tag (e.g. en, de, ja, en-US)`
  }
}

const localeOption: HelperOption = {check: checkLocale}

export const HELPER_SIGNATURES: Readonly<Record<string, HelperSignature>> = {
  time: {
    args: ['value'],
    required: 1,
    form: 'inline',
    options: {format: {values: ['time', 'date', 'datetime', 'iso']}, tz: {check: checkTimeZone}, locale: localeOption},
  },
  since: {args: ['value'], required: 1, form: 'inline', options: {locale: localeOption}},
  relative: {args: ['value'], required: 1, form: 'inline', options: {locale: localeOption}},
  list: {
    args: ['items'],
    required: 1,
    form: 'inline',
    options: {conjunction: {values: ['and', 'or']}, locale: localeOption},
  },
  plural: {args: ['count', 'singular', 'plural'], required: 2, form: 'inline', options: {locale: localeOption}},
  default: {args: ['value', 'fallback'], required: 2, form: 'inline', options: {}},
  // Handlebars' own helpers that templates may use (its `log` is not one: it writes to stdout).
  if: {args: ['condition'], required: 1, form: 'block', options: {includeZero: {values: ['true', 'false']}}},
  unless: {args: ['condition'], required: 1, form: 'block', options: {includeZero: {values: ['true', 'false']}}},
  each: {args: ['items'], required: 1, form: 'block', options: {}},
  with: {args: ['value'], required: 1, form: 'block', options: {}},
  lookup: {args: ['object', 'key'], required: 2, form: 'inline', options: {}},
}

export const HELPER_NAMES = new Set(Object.keys(HELPER_SIGNATURES))

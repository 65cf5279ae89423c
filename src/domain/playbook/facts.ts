import yaml from 'js-yaml'
import {CandorError} from '../errors.js'
import {checkExpansion} from './yaml-source.js'
import {isIsoTime, type FactSpec, type Playbook} from './model.js'

export type Facts = Record<string, unknown>

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

// Control characters (but tab and newline), bidirectional overrides/isolates that can
// reverse how a post reads, and invisible zero-width spaces. ZWJ/ZWNJ stay: emoji
// sequences and several scripts need them.
const UNSAFE_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF]/g

/** Cleans a fact value pasted from a ticket or chat: normalised line ends, no invisible or reversing characters. */
export function sanitizeFactText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(UNSAFE_CHARS, '').normalize('NFC')
}

/** Parses repeated `--set key=value` flags; later ones win. */
export function parseSetFlags(values: readonly string[]): Facts {
  const out: Facts = Object.create(null)
  for (const raw of values) {
    const eq = raw.indexOf('=')
    const key = eq > 0 ? raw.slice(0, eq).trim() : ''
    if (!KEY.test(key)) {
      throw new CandorError(`--set "${raw}" is not key=value`, {
        code: 'bad_set',
        suggestions: ['Write it as --set service="Acme Voice" (the key is a fact name)'],
      })
    }
    out[key] = raw.slice(eq + 1)
  }
  return out
}

/** Parses the text of a facts file (YAML or JSON) that maps fact names to values; `file` names it in errors. */
export function parseFactsText(text: string, file: string): Facts {
  let value: unknown
  try {
    value = yaml.load(text, {filename: file, schema: yaml.CORE_SCHEMA})
    checkExpansion(value)
  } catch (e) {
    if (e instanceof RangeError)
      throw new CandorError(`facts file ${file} is nested too deeply to read`, {code: 'facts_syntax'})
    const ex = e as yaml.YAMLException
    throw new CandorError(
      `${file}:${(ex.mark?.line ?? 0) + 1}:${(ex.mark?.column ?? 0) + 1}: ${ex.reason ?? ex.message}`,
      {code: 'facts_syntax', suggestions: ['Fix the YAML/JSON syntax of the facts file']},
    )
  }
  if (value === null || value === undefined) return Object.create(null)
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CandorError(`facts file ${file} must be a mapping of fact names to values`, {
      code: 'facts_shape',
      suggestions: ['Write it like:  service: Acme Voice'],
    })
  }
  return Object.assign(Object.create(null), value) as Facts
}

/** Merges fact sources in order, later winning; `undefined` values are ignored. */
export function mergeFacts(...sources: Facts[]): Facts {
  const out: Facts = Object.create(null)
  for (const s of sources) for (const [k, v] of Object.entries(s)) if (v !== undefined) out[k] = v
  return out
}

function coerce(spec: FactSpec, value: unknown): {value?: unknown; error?: string} {
  switch (spec.type) {
    case 'list':
      if (Array.isArray(value)) {
        if (value.some((v) => v !== null && typeof v === 'object'))
          return {error: `fact "${spec.name}" must be a list of text values`}
        return {value: value.map((v) => sanitizeFactText(String(v)))}
      }
      if (typeof value === 'string')
        return {
          value: sanitizeFactText(value)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      return {value: [String(value)]}
    case 'number': {
      const n = typeof value === 'number' ? value : Number(String(value).trim())
      return Number.isFinite(n) && String(value).trim() !== ''
        ? {value: n}
        : {error: `fact "${spec.name}" must be a number; got ${JSON.stringify(value)}`}
    }
    case 'boolean': {
      if (typeof value === 'boolean') return {value}
      const s = String(value).trim().toLowerCase()
      if (['true', 'yes', 'on', '1'].includes(s)) return {value: true}
      if (['false', 'no', 'off', '0'].includes(s)) return {value: false}
      return {error: `fact "${spec.name}" must be true or false; got ${JSON.stringify(value)}`}
    }
    case 'time': {
      const text = typeof value === 'string' ? value.trim() : ''
      return isIsoTime(text)
        ? {value: text}
        : {
            error: `fact "${spec.name}" must be a time with its zone, like 2026-12-05T02:00:00Z; got ${JSON.stringify(value)}`,
          }
    }
    default:
      if (value !== null && typeof value === 'object')
        return {error: `fact "${spec.name}" must be text; got ${Array.isArray(value) ? 'a list' : 'a mapping'}`}
      return {value: value === null ? '' : sanitizeFactText(String(value))}
  }
}

/**
 * Checks given facts against the playbook and fills defaults. Every unknown,
 * ill-typed or missing required fact is named in one error; nothing renders until
 * the facts are right.
 */
export function resolveFacts(
  playbook: Playbook,
  given: Facts,
  opts: {requireAll?: boolean; applyDefaults?: boolean} = {},
): Facts {
  const requireAll = opts.requireAll ?? true
  const applyDefaults = opts.applyDefaults ?? true
  const out: Facts = Object.create(null)
  const problems: string[] = []
  const unknown = Object.keys(given).filter((k) => !playbook.facts.has(k))
  if (unknown.length > 0)
    problems.push(`unknown ${unknown.length === 1 ? 'fact' : 'facts'} ${unknown.map((k) => `"${k}"`).join(', ')}`)
  const missing: string[] = []
  for (const spec of playbook.facts.values()) {
    const raw = Object.hasOwn(given, spec.name) ? given[spec.name] : applyDefaults ? spec.default : undefined
    if (raw === undefined || raw === null || (raw === '' && spec.required)) {
      if (spec.required && requireAll) missing.push(spec.name)
      continue
    }
    const {value, error} = coerce(spec, raw)
    if (error) problems.push(error)
    else out[spec.name] = value
  }
  if (missing.length > 0)
    problems.unshift(
      `missing required ${missing.length === 1 ? 'fact' : 'facts'} ${missing.map((k) => `"${k}"`).join(', ')}`,
    )
  if (problems.length > 0) {
    const declared = [...playbook.facts.values()].map((f) => (f.required ? `${f.name} (required)` : f.name)).join(', ')
    throw new CandorError(`${problems.join('; ')}`, {
      code: missing.length > 0 ? 'facts_missing' : 'facts_invalid',
      suggestions: [
        missing.length > 0 ? `Set them with --set ${missing[0]}=... or in a --facts file` : 'Fix the fact values',
        `Facts of playbook "${playbook.name}": ${declared}`,
      ],
    })
  }
  return out
}

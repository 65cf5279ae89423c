import type {Facts} from '../../domain/playbook/facts.js'
import {RESOLVING_PHASES} from '../incident/state.js'
import {
  channelLocale,
  displayPath,
  locateInPlaybook,
  localizedTemplatePath,
  postVersions,
  templateLocale,
} from '../playbook/load.js'
import type {Phase, Playbook, SourceRef, TemplateSource} from '../../domain/playbook/model.js'
import {languageOf} from '../../domain/time.js'
import {factMentions, renderData, renderPost, type RenderedPost} from '../render/render-phase.js'
import {mergeWords, type WordLists} from './words.js'

/**
 * `playbook lint`: checks how a playbook communicates by rendering every post, in
 * every locale it has, with example facts. Pure: the playbook is already loaded, the
 * facts resolved and the clock passed in.
 */

export const LINT_RULES = [
  'next-update',
  'apology',
  'follow-along',
  'coverage',
  'fits',
  'tone',
  'cadence',
  'translation',
  'policy',
  'mention',
  'placeholder',
  'punctuation',
] as const
export type LintRule = (typeof LINT_RULES)[number]

export interface LintFinding extends SourceRef {
  severity: 'warning' | 'error'
  rule: LintRule
  message: string
  /** The customer post it is about, when it is about one: its phase, the channels saying it, its language. */
  post?: {phase: string; channels: string[]; locale?: string}
}

export interface LintOptions {
  /** Example facts, already resolved against the playbook. */
  facts: Facts
  /** The time posts are rendered at (default: now). */
  now?: Date
  /** Every finding is an error (default: a warning). */
  strict?: boolean
  /** Replacements for the built-in word lists, per list and language. */
  words?: Partial<WordLists>
}

export interface LintReport {
  playbook: string
  file: string
  strict: boolean
  findings: LintFinding[]
  errors: number
  warnings: number
}

/** Longest silence a promised cadence may leave ("never a silent hour"). */
export const MAX_CADENCE_MS = 60 * 60_000
/** How old the incident is when lint renders it: long enough for two-unit durations ("2 hours 35 minutes"). */
const LINT_INCIDENT_AGE_MS = (2 * 60 + 35) * 60_000
/** How far `@next_update` is moved to see whether a post says when the next update comes. */
const PROBE_SHIFT_MS = 24 * 3_600_000 + 37 * 60_000

interface Raw {
  at: SourceRef
  rule: LintRule
  /** Findings about the same post version in several channels are merged into one. */
  post?: {phase: string; channel: string; locale?: string}
  message: string
}

/** Where a needle is in a template (its first occurrence), else where the template starts. */
function templateRef(source: TemplateSource, needle?: string): SourceRef {
  if (source.kind === 'inline') return source.at
  const file = displayPath(source.path)
  if (needle) {
    const i = source.text.toLowerCase().indexOf(needle.toLowerCase())
    if (i >= 0) {
      const before = source.text.slice(0, i).split('\n')
      return {file, line: before.length, col: before.at(-1)!.length + 1}
    }
  }
  return {file, line: 1, col: 1}
}

function compile(list: readonly string[] | undefined): RegExp[] {
  return (list ?? []).map((s) => new RegExp(s, 'iu'))
}

function firstMatch(text: string, patterns: RegExp[]): string | undefined {
  for (const p of patterns) {
    const m = p.exec(text)
    if (m) return m[0]
  }
  return undefined
}

/** The fact customers follow the incident at: `status_url`, else a fact named like it holding a URL. */
export function statusFact(playbook: Playbook, facts: Facts): {name: string; url: string} | undefined {
  const isUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\/\S+$/i.test(v.trim())
  const names = [...playbook.facts.keys()]
  const name =
    names.find((n) => n === 'status_url') ??
    names.find((n) => /status/i.test(n) && isUrl(facts[n] ?? playbook.facts.get(n)?.default))
  if (!name) return undefined
  const value = facts[name]
  return isUrl(value) ? {name, url: value.trim()} : undefined
}

/** The phase that ends the incident (`resolved`/`completed`), else the last one. */
export function finalPhase(playbook: Playbook): Phase | undefined {
  return playbook.phases.find((p) => RESOLVING_PHASES.has(p.name)) ?? playbook.phases.at(-1)
}

export function lintPlaybook(playbook: Playbook, opts: LintOptions): LintReport {
  const now = opts.now ?? new Date()
  const words = mergeWords(opts.words)
  const facts = opts.facts
  const raw: Raw[] = []
  const locate = (p: Array<string | number>, key = false) => locateInPlaybook(playbook, p, {key})
  const multilingual = playbook.locales.length > 1
  const status = statusFact(playbook, facts)
  const first = playbook.phases[0]
  const final = finalPhase(playbook)

  for (const phase of playbook.phases) {
    const {data, nextUpdateDue} = renderData(playbook, phase, {
      now,
      incident: {id: 'lint', startedAt: new Date(now.getTime() - LINT_INCIDENT_AGE_MS)},
    })
    for (const post of phase.posts) {
      const channel = playbook.channels.get(post.channel)!
      const own = templateLocale(channelLocale(playbook, channel), playbook.locales) ?? playbook.locales[0]
      const versions = postVersions(post, own)
      for (const [locale, source] of versions) {
        // A channel's own language formats with its full tag (de-AT); other versions with theirs.
        const intl = locale === own ? channelLocale(playbook, channel) : locale
        const subject = {phase: phase.name, channel: post.channel, locale: multilingual ? locale : undefined}
        const add = (rule: LintRule, message: string, needle?: string) =>
          raw.push({at: templateRef(source, needle), rule, post: subject, message})
        const rendered = renderPost(playbook, post, facts, data, {locale: intl, template: source})
        const text = rendered.parts.map((p) => p.text).join('\n')
        checkRendered(rendered, add)
        for (const message of factMentions(channel, text, facts)) add('mention', `with the example facts: ${message}`)
        checkPunctuation(text, facts, add)
        for (const found of placeholdersIn(source.text))
          add('placeholder', `${found}: replace it with your own before it goes out`, found.match)
        if (channel.kind.audience === 'team') continue // machines or the team: the wording rules do not apply
        checkTone(text, languageOf(locale), words, add)

        if (nextUpdateDue) {
          const later = renderPost(
            playbook,
            post,
            facts,
            {...data, next_update: new Date(nextUpdateDue.getTime() + PROBE_SHIFT_MS)},
            {locale: intl, template: source},
          )
          if (later.parts.map((p) => p.text).join('\n') === text)
            add(
              'next-update',
              `promises a next update (next_update: ${phase.nextUpdate?.text}) but does not say when: use {{time @next_update}}`,
            )
        }
        if (phase === first && phase.nextUpdate) checkFirstPost(text, languageOf(locale), words, add)
        if (status && phase.nextUpdate && !channel.kind.statusPage && !text.includes(status.url)) {
          add('follow-along', `does not say where to follow the incident: add {{${status.name}}} (${status.url})`)
        }
      }
      if (multilingual) {
        for (const locale of playbook.locales) {
          if (versions.has(locale)) continue
          const where =
            post.template.kind === 'file'
              ? ` (expected ${displayPath(localizedTemplatePath(post.template.path, locale))})`
              : ` (add "${locale}" under "text")`
          raw.push({
            at: locate(['phases', phase.name, 'posts', post.channel], true),
            rule: 'translation',
            post: {phase: phase.name, channel: post.channel},
            message: `has no ${locale} version${where}`,
          })
        }
      }
    }
  }

  // Every channel that hears about the incident also hears that it is over.
  for (const [phase, which, consequence] of [
    [first, 'first', 'its followers never hear about the incident there'],
    [final, 'final', "its followers never hear there that it's over"],
  ] as const) {
    if (!phase || (which === 'final' && phase === first)) continue
    const posting = new Set(phase.posts.map((p) => p.channel))
    for (const name of playbook.channels.keys()) {
      if (!posting.has(name))
        raw.push({
          at: locate(['phases', phase.name, 'posts'], true),
          rule: 'coverage',
          message: `channel "${name}" posts nothing in the ${which} phase "${phase.name}": ${consequence}`,
        })
    }
  }

  checkCadence(playbook, raw, locate)
  checkPlaybookPlaceholders(playbook, raw, locate)
  return report(playbook, raw, opts.strict ?? false)
}

/** Text of the shipped examples that must not reach customers: their status page and their company. */
const PLACEHOLDERS: Array<{pattern: RegExp; what: string}> = [
  {pattern: /https?:\/\/status\.example\.com\b/i, what: 'the example status page'},
  {pattern: /\bAcme\b/, what: 'the example company'},
]

/** Placeholders from the shipped examples in a text the playbook itself supplies (not a fact). */
function placeholdersIn(text: string | undefined): Array<string & {match: string}> {
  const out: Array<string & {match: string}> = []
  if (!text) return out
  for (const {pattern, what} of PLACEHOLDERS) {
    // Only the template's own words: what is inside {{…}} is a fact or helper name.
    const m = pattern.exec(text.replace(/\{\{[^}]*\}\}/g, (s) => ' '.repeat(s.length)))
    if (m) out.push(Object.assign(`"${m[0]}" is ${what}`, {match: m[0]}))
  }
  return out
}

/** Fact defaults and channel settings that would carry a placeholder into every incident's posts. */
function checkPlaybookPlaceholders(
  playbook: Playbook,
  raw: Raw[],
  locate: (p: Array<string | number>, key?: boolean) => SourceRef,
): void {
  for (const [name, fact] of playbook.facts) {
    const values = Array.isArray(fact.default) ? fact.default : [fact.default]
    for (const value of values) {
      for (const found of placeholdersIn(typeof value === 'string' ? value : undefined)) {
        raw.push({
          at: locate(['facts', name, 'default']),
          rule: 'placeholder',
          message: `fact "${name}" defaults to a placeholder (${found}): set your own, or leave the default out so each incident sets it`,
        })
      }
    }
  }
  for (const [name, channel] of playbook.channels) {
    for (const [option, value] of Object.entries(channel.options)) {
      if (option === 'dir' || typeof value !== 'string') continue
      for (const found of placeholdersIn(value))
        raw.push({
          at: locate(['channels', name, option]),
          rule: 'placeholder',
          message: `channel "${name}" ${option}: ${found}: replace it with your own before it goes out`,
        })
    }
  }
}

/** A fact that ends a sentence itself, in a template that ends it too: "Calls fail..". */
function checkPunctuation(
  text: string,
  facts: Facts,
  add: (rule: LintRule, message: string, needle?: string) => void,
): void {
  for (const [name, value] of Object.entries(facts)) {
    if (typeof value !== 'string') continue
    const end = /[.!?。！？]$/u.exec(value.trimEnd())?.[0]
    if (!end) continue
    const doubled = new RegExp(`${escapeRegExp(value.trimEnd())}[.。]`, 'u').exec(text)
    if (doubled)
      add(
        'punctuation',
        `fact "${name}" ends with "${end}" and the template ends the sentence too ("…${doubled[0].slice(-12)}"): write the fact without it`,
      )
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function checkRendered(rendered: RenderedPost, add: (rule: LintRule, message: string, needle?: string) => void): void {
  for (const v of rendered.violations)
    add('policy', `the post policy blocks it: rule "${v.rule}": ${v.message}`, v.match)
  const measureErrors = rendered.errors.filter((e) => !e.includes(': policy rule "'))
  for (const e of measureErrors) add('fits', `does not fit with the example facts: ${e.replace(/^[^:]+: /, '')}`)
  if (measureErrors.length === 0 && rendered.parts.length > 1) {
    add(
      'fits',
      `becomes a thread of ${rendered.parts.length} posts with the example facts (over the limit of ${rendered.parts[0].limit}); shorten it to fit in one`,
    )
  }
}

function checkTone(
  text: string,
  lang: string,
  words: WordLists,
  add: (rule: LintRule, message: string, needle?: string) => void,
): void {
  for (const m of compile(words.blame[lang])
    .flatMap((p) => [p.exec(text)?.[0]])
    .filter((x): x is string => Boolean(x))) {
    add('tone', `blames someone ("${m}"): own the problem instead`, m)
  }
  for (const m of compile(words.promise[lang])
    .flatMap((p) => [p.exec(text)?.[0]])
    .filter((x): x is string => Boolean(x))) {
    add('tone', `makes a promise the team may not keep ("${m}"): say what you know and when the next update comes`, m)
  }
}

function checkFirstPost(
  text: string,
  lang: string,
  words: WordLists,
  add: (rule: LintRule, message: string, needle?: string) => void,
): void {
  const apology = words.apology[lang]
  const ack = words.acknowledge[lang]
  if (!apology || !ack) {
    add('apology', `no apology or acknowledgement words for language "${lang}": pass them with --words FILE`)
    return
  }
  if (!firstMatch(text, compile(ack)))
    add(
      'apology',
      'the first post does not acknowledge the problem (say what is wrong, e.g. "we\'re investigating problems with …")',
    )
  if (!firstMatch(text, compile(apology)))
    add('apology', 'the first post does not apologise (e.g. "we\'re sorry for the disruption")')
}

function checkCadence(
  playbook: Playbook,
  raw: Raw[],
  locate: (p: Array<string | number>, key?: boolean) => SourceRef,
): void {
  const minutes = (ms: number) => `${Math.round(ms / 60_000)} minutes`
  for (const phase of playbook.phases) {
    if (phase.nextUpdate && phase.nextUpdate.ms > MAX_CADENCE_MS) {
      raw.push({
        at: locate(['phases', phase.name, 'next_update']),
        rule: 'cadence',
        message: `phase "${phase.name}" promises the next update in ${phase.nextUpdate.text} (${minutes(phase.nextUpdate.ms)}): never leave customers more than an hour without news`,
      })
    }
    if (phase.longIncident && phase.longIncident.nextUpdate.ms > MAX_CADENCE_MS) {
      raw.push({
        at: locate(['phases', phase.name, 'long_incident', 'next_update']),
        rule: 'cadence',
        message: `phase "${phase.name}" slows to an update every ${phase.longIncident.nextUpdate.text} in a long incident: never leave customers more than an hour without news`,
      })
    }
  }
  // Between the first promise and the end, every phase promises the next update.
  const start = playbook.phases.findIndex((p) => p.nextUpdate)
  if (start < 0) return
  const end = playbook.phases.findIndex((p) => RESOLVING_PHASES.has(p.name))
  for (const phase of playbook.phases.slice(start, end < 0 ? undefined : end)) {
    if (!phase.nextUpdate)
      raw.push({
        at: locate(['phases', phase.name], true),
        rule: 'cadence',
        message: `phase "${phase.name}" comes before the incident is resolved but promises no next update: add next_update`,
      })
  }
}

function report(playbook: Playbook, raw: Raw[], strict: boolean): LintReport {
  // One finding per place and message, naming every channel it applies to.
  const merged = new Map<
    string,
    {at: SourceRef; rule: LintRule; message: string; channels: string[]; post?: Raw['post']}
  >()
  for (const r of raw) {
    const key = [r.at.file, r.at.line, r.at.col, r.rule, r.message, r.post?.phase, r.post?.locale].join('\u0000')
    const entry = merged.get(key)
    if (entry && r.post && !entry.channels.includes(r.post.channel)) entry.channels.push(r.post.channel)
    else if (!entry)
      merged.set(key, {
        at: r.at,
        rule: r.rule,
        message: r.message,
        channels: r.post ? [r.post.channel] : [],
        post: r.post,
      })
  }
  const severity = strict ? 'error' : 'warning'
  const findings: LintFinding[] = [...merged.values()].map((m) => ({
    ...m.at,
    severity,
    rule: m.rule,
    message: m.post
      ? `post "${m.post.phase}.${m.channels.join(', ')}"${m.post.locale ? ` (${m.post.locale})` : ''}: ${m.message}`
      : m.message,
    ...(m.post && {
      post: {phase: m.post.phase, channels: m.channels, ...(m.post.locale && {locale: m.post.locale})},
    }),
  }))
  const shown = displayPath(playbook.file)
  findings.sort((a, b) =>
    a.file === b.file
      ? a.line - b.line || a.col - b.col || a.message.localeCompare(b.message)
      : a.file === shown
        ? -1
        : b.file === shown
          ? 1
          : a.file.localeCompare(b.file),
  )
  return {
    playbook: playbook.name,
    file: shown,
    strict,
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  }
}

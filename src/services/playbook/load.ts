import {realpathSync} from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import {isOfficialHost, optionValue, rendersHtml, type ChannelKind, type OptionSpec} from '../../channels/kind.js'
import {CHANNEL_KINDS, CHANNEL_TYPES, isChannelType} from '../../channels/registry.js'
import {statusForPhase, WINDOW_FACTS} from '../../channels/statuspage/status.js'
import {analyzeTemplate} from '../render/template.js'
import {YamlSource} from '../../domain/playbook/yaml-source.js'
import {playbookProject} from './project.js'
import {readUtf8} from './read-file.js'
import {
  FACT_TYPES,
  isIsoTime,
  PLAYBOOK_KINDS,
  type PlaybookKind,
  type ChannelConfig,
  type FactSpec,
  type FactType,
  type Phase,
  type Playbook,
  type PostSpec,
  type Problem,
  type SourceRef,
  type TemplateSource,
  parseDuration,
} from '../../domain/playbook/model.js'

const TOP_KEYS = ['name', 'kind', 'description', 'locales', 'approval', 'facts', 'examples', 'channels', 'phases', 'forbid', 'internal_hosts', 'public_hosts']
const FACT_KEYS = ['required', 'description', 'type', 'default']
const PHASE_KEYS = ['description', 'next_update', 'long_incident', 'approval', 'posts']
const LOCALE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/
const POST_KEYS = ['template', 'text']
const NAME = /^[a-z0-9][a-z0-9-]*$/
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/
const FACT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
// Names that would reach Object.prototype or Handlebars' own context words.
const RESERVED_FACTS = new Set(['__proto__', 'constructor', 'prototype', 'this', 'toString', 'valueOf', 'hasOwnProperty'])

// Every locale's version of each post, beside the Playbook model (see postVersions).
const translations = new WeakMap<PostSpec, ReadonlyMap<string, TemplateSource>>()

/**
 * Every version of a post by locale, the default locale's included: what
 * `playbook lint` checks beyond the version each channel posts. A post built by
 * hand (not loaded) has only its own template, under `locale`.
 */
export function postVersions(post: PostSpec, locale: string): ReadonlyMap<string, TemplateSource> {
  return translations.get(post) ?? new Map([[locale, post.template]])
}

// Where each part of a loaded playbook is in its YAML, for `playbook lint`.
const locators = new WeakMap<Playbook, (p: Array<string | number>, key?: boolean) => SourceRef>()

/** Where `path` (e.g. ['phases', 'investigating', 'next_update']) is in the playbook's file; line 1 when unknown. */
export function locateInPlaybook(playbook: Playbook, p: Array<string | number>, opts: {key?: boolean} = {}): SourceRef {
  return locators.get(playbook)?.(p, opts.key) ?? {file: displayPath(playbook.file), line: 1, col: 1}
}

/** `templates/x/investigating.hbs` in `de` → `templates/x/investigating.de.hbs`. */
export function localizedTemplatePath(file: string, locale: string): string {
  const ext = path.extname(file)
  return ext ? `${file.slice(0, -ext.length)}.${locale}${ext}` : `${file}.${locale}`
}

/**
 * Which of the playbook's locales serves a channel's language tag: the same tag, or
 * its language (`de-AT` is served by `de`); undefined when none does.
 */
export function templateLocale(tag: string, locales: readonly string[]): string | undefined {
  const lower = tag.toLowerCase()
  return locales.find((l) => l.toLowerCase() === lower) ?? locales.find((l) => l.toLowerCase() === lower.split('-')[0])
}

/** The language a channel posts in: its `locale`, else the playbook's default. */
export function channelLocale(playbook: Pick<Playbook, 'locales'>, channel: {options: Record<string, unknown>}): string {
  const tag = channel.options.locale
  return typeof tag === 'string' && tag !== '' ? tag : (playbook.locales?.[0] ?? 'en')
}

export interface LoadResult {
  playbook?: Playbook
  problems: Problem[]
  /** What is allowed but worth a look (`playbook validate` shows them): endpoint overrides. */
  warnings?: Problem[]
}

export interface LoadOptions {
  /**
   * Parse and check only the templates of these phases (all when omitted). The other
   * phases' structure is still checked and their templates still read, but not parsed:
   * posting one phase should neither parse every template of the playbook nor fail on a
   * typo in another phase's. `playbook validate` and `lint` check everything.
   */
  templatesOf?: readonly string[]
}

/** How a path is shown in messages: relative to the current directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file
}

type Path = Array<string | number>
type Mapping = Record<string, unknown>

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`
}

/**
 * Reads a template only when it really lies inside the playbook's folder: the real path
 * of the file (every symlink resolved) must be under the real path of the folder. A
 * symlink such as `templates/inv.hbs -> ../../.env` is refused and never read.
 */
export function readTemplateFile(file: string, playbookDir: string, realDirs: Map<string, string> = new Map()): {text?: string; error?: string} {
  let real: string
  let realDir: string
  try {
    // A playbook has dozens of templates: resolve its folder once, and each file with libuv's realpath (the JS one walks every path segment).
    realDir = realDirs.get(playbookDir) ?? realpathSync.native(playbookDir)
    realDirs.set(playbookDir, realDir)
    real = realpathSync.native(file)
  } catch {
    return readUtf8(file) // missing or unreadable: say so as any other read would
  }
  const rel = path.relative(realDir, real)
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return {error: `it resolves to ${real}, outside the playbook's folder (a symlink?); keep templates inside the playbook's folder (copy the file instead of linking it)`}
  }
  return readUtf8(real)
}

/**
 * Loads and validates a playbook, collecting every problem at once. The playbook is
 * returned only when there are none.
 */
export function loadPlaybook(file: string, options: LoadOptions = {}): LoadResult {
  const abs = path.resolve(file)
  const shown = displayPath(abs)
  const problems: Problem[] = []
  const warnings: Problem[] = []
  const {text, error} = readUtf8(abs)
  if (text === undefined) return {problems: [{file: shown, line: 1, col: 1, message: `cannot read playbook: ${error}`}]}

  let src: YamlSource
  try {
    src = YamlSource.parse(text, shown)
  } catch (e) {
    const ex = e as yaml.YAMLException
    const line = (ex.mark?.line ?? 0) + 1
    const col = (ex.mark?.column ?? 0) + 1
    return {problems: [{file: shown, line, col, message: `YAML: ${ex.reason ?? ex.message}`}]}
  }

  const at = (p: Path, key = false): SourceRef => ({file: shown, ...src.locate(p, {key})})
  const problem = (p: Path, message: string, key = false) => problems.push({...at(p, key), message})
  const unknownKeys = (value: Mapping, allowed: readonly string[], p: Path, what: string) => {
    for (const k of Object.keys(value)) {
      if (!allowed.includes(k)) problem([...p, k], `unknown key "${k}" in ${what} (allowed: ${allowed.join(', ')})`, true)
    }
  }

  const root = src.value
  if (!isMapping(root)) {
    return {problems: [{file: shown, line: 1, col: 1, message: `a playbook must be a mapping with name, facts, channels and phases; found ${describe(root)}`}]}
  }
  unknownKeys(root, TOP_KEYS, [], 'the playbook')

  const name = root.name
  if (name === undefined) problem([], 'missing "name" (a short id like "outage")')
  else if (typeof name !== 'string' || !NAME.test(name)) problem(['name'], `"name" must be lower-case letters, digits and dashes; found ${describe(name)}`)
  if (root.description !== undefined && typeof root.description !== 'string') problem(['description'], '"description" must be text')
  let playbookKind: PlaybookKind = 'incident'
  if (root.kind !== undefined) {
    if (typeof root.kind === 'string' && (PLAYBOOK_KINDS as readonly string[]).includes(root.kind)) playbookKind = root.kind as PlaybookKind
    else problem(['kind'], `"kind" must be one of ${PLAYBOOK_KINDS.join(', ')} (maintenance: planned work announced ahead); found ${describe(root.kind)}`)
  }

  // Facts
  const facts = new Map<string, FactSpec>()
  if (root.facts !== undefined && root.facts !== null && !isMapping(root.facts)) problem(['facts'], `"facts" must be a mapping of fact name to settings; found ${describe(root.facts)}`)
  for (const [factName, rawSpec] of Object.entries(isMapping(root.facts) ? root.facts : {})) {
    const p: Path = ['facts', factName]
    if (!FACT_NAME.test(factName) || RESERVED_FACTS.has(factName)) {
      problem(p, `fact name "${factName}" is not allowed: use letters, digits and _ (not starting with a digit), and not a reserved word`, true)
      continue
    }
    const spec = rawSpec ?? {}
    if (!isMapping(spec)) {
      problem(p, `fact "${factName}" must be a mapping like { required: true }; found ${describe(spec)}`)
      continue
    }
    unknownKeys(spec, FACT_KEYS, p, `fact "${factName}"`)
    const type = (spec.type ?? 'string') as FactType
    if (!FACT_TYPES.includes(type)) problem([...p, 'type'], `fact "${factName}": unknown type ${describe(spec.type)} (types: ${FACT_TYPES.join(', ')})`)
    if (spec.required !== undefined && typeof spec.required !== 'boolean') problem([...p, 'required'], `fact "${factName}": "required" must be true or false`)
    if (spec.description !== undefined && typeof spec.description !== 'string') problem([...p, 'description'], `fact "${factName}": "description" must be text`)
    if (spec.default !== undefined && FACT_TYPES.includes(type) && !defaultFits(type, spec.default)) {
      problem([...p, 'default'], `fact "${factName}": default ${describe(spec.default)} is not a ${type}`)
    }
    facts.set(factName, {
      name: factName,
      type,
      required: spec.required === true,
      description: typeof spec.description === 'string' ? spec.description : undefined,
      default: spec.default,
    })
  }

  const lines = text.split('\n')
  // Off while reading the posts of a phase outside options.templatesOf.
  let checking = true
  /** Turns a place within a template into a place in its file (inline ones sit inside the playbook). */
  const placeIn = (origin: {file: string; base?: SourceRef}) => {
    // An inline template's text starts after its opening quote, or on the line after a block scalar's | or >.
    let base = origin.base
    if (base) {
      const first = lines[base.line - 1]?.[base.col - 1]
      if (first === '"' || first === "'") base = {...base, col: base.col + 1}
      else if (first === '|' || first === '>') {
        const next = lines[base.line] ?? ''
        base = {...base, line: base.line + 1, col: next.length - next.trimStart().length + 1}
      }
    }
    return (line: number, col: number): SourceRef =>
      base ? {file: base.file, line: base.line + line - 1, col: line === 1 ? base.col + col - 1 : col} : {file: origin.file, line, col}
  }
  /** In a template that renders into HTML, `{{{x}}}` and `{{& x}}` would put a fact's markup in the page: refused (each place once). */
  const unescapedReported = new Set<string>()
  const refuseUnescaped = (source: TemplateSource, what: string, channel: ChannelConfig) => {
    const place = placeIn(source.kind === 'file' ? {file: source.display} : {file: shown, base: source.at})
    for (const out of analyzeTemplate(source.text).unescaped) {
      const at = place(out.line, out.col)
      const key = `${at.file}:${at.line}:${at.col}`
      if (unescapedReported.has(key)) continue
      unescapedReported.add(key)
      const plain = out.expression.replace(/^\{\{\{\s*(.*?)\s*\}\}\}$|^\{\{&\s*(.*?)\s*\}\}$/s, (_, a: string | undefined, b: string | undefined) => `{{${a ?? b}}}`)
      problems.push({...at, message: `${what}: ${out.expression} writes a value unescaped into HTML (channel "${channel.name}" is ${channel.kind.label}); write ${plain} instead: Candor escapes values in HTML and keeps the markup the template itself writes`})
    }
  }
  /** Checks a template's syntax, helpers and facts; returns the facts it reads, placed in their file. */
  const checkTemplate = (source: string, origin: {file: string; base?: SourceRef}, what: string, translation?: string): Array<{name: string; at: SourceRef}> => {
    if (!checking) return []
    // With templatesOf, a translation no channel posts in is left to `playbook validate`.
    if (translation !== undefined && options.templatesOf && !postedLocales.has(translation)) return []
    const analysis = analyzeTemplate(source)
    const place = placeIn(origin)
    for (const issue of analysis.issues) problems.push({...place(issue.line, issue.col), message: `${what}: ${issue.message}`})
    for (const ref of analysis.facts) {
      if (!facts.has(ref.name)) {
        problems.push({...place(ref.line, ref.col), message: `${what}: uses fact "${ref.name}", which the playbook does not declare (declared: ${[...facts.keys()].join(', ') || 'none'})`})
      }
    }
    return analysis.facts.map((ref) => ({name: ref.name, at: place(ref.line, ref.col)}))
  }

  // Locales: the languages posts are written in; the first is the default.
  let locales = ['en']
  let localesOk = true
  if (root.locales !== undefined) {
    const ok = Array.isArray(root.locales) && root.locales.length > 0 && root.locales.every((l) => typeof l === 'string' && LOCALE.test(l)) && new Set(root.locales).size === root.locales.length
    if (ok) locales = root.locales as string[]
    else {
      localesOk = false
      problem(['locales'], `"locales" must be a list of distinct language tags like [en, de, ja] (the first is the default); found ${describe(root.locales)}`)
    }
  }
  const defaultLocale = locales[0]

  // Channels
  const channels = new Map<string, ChannelConfig>()
  if (root.channels === undefined) problem([], 'missing "channels" (where posts go, e.g. { x: { type: x } })')
  else if (!isMapping(root.channels)) problem(['channels'], `"channels" must be a mapping of channel name to settings; found ${describe(root.channels)}`)
  for (const [channelName, rawConfig] of Object.entries(isMapping(root.channels) ? root.channels : {})) {
    const p: Path = ['channels', channelName]
    if (!CHANNEL_NAME.test(channelName)) problem(p, `channel name "${channelName}" must be letters, digits, _ and -`, true)
    if (!isMapping(rawConfig)) {
      problem(p, `channel "${channelName}" must be a mapping with a "type"; found ${describe(rawConfig)}`)
      continue
    }
    const type = rawConfig.type
    if (!isChannelType(type)) {
      problem(type === undefined ? p : [...p, 'type'], `channel "${channelName}": ${type === undefined ? 'missing "type"' : `unknown type ${describe(type)}`} (types: ${CHANNEL_TYPES.join(', ')})`)
      continue
    }
    const kind: ChannelKind = CHANNEL_KINDS[type]
    const options: Record<string, unknown> = {}
    unknownKeys(rawConfig, ['type', ...Object.keys(kind.options)], p, `channel "${channelName}" (${type})`)
    for (const [option, spec] of Object.entries(kind.options)) {
      const value = rawConfig[option]
      if (value === undefined || value === null) {
        if (spec.required) problem(p, `channel "${channelName}" (${type}) needs "${option}": ${spec.description}`)
        continue
      }
      const bad = optionProblem(spec, value) ?? spec.check?.(value)
      if (bad) problem([...p, option], `channel "${channelName}": "${option}" ${bad}`)
      else if (spec.type === 'template') checkTemplate(value as string, {file: shown, base: at([...p, option])}, `channel "${channelName}" ${option}`)
      // A folder the channel writes (blog, site) belongs to the playbook's project, wherever Candor runs.
      // Kept as the schema types it (text for a number), so adapters need not check again.
      const kept = optionValue(spec, value)
      options[option] = option === 'dir' && typeof kept === 'string' ? path.resolve(playbookProject(abs), kept) : kept
    }
    // A playbook that points a channel somewhere else decides where its credentials go:
    // Candor allows that only to loopback or where the environment trusts it (endpoint-trust.ts).
    for (const {option, env} of kind.endpoint?.(options).chain ?? []) {
      const value = options[option]
      const host = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined
      if (host && !isOfficialHost(kind.endpoint!(options), host.hostname)) {
        const variable = `CANDOR_${channelName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${env}`
        warnings.push({
          ...at([...p, option]),
          message: `channel "${channelName}": "${option}" sends this channel's credentials to ${host.host}; Candor does so only to loopback or when the environment that holds them trusts it (${variable}=${value}, or ${host.hostname} in CANDOR_TRUSTED_HOSTS)`,
        })
      }
    }
    if (typeof options.locale === 'string' && localesOk && !templateLocale(options.locale, locales)) {
      problem([...p, 'locale'], `channel "${channelName}": locale "${options.locale}" is not one of the playbook's locales (${locales.join(', ')}); add it to "locales" and write its templates`)
      delete options.locale
    }
    channels.set(channelName, {name: channelName, type, kind, options, playbookKind})
  }

  // Playbook-wide settings: approval, examples, policy additions.
  const approval = root.approval === undefined ? {required: 1} : approvalRule(root.approval, ['approval'], 'the playbook')
  if (root.examples !== undefined && !isMapping(root.examples)) problem(['examples'], `"examples" must be a mapping of fact names to example values; found ${describe(root.examples)}`)
  else if (isMapping(root.examples)) {
    for (const k of Object.keys(root.examples)) if (!facts.has(k)) problem(['examples', k], `example for "${k}", which the playbook does not declare as a fact`, true)
  }
  const forbid: Playbook['policy']['forbid'] = []
  if (root.forbid !== undefined && !Array.isArray(root.forbid)) problem(['forbid'], `"forbid" must be a list of patterns (text or { pattern, message }); found ${describe(root.forbid)}`)
  for (const [i, entry] of (Array.isArray(root.forbid) ? root.forbid : []).entries()) {
    const spec = typeof entry === 'string' ? {pattern: entry} : entry
    if (!isMapping(spec) || typeof spec.pattern !== 'string' || (spec.message !== undefined && typeof spec.message !== 'string')) {
      problem(['forbid', i], `forbid entry must be a regular expression as text, or { pattern, message }; found ${describe(entry)}`)
      continue
    }
    try {
      forbid.push({pattern: new RegExp(spec.pattern, 'iu'), source: spec.pattern, message: spec.message as string | undefined})
    } catch (error) {
      problem(['forbid', i], `forbid pattern ${JSON.stringify(spec.pattern)} is not a valid regular expression: ${(error as Error).message}`)
    }
  }
  let internalHosts: string[] = []
  if (root.internal_hosts !== undefined) {
    if (Array.isArray(root.internal_hosts) && root.internal_hosts.every((h) => typeof h === 'string' && h !== '')) internalHosts = root.internal_hosts as string[]
    else problem(['internal_hosts'], `"internal_hosts" must be a list of host names or suffixes like .corp.example.com; found ${describe(root.internal_hosts)}`)
  }
  // Hosts the playbook itself declares public: never those of facts given at publish time.
  const publicHosts = new Set<string>()
  if (root.public_hosts !== undefined) {
    if (Array.isArray(root.public_hosts) && root.public_hosts.every((h) => typeof h === 'string' && /^[a-z0-9.-]+$/i.test(h))) for (const h of root.public_hosts as string[]) publicHosts.add(h.toLowerCase())
    else problem(['public_hosts'], `"public_hosts" must be a list of host names like status.acme.com; found ${describe(root.public_hosts)}`)
  }
  for (const spec of facts.values()) for (const host of urlHosts(spec.default)) publicHosts.add(host)
  for (const channel of channels.values()) if (channel.type === 'site') for (const host of urlHosts(channel.options.base_url)) publicHosts.add(host)

  function approvalRule(raw: unknown, p: Path, what: string): {required: number} {
    if (isMapping(raw)) {
      unknownKeys(raw, ['required'], p, `approval of ${what}`)
      if (Number.isInteger(raw.required) && (raw.required as number) >= 1 && (raw.required as number) <= 10) return {required: raw.required as number}
    }
    problem(isMapping(raw) && raw.required !== undefined ? [...p, 'required'] : p, `approval of ${what} must be { required: N } with N from 1 to 10; found ${describe(isMapping(raw) ? raw.required : raw)}`)
    return {required: 1}
  }

  // The languages channels post in (translations of the others are only checked in full validation).
  const postedLocales = new Set([...channels.values()].map((c) => (typeof c.options.locale === 'string' ? (templateLocale(c.options.locale, locales) ?? defaultLocale) : defaultLocale)))
  const phases: Phase[] = []
  const playbookDir = path.dirname(abs)
  const realDirs = new Map<string, string>()
  const translationFiles = new Map<string, {source?: TemplateSource; facts?: Array<{name: string; at: SourceRef}>; error?: string; fresh?: boolean}>()
  if (root.phases === undefined) problem([], 'missing "phases" (the steps of the incident, e.g. investigating, identified, resolved)')
  else if (!isMapping(root.phases) || Object.keys(root.phases).length === 0) problem(['phases'], `"phases" must be a mapping of phase name to settings, with at least one phase; found ${describe(root.phases)}`)
  for (const [phaseName, rawPhase] of Object.entries(isMapping(root.phases) ? root.phases : {})) {
    const p: Path = ['phases', phaseName]
    if (!NAME.test(phaseName)) problem(p, `phase name "${phaseName}" must be lower-case letters, digits and dashes`, true)
    if (!isMapping(rawPhase)) {
      problem(p, `phase "${phaseName}" must be a mapping with "posts"; found ${describe(rawPhase)}`)
      continue
    }
    unknownKeys(rawPhase, PHASE_KEYS, p, `phase "${phaseName}"`)
    const phase: Phase = {name: phaseName, posts: []}
    checking = options.templatesOf?.includes(phaseName) ?? true
    if (typeof rawPhase.description === 'string') phase.description = rawPhase.description
    if (rawPhase.next_update !== undefined) {
      const ms = typeof rawPhase.next_update === 'string' ? parseDuration(rawPhase.next_update) : undefined
      if (ms === undefined) problem([...p, 'next_update'], `phase "${phaseName}": next_update ${describe(rawPhase.next_update)} is not a duration like 20m, 1h or 1h30m`)
      else phase.nextUpdate = {ms, text: rawPhase.next_update as string}
    }
    if (rawPhase.long_incident !== undefined) {
      const li = rawPhase.long_incident
      const lp: Path = [...p, 'long_incident']
      if (!isMapping(li)) problem(lp, `phase "${phaseName}": long_incident must be { after: 2h, next_update: 60m }; found ${describe(li)}`)
      else {
        unknownKeys(li, ['after', 'next_update'], lp, `long_incident of phase "${phaseName}"`)
        const after = typeof li.after === 'string' ? parseDuration(li.after) : undefined
        const next = typeof li.next_update === 'string' ? parseDuration(li.next_update) : undefined
        if (after === undefined) problem(li.after === undefined ? lp : [...lp, 'after'], `phase "${phaseName}": long_incident.after must be a duration like 2h; found ${describe(li.after)}`)
        if (next === undefined) problem(li.next_update === undefined ? lp : [...lp, 'next_update'], `phase "${phaseName}": long_incident.next_update must be a duration like 60m; found ${describe(li.next_update)}`)
        if (after !== undefined && next !== undefined) phase.longIncident = {after: {ms: after, text: li.after as string}, nextUpdate: {ms: next, text: li.next_update as string}}
      }
    }
    if (rawPhase.approval !== undefined) phase.approval = approvalRule(rawPhase.approval, [...p, 'approval'], `phase "${phaseName}"`)
    if (!isMapping(rawPhase.posts)) {
      problem(rawPhase.posts === undefined ? p : [...p, 'posts'], `phase "${phaseName}" needs "posts": a mapping of channel name to { template: FILE } or { text: "..." }`)
    }
    for (const [channelName, rawPost] of Object.entries(isMapping(rawPhase.posts) ? rawPhase.posts : {})) {
      const pp: Path = [...p, 'posts', channelName]
      if (!channels.has(channelName) && !(isMapping(root.channels) && channelName in root.channels)) {
        problem(pp, `phase "${phaseName}" posts to channel "${channelName}", which is not defined (channels: ${[...channels.keys()].join(', ') || 'none'})`, true)
      }
      const post = typeof rawPost === 'string' ? {text: rawPost} : rawPost
      if (!isMapping(post)) {
        problem(pp, `post for "${channelName}" must be { template: FILE } or { text: "..." }; found ${describe(rawPost)}`)
        continue
      }
      unknownKeys(post, POST_KEYS, pp, `post "${phaseName}.${channelName}"`)
      const hasTemplate = post.template !== undefined
      const hasText = post.text !== undefined
      if (hasTemplate === hasText) {
        problem(pp, `post "${phaseName}.${channelName}" needs exactly one of "template" (a file) or "text" (inline)`)
        continue
      }
      const what = `post "${phaseName}.${channelName}"`
      // Every locale's version of this post: the default from `template`/`text`, the
      // others from `NAME.LOCALE.hbs` beside the template or from a `text` mapping.
      // `fresh`: checked for the first time here (a shared translation is reported once).
      const versions = new Map<string, {source: TemplateSource; facts: Array<{name: string; at: SourceRef}>; fresh?: boolean}>()
      const textPath: Path = typeof rawPost === 'string' ? pp : [...pp, 'text']
      const textMap = hasText && isMapping(post.text)
      if (hasText) {
        if (typeof post.text === 'string') {
          const ref = at(textPath)
          versions.set(defaultLocale, {source: {kind: 'inline', text: post.text, at: ref}, facts: checkTemplate(post.text, {file: shown, base: ref}, what)})
        } else if (isMapping(post.text)) {
          for (const [loc, value] of Object.entries(post.text)) {
            if (!locales.includes(loc)) {
              problem([...textPath, loc], `${what}: text for locale "${loc}", which is not one of the playbook's locales (${locales.join(', ')})`, true)
            } else if (typeof value !== 'string') {
              problem([...textPath, loc], `${what}: the ${loc} text must be a string; found ${describe(value)}`)
            } else {
              const ref = at([...textPath, loc])
              versions.set(loc, {source: {kind: 'inline', text: value, at: ref}, facts: checkTemplate(value, {file: shown, base: ref}, `${what} (${loc})`, loc)})
            }
          }
        } else {
          problem(textPath, `${what}: "text" must be a string, or a mapping of locale to string like { en: "...", de: "..." }`)
        }
      } else if (typeof post.template !== 'string' || post.template === '') {
        problem([...pp, 'template'], `${what}: "template" must be a file path relative to the playbook`)
      } else {
        const templateFile = path.resolve(playbookDir, post.template)
        const rel = path.relative(playbookDir, templateFile)
        if (path.isAbsolute(post.template) || rel.startsWith('..') || path.isAbsolute(rel)) {
          problem([...pp, 'template'], `${what}: template "${post.template}" is outside the playbook's folder; keep templates beside the playbook`)
        } else {
          const read = readTemplateFile(templateFile, playbookDir, realDirs)
          if (read.text === undefined) problem([...pp, 'template'], `${what}: cannot read template "${post.template}": ${read.error}`)
          else {
            versions.set(defaultLocale, {
              source: {kind: 'file', path: templateFile, display: displayPath(templateFile), text: read.text},
              facts: checkTemplate(read.text, {file: displayPath(templateFile)}, what),
            })
          }
          for (const loc of locales.slice(1)) {
            const localized = path.resolve(playbookDir, localizedTemplatePath(post.template, loc))
            // A translation shared by several posts is read and checked once.
            // (Only checked reads are shared: an unchecked one has no facts to share.)
            let version = checking ? translationFiles.get(localized) : undefined
            if (!version) {
              const read = readTemplateFile(localized, playbookDir, realDirs)
              version =
                read.text === undefined
                  ? {error: read.error}
                  : {
                      source: {kind: 'file', path: localized, display: displayPath(localized), text: read.text},
                      facts: checkTemplate(read.text, {file: displayPath(localized)}, `${what} (${loc})`, loc),
                      fresh: true,
                    }
              if (checking) translationFiles.set(localized, version)
              if (version.error !== undefined && version.error !== 'no such file') problem([...pp, 'template'], `${what}: cannot read the ${loc} template "${localizedTemplatePath(post.template, loc)}": ${version.error}`)
            } else version = {...version, fresh: false}
            if (version.source) versions.set(loc, {source: version.source, facts: version.facts ?? [], fresh: version.fresh})
          }
        }
      }

      // A translation may not read facts the default version does not: those facts
      // would be missing from the playbook's own checks and examples.
      const base = versions.get(defaultLocale)
      if (base) {
        const baseFacts = new Set(base.facts.map((f) => f.name))
        for (const [loc, version] of versions) {
          if (loc === defaultLocale || version.fresh === false) continue
          const reported = new Set<string>()
          for (const f of version.facts) {
            if (baseFacts.has(f.name) || reported.has(f.name)) continue
            reported.add(f.name)
            problems.push({...f.at, message: `${what}: the ${loc} version uses fact "${f.name}", which the ${defaultLocale} version does not; translations must use the same facts`})
          }
        }
      }

      const htmlChannel = channels.get(channelName)
      if (checking && htmlChannel && rendersHtml(htmlChannel.kind)) {
        for (const [loc, version] of versions) {
          if (loc !== defaultLocale && options.templatesOf && !postedLocales.has(loc)) continue
          refuseUnescaped(version.source, loc === defaultLocale ? what : `${what} (${loc})`, htmlChannel)
        }
      }

      // The version the channel posts: its locale's, or the default.
      const channelTag = channels.get(channelName)?.options.locale
      const need = typeof channelTag === 'string' ? (templateLocale(channelTag, locales) ?? defaultLocale) : defaultLocale
      const template = versions.get(need)?.source
      const defaultMissingReported = need === defaultLocale && !textMap
      if (!template && !defaultMissingReported && (hasText || typeof post.template === 'string')) {
        const expected = hasText ? `a "${need}" entry under "text"` : `the file ${localizedTemplatePath(post.template as string, need)}`
        problem(hasText ? textPath : [...pp, 'template'], `${what}: channel "${channelName}" posts in ${need}, but there is no ${need} version of this post (expected ${expected})`)
      }
      if (template) {
        const spec: PostSpec = {channel: channelName, template}
        translations.set(spec, new Map([...versions].map(([loc, v]) => [loc, v.source])))
        phase.posts.push(spec)
      }
    }
    phases.push(phase)
  }
  checking = true
  statuspageProblems(playbookKind, channels, isMapping(root.phases) ? root.phases : {}, facts, problem)

  problems.sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : a.file === shown ? -1 : b.file === shown ? 1 : a.file.localeCompare(b.file)))
  if (problems.length > 0) return {problems, warnings}
  const playbook: Playbook = {
    file: abs,
    name: name as string,
    kind: playbookKind,
    description: root.description as string | undefined,
    facts,
    channels,
    phases,
    locales,
    approval,
    examples: isMapping(root.examples) ? root.examples : undefined,
    policy: {forbid, internalHosts, publicHosts: [...publicHosts]},
  }
  locators.set(playbook, at)
  return {problems, playbook, warnings}
}

/** Hosts of the http(s) URLs in a value (a text or a list of texts). */
function urlHosts(value: unknown): string[] {
  const texts = Array.isArray(value) ? value : [value]
  return texts.flatMap((text) =>
    typeof text !== 'string'
      ? []
      : [...text.matchAll(/https?:\/\/[^\s<>"')\]]+/gi)].flatMap((m) => {
          try {
            return [new URL(m[0]).hostname.toLowerCase()]
          } catch {
            return []
          }
        }),
  )
}

/**
 * What a Statuspage channel needs from the playbook: `status_map` keys that are phases and
 * values of the playbook's kind, a status for every phase it posts in, and for maintenance
 * the window facts (`time` facts scheduled_for and scheduled_until).
 */
function statuspageProblems(
  kind: PlaybookKind,
  channels: Map<string, ChannelConfig>,
  phases: Mapping,
  facts: Map<string, FactSpec>,
  problem: (p: Path, message: string, key?: boolean) => void,
): void {
  for (const channel of channels.values()) {
    if (channel.type !== 'statuspage') continue
    const p: Path = ['channels', channel.name]
    const map = isMapping(channel.options.status_map) ? channel.options.status_map : {}
    for (const [phase, value] of Object.entries(map)) {
      if (!(phase in phases)) problem([...p, 'status_map', phase], `channel "${channel.name}": status_map names phase "${phase}", which the playbook does not have (phases: ${Object.keys(phases).join(', ')})`, true)
      else {
        const mapped = statusForPhase(kind, phase, {[phase]: value})
        if ('problem' in mapped) problem([...p, 'status_map', phase], `channel "${channel.name}": ${mapped.problem}`)
      }
    }
    for (const [phase, raw] of Object.entries(phases)) {
      const posts = isMapping(raw) && isMapping(raw.posts) ? raw.posts : {}
      if (!(channel.name in posts) || phase in map) continue
      const mapped = statusForPhase(kind, phase, map)
      if ('problem' in mapped) problem(['phases', phase, 'posts', channel.name], `channel "${channel.name}": ${mapped.problem}`, true)
    }
    if (kind !== 'maintenance') continue
    for (const name of [WINDOW_FACTS.from, WINDOW_FACTS.until]) {
      if (facts.get(name)?.type !== 'time') {
        problem(p, `channel "${channel.name}" schedules the maintenance on Statuspage from the fact "${name}": declare it as { type: time, required: true } (e.g. 2026-12-05T02:00:00Z)`)
      }
    }
  }
}

function defaultFits(type: FactType, value: unknown): boolean {
  switch (type) {
    case 'list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')
    case 'number':
      return typeof value === 'number'
    case 'boolean':
      return typeof value === 'boolean'
    case 'time':
      return typeof value === 'string' && isIsoTime(value)
    default:
      return typeof value === 'string' || typeof value === 'number'
  }
}

function optionProblem(spec: OptionSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
    case 'template':
      if (typeof value !== 'string' && !(spec.type === 'string' && typeof value === 'number')) return `must be text; found ${describe(value)}`
      if (spec.oneOf && !spec.oneOf.includes(String(value))) return `must be one of ${spec.oneOf.join(', ')}; found ${describe(value)}`
      if (spec.pattern && !spec.pattern.regex.test(String(value))) return `must be ${spec.pattern.hint}; found ${describe(value)}`
      return undefined
    case 'url':
      try {
        const u = new URL(String(value))
        return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : `must be an http(s) URL; found ${describe(value)}`
      } catch {
        return `must be an http(s) URL; found ${describe(value)}`
      }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : `must be a positive number; found ${describe(value)}`
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false; found ${describe(value)}`
    case 'list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number') ? undefined : `must be a list of text values; found ${describe(value)}`
    case 'map':
      return isMapping(value) && Object.values(value).every((v) => typeof v === 'string') ? undefined : `must be a mapping of text values; found ${describe(value)}`
  }
}

import path from 'node:path'
import type yaml from 'js-yaml'
import {isOfficialHost, optionValue, type ChannelKind, type OptionSpec} from '../../channels/kind.js'
import {CHANNEL_KINDS, CHANNEL_TYPES, isChannelType} from '../../channels/registry.js'
import {templateLocale} from '../../domain/playbook/locale.js'
import {YamlSource} from '../../domain/playbook/yaml-source.js'
import {playbookProject} from './project.js'
import type {
  ChannelConfig,
  Playbook,
  PlaybookKind,
  PostSpec,
  Problem,
  SourceRef,
  TemplateSource,
} from '../../domain/playbook/model.js'
import {readFacts} from './fact-specs.js'
import {displayPath, readUtf8} from './files.js'
import {readHeader, readLocales} from './header.js'
import {readPhases} from './phases.js'
import {PostReader} from './posts.js'
import {describe, isMapping, problemList, sortProblems, type Mapping, type Path, type ProblemList} from './problems.js'
import {readSettings} from './settings.js'
import {channelPlaybookProblems} from './channel-checks.js'
import {TemplateChecks} from './template-checks.js'

export {channelLocale, templateLocale} from '../../domain/playbook/locale.js'
export {displayPath, localizedTemplatePath, readTemplateFile, readUtf8} from './files.js'

const TOP_KEYS = [
  'name',
  'kind',
  'impact',
  'description',
  'locales',
  'approval',
  'facts',
  'examples',
  'channels',
  'phases',
  'forbid',
  'internal_hosts',
  'public_hosts',
]
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

/**
 * Every version of a post by locale, the default locale's included: what
 * `playbook lint` checks beyond the version each channel posts. A post built by
 * hand (not loaded) has only its own template, under `locale`.
 */
export function postVersions(post: PostSpec, locale: string): ReadonlyMap<string, TemplateSource> {
  return post.versions ?? new Map([[locale, post.template]])
}

/** Where `path` (e.g. ['phases', 'investigating', 'next_update']) is in the playbook's file; line 1 when unknown. */
export function locateInPlaybook(playbook: Playbook, p: Array<string | number>, opts: {key?: boolean} = {}): SourceRef {
  return playbook.locate?.(p, opts.key) ?? {file: displayPath(playbook.file), line: 1, col: 1}
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

/** The playbook's YAML, parsed with the place of every value; or the one problem that stops it. */
function parsePlaybookFile(abs: string, shown: string): {text: string; src: YamlSource} | {problems: Problem[]} {
  const {text, error} = readUtf8(abs)
  if (text === undefined) return {problems: [{file: shown, line: 1, col: 1, message: `cannot read playbook: ${error}`}]}
  try {
    return {text, src: YamlSource.parse(text, shown)}
  } catch (e) {
    const ex = e as yaml.YAMLException
    const line = (ex.mark?.line ?? 0) + 1
    const col = (ex.mark?.column ?? 0) + 1
    return {problems: [{file: shown, line, col, message: `YAML: ${ex.reason ?? ex.message}`}]}
  }
}

/**
 * Loads and validates a playbook, collecting every problem at once. The playbook is
 * returned only when there are none.
 */
export function loadPlaybook(file: string, options: LoadOptions = {}): LoadResult {
  const abs = path.resolve(file)
  const shown = displayPath(abs)
  const parsed = parsePlaybookFile(abs, shown)
  if ('problems' in parsed) return parsed
  const {text, src} = parsed

  const root = src.value
  if (!isMapping(root)) {
    return {
      problems: [
        {
          file: shown,
          line: 1,
          col: 1,
          message: `a playbook must be a mapping with name, facts, channels and phases; found ${describe(root)}`,
        },
      ],
    }
  }
  const list = problemList(src, shown)
  list.unknownKeys(root, TOP_KEYS, [], 'the playbook')

  const header = readHeader(root, list)
  const facts = readFacts(root, list)
  const templates = new TemplateChecks(list, text, facts, options.templatesOf)
  const {locales, ok: localesOk} = readLocales(root, list)
  const defaultLocale = locales[0]
  const channels = readChannels(root, list, templates, {abs, locales, localesOk, playbookKind: header.kind})
  const settings = readSettings(root, list, facts, channels)

  // The languages channels post in (translations of the others are only checked in full validation).
  templates.postedLocales = new Set(
    [...channels.values()].map((c) =>
      typeof c.options.locale === 'string'
        ? (templateLocale(c.options.locale, locales) ?? defaultLocale)
        : defaultLocale,
    ),
  )
  const posts = new PostReader(list, templates, {
    channels,
    declaresChannel: (name) => isMapping(root.channels) && name in root.channels,
    locales,
    playbookDir: path.dirname(abs),
    templatesOf: options.templatesOf,
  })
  const phases = readPhases(root, list, templates, posts, options.templatesOf)
  channelPlaybookProblems(header.kind, channels, isMapping(root.phases) ? root.phases : {}, facts, list.problem)

  const {problems, warnings} = list
  sortProblems(problems, shown)
  if (problems.length > 0) return {problems, warnings}
  const playbook: Playbook = {
    file: abs,
    name: header.name as string,
    kind: header.kind,
    ...(header.impact && {impact: header.impact}),
    description: header.description,
    facts,
    channels,
    phases,
    locales,
    approval: settings.approval,
    examples: settings.examples,
    policy: settings.policy,
    locate: list.at,
  }
  return {problems, playbook, warnings}
}

/** The playbook's channels: each one's type, and its options checked against the channel's kind. */
function readChannels(
  root: Mapping,
  list: ProblemList,
  templates: TemplateChecks,
  ctx: {abs: string; locales: string[]; localesOk: boolean; playbookKind: PlaybookKind},
): Map<string, ChannelConfig> {
  const {problem, unknownKeys, at, warnings, file: shown} = list
  const checkTemplate = templates.check
  const {abs, locales, localesOk, playbookKind} = ctx
  // Channels
  const channels = new Map<string, ChannelConfig>()
  if (root.channels === undefined) problem([], 'missing "channels" (where posts go, e.g. { x: { type: x } })')
  else if (!isMapping(root.channels))
    problem(['channels'], `"channels" must be a mapping of channel name to settings; found ${describe(root.channels)}`)
  for (const [channelName, rawConfig] of Object.entries(isMapping(root.channels) ? root.channels : {})) {
    const p: Path = ['channels', channelName]
    if (!CHANNEL_NAME.test(channelName))
      problem(p, `channel name "${channelName}" must be letters, digits, _ and -`, true)
    if (!isMapping(rawConfig)) {
      problem(p, `channel "${channelName}" must be a mapping with a "type"; found ${describe(rawConfig)}`)
      continue
    }
    const type = rawConfig.type
    if (!isChannelType(type)) {
      problem(
        type === undefined ? p : [...p, 'type'],
        `channel "${channelName}": ${type === undefined ? 'missing "type"' : `unknown type ${describe(type)}`} (types: ${CHANNEL_TYPES.join(', ')})`,
      )
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
      else if (spec.type === 'template')
        checkTemplate(value as string, {file: shown, base: at([...p, option])}, `channel "${channelName}" ${option}`)
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
      problem(
        [...p, 'locale'],
        `channel "${channelName}": locale "${options.locale}" is not one of the playbook's locales (${locales.join(', ')}); add it to "locales" and write its templates`,
      )
      delete options.locale
    }
    channels.set(channelName, {name: channelName, type, kind, options, playbookKind})
  }

  return channels
}

function optionProblem(spec: OptionSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
    case 'template':
      if (typeof value !== 'string' && !(spec.type === 'string' && typeof value === 'number'))
        return `must be text; found ${describe(value)}`
      if (spec.oneOf && !spec.oneOf.includes(String(value)))
        return `must be one of ${spec.oneOf.join(', ')}; found ${describe(value)}`
      if (spec.pattern && !spec.pattern.regex.test(String(value)))
        return `must be ${spec.pattern.hint}; found ${describe(value)}`
      return undefined
    case 'url':
      try {
        const u = new URL(String(value))
        return u.protocol === 'http:' || u.protocol === 'https:'
          ? undefined
          : `must be an http(s) URL; found ${describe(value)}`
      } catch {
        return `must be an http(s) URL; found ${describe(value)}`
      }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value > 0
        ? undefined
        : `must be a positive number; found ${describe(value)}`
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false; found ${describe(value)}`
    case 'list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')
        ? undefined
        : `must be a list of text values; found ${describe(value)}`
    case 'map':
      return isMapping(value) && Object.values(value).every((v) => typeof v === 'string')
        ? undefined
        : `must be a mapping of text values; found ${describe(value)}`
  }
}

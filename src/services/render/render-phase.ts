import {channelLimit} from '../../channels/kind.js'
import type {ChannelLimits, PlatformLimits} from './platform-limits.js'
import {CandorError, ExitCode} from '../../domain/errors.js'
import type {Facts} from '../../domain/playbook/facts.js'
import {channelLocale} from '../../domain/playbook/locale.js'
import type {ChannelConfig, Phase, Playbook, PostSpec, TemplateSource} from '../../domain/playbook/model.js'
import type {ConfiguredCredential} from '../policy/configured-credentials.js'
import {
  checkPost,
  CREDENTIAL_RULE,
  isPolicyRule,
  POLICY_RULES,
  type PolicyRule,
  type Violation,
} from '../policy/rules.js'
import {codePointLength} from '../../domain/text/length.js'
import {splitIntoThread} from '../../domain/text/split.js'
import {didYouMean} from '../../domain/text/closest.js'
import {analyzeTemplate, runTemplate} from './template.js'
import {promisedCadence} from '../../domain/playbook/cadence.js'

/** A thread longer than this is a wall of posts, not an update: refuse it. */
export const MAX_THREAD_PARTS = 25

export interface RenderedPart {
  text: string
  length: number
  /** null where the channel has no practical limit. */
  limit: number | null
}

export interface RenderedPost {
  channel: string
  type: string
  parts: RenderedPart[]
  warnings: string[]
  /** Problems that stop this post from being published (over a hard limit, empty, a policy hit). */
  errors: string[]
  /** Every policy hit in the post's text (and title, subject, link); `allowed` ones were overridden with --allow. */
  violations: PolicyHit[]
  /** Rendered `title`/`subject`/`link` options, where the channel has them. */
  title?: string
  subject?: string
  link?: string
  /** HTML body, for channels that send one beside the text (email). */
  html?: string
  /** Where the limit came from, for channels whose server sets it (a Mastodon instance). */
  limitNote?: string
}

/** A policy hit on a rendered post. */
export interface PolicyHit extends Violation {
  /** Overridden for this run (`--allow RULE`): a warning, not an error. */
  allowed: boolean
}

export interface RenderedPhase {
  playbook: string
  phase: string
  /** When the phase promises the next update (ISO 8601), if it does. */
  nextUpdateDue?: string
  posts: RenderedPost[]
}

export interface RenderOptions {
  /** Only these channels (by name); all of the phase's channels when absent or empty. */
  channels?: readonly string[]
  now: Date
  incident?: {id: string; startedAt: Date}
  /** The update's number within the incident, 1-based. */
  update?: number
  /** Policy rules overridden for this run (`--allow RULE`): their hits are warnings, not errors. */
  allow?: readonly string[]
  /** What each channel's server allows, as read (publish) or cached (preview). */
  limits?: ChannelLimits
  /** The secrets Candor was given: a post containing one is an error no --allow overrides. */
  credentials?: readonly ConfiguredCredential[]
}

/** Checks `--allow` names; an unknown one is an error naming the rules. */
export function checkAllowedRules(allow: readonly string[] | undefined): PolicyRule[] {
  const given = [...new Set(allow ?? [])]
  const unknown = given.filter((r) => !isPolicyRule(r))
  if (unknown.length > 0) {
    throw new CandorError(
      `unknown policy ${unknown.length === 1 ? 'rule' : 'rules'} ${unknown.map((r) => `"${r}"`).join(', ')}`,
      {
        code: 'unknown_policy_rule',
        suggestions: [`Policy rules: ${POLICY_RULES.join(', ')}`],
      },
    )
  }
  return given as PolicyRule[]
}

/**
 * Runs the post policy on a post's final texts (body, and title/subject/link where it
 * has them): a hit is an error naming the channel, the rule and the text, unless its
 * rule is allowed for this run, when it is a warning.
 */
export function enforcePolicy(
  playbook: Playbook,
  channel: ChannelConfig,
  texts: ReadonlyArray<string | undefined>,
  facts: Facts,
  allow: readonly string[] = [],
  opts: {locale?: string; credentials?: readonly ConfiguredCredential[]} = {},
): Pick<RenderedPost, 'violations' | 'errors' | 'warnings'> {
  const out: Pick<RenderedPost, 'violations' | 'errors' | 'warnings'> = {violations: [], errors: [], warnings: []}
  const seen = new Set<string>()
  const locale = opts.locale ?? channelLocale(playbook, channel)
  for (const text of texts) {
    if (!text) continue
    for (const v of checkPost(text, {playbook, facts, locale, credentials: opts.credentials})) {
      const key = `${v.rule}\u0000${v.match}`
      if (seen.has(key)) continue
      seen.add(key)
      const allowed = v.rule !== CREDENTIAL_RULE && allow.includes(v.rule)
      out.violations.push({...v, allowed})
      if (allowed) out.warnings.push(`policy rule "${v.rule}" overridden with --allow: ${v.message}`)
      else if (v.rule === CREDENTIAL_RULE)
        out.errors.push(
          `${channel.name}: policy rule "${v.rule}": ${v.message}; remove it from the facts or the template (no --allow overrides this)`,
        )
      else
        out.errors.push(
          `${channel.name}: policy rule "${v.rule}": ${v.message}; leave it out, or pass --allow ${v.rule} to publish it anyway`,
        )
    }
  }
  return out
}

/** The named phase; none named (no --phase) or a name the playbook lacks is one error listing the phases. */
export function findPhase(playbook: Playbook, phaseName: string | undefined): Phase {
  const names = playbook.phases.map((p) => p.name)
  if (phaseName === undefined) {
    throw new CandorError(`missing --phase; phases of ${playbook.name}: ${names.join(', ')}`, {
      code: 'phase_missing',
      exit: ExitCode.Usage,
      suggestions: [`Pass --phase ${names[0] ?? 'PHASE'}`],
    })
  }
  const phase = playbook.phases.find((p) => p.name === phaseName)
  if (!phase) {
    throw new CandorError(`playbook "${playbook.name}" has no phase "${phaseName}"`, {
      code: 'unknown_phase',
      suggestions: [...didYouMean(phaseName, names), `Phases: ${names.join(', ')}`],
    })
  }
  return phase
}

/** The phase's posts, narrowed to `channels`; unknown names are one error naming what exists. */
export function selectPosts(playbook: Playbook, phase: Phase, channels?: readonly string[]) {
  if (!channels || channels.length === 0) return phase.posts
  const available = phase.posts.map((p) => p.channel)
  const unknown = channels.filter((c) => !available.includes(c))
  if (unknown.length > 0) {
    const undefinedOnes = unknown.filter((c) => !playbook.channels.has(c))
    const what =
      undefinedOnes.length > 0
        ? `no channel ${undefinedOnes.map((c) => `"${c}"`).join(', ')} in playbook "${playbook.name}"`
        : `phase "${phase.name}" posts nothing to ${unknown.map((c) => `"${c}"`).join(', ')}`
    throw new CandorError(what, {
      code: 'unknown_channel',
      suggestions: [...didYouMean(unknown[0], available), `Channels in phase "${phase.name}": ${available.join(', ')}`],
    })
  }
  return phase.posts.filter((p) => channels.includes(p.channel))
}

/** Turns plain text into simple escaped HTML paragraphs. */
export function textToHtml(escaped: string): string {
  return escaped
    .split(/\n{2,}/)
    .map((para) => `<p>${para.replace(/\n/g, '<br>\n')}</p>`)
    .join('\n')
}

/**
 * Measures a post's text against its channel's limit: one part when it fits, a
 * numbered thread where the channel threads, else an error naming the limit.
 */
export function measurePost(
  channel: ChannelConfig,
  text: string,
  server?: PlatformLimits,
): Pick<RenderedPost, 'parts' | 'warnings' | 'errors'> {
  const kind = channel.kind
  const out: Pick<RenderedPost, 'parts' | 'warnings' | 'errors'> = {parts: [], warnings: [], errors: []}
  // `max_length` in the playbook wins over what the server says.
  const limit =
    kind.limitConfigurable && typeof channel.options.max_length === 'number'
      ? channel.options.max_length
      : (server?.maxLength ?? channelLimit(kind, channel.options))
  const measure = kind.measure ? (t: string) => kind.measure!(t, server) : codePointLength
  if (text === '') {
    out.errors.push(`${channel.name}: the post is empty`)
    out.parts.push({text, length: 0, limit: limit ?? null})
    return out
  }
  const length = measure(text)
  if (limit === undefined) {
    out.parts.push({text, length, limit: null})
    return out
  }
  if (length <= limit) out.parts.push({text, length, limit})
  else if (kind.threads) {
    const pieces = splitIntoThread(text, {limit, measure})
    out.parts.push(...pieces.map((t) => ({text: t, length: measure(t), limit})))
    if (pieces.length > MAX_THREAD_PARTS)
      out.errors.push(
        `${channel.name} (${kind.label}): the post is ${length} ${kind.unit ?? 'characters'}, a thread of ${pieces.length} posts; at most ${MAX_THREAD_PARTS} are sent — shorten the facts`,
      )
    else
      out.warnings.push(
        `${length} ${kind.unit ?? 'characters'} is over ${kind.label}'s limit of ${limit}: split into a thread of ${pieces.length} posts`,
      )
  } else {
    out.parts.push({text, length, limit})
    out.errors.push(
      `${channel.name} (${kind.label}): the post is ${length} ${kind.unit ?? 'characters'}, over the limit of ${limit}; shorten the template or the facts`,
    )
  }
  if (kind.advisedLength && length > kind.advisedLength && length <= limit) {
    out.warnings.push(
      `${length} characters is over the ${kind.advisedLength} ${kind.label} advises; long messages may be truncated in notifications`,
    )
  }
  if (kind.maxBytes !== undefined) {
    for (const [i, part] of out.parts.entries()) {
      const bytes = Buffer.byteLength(part.text, 'utf8')
      if (bytes > kind.maxBytes)
        out.errors.push(
          `${channel.name} (${kind.label}): part ${i + 1} is ${bytes} bytes of UTF-8, over the limit of ${kind.maxBytes}`,
        )
    }
  }
  return out
}

/**
 * Mentions a fact puts into a post that the channel's platform would notify (an
 * `@user@domain` on Mastodon): facts come from people mid-incident, and a handle typed into
 * one pings that person. One message per mention, naming the fact.
 */
export function factMentions(channel: ChannelConfig, text: string, facts: Facts): string[] {
  const found = channel.kind.notifies?.(text) ?? []
  if (found.length === 0) return []
  const values = Object.entries(facts).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => [name, String(v ?? '').toLowerCase()] as const),
  )
  const out: string[] = []
  for (const mention of new Set(found)) {
    const fact = values.find(([, v]) => v.includes(mention.toLowerCase()))?.[0]
    if (fact)
      out.push(
        `"${mention}" (from fact "${fact}") will mention and notify that account on ${channel.kind.label}; write it without the leading @ if no one should be notified`,
      )
  }
  return out
}

/** Which limit a channel whose server sets it was measured against, in words; undefined for other channels. */
export function describeLimit(channel: ChannelConfig, server?: PlatformLimits): string | undefined {
  const kind = channel.kind
  if (!kind.limitsFrom) return undefined
  // The server may be named only in the environment (CANDOR_<CHANNEL>_INSTANCE), which rendering does not see.
  const source = kind.limitsFrom(channel.options) ?? `the ${kind.label} server`
  if (kind.limitConfigurable && typeof channel.options.max_length === 'number')
    return `limit ${channel.options.max_length} from max_length in the playbook`
  if (server) {
    const urls = server.urlLength !== undefined ? `, URLs count ${server.urlLength}` : ''
    return `limit ${server.maxLength}${urls}, as ${source} said at ${server.readAt.slice(0, 16).replace('T', ' ')} UTC`
  }
  return `limit ${kind.defaultLimit} assumed (${kind.label}'s default): ${source} has not been asked yet; publish reads its own limit`
}

/**
 * Renders every post of one phase with the given (already resolved) facts and
 * measures each against its channel's limit, splitting into a thread where the
 * channel threads. Never touches the network.
 */
export function renderPhase(playbook: Playbook, phaseName: string, facts: Facts, opts: RenderOptions): RenderedPhase {
  const phase = findPhase(playbook, phaseName)
  const posts = selectPosts(playbook, phase, opts.channels)

  // Strictness: every fact any selected template reads must be declared, all named at once.
  const undeclared = new Set<string>()
  for (const post of posts)
    for (const ref of analyzeTemplate(post.template.text).facts)
      if (!playbook.facts.has(ref.name)) undeclared.add(ref.name)
  if (undeclared.size > 0) {
    throw new CandorError(
      `templates use undeclared ${undeclared.size === 1 ? 'fact' : 'facts'} ${[...undeclared].map((f) => `"${f}"`).join(', ')}`,
      {
        code: 'undeclared_facts',
        suggestions: [
          'Declare them under "facts:" in the playbook, or run `candor playbook validate` to see where they are used',
        ],
      },
    )
  }

  const allow = checkAllowedRules(opts.allow)
  const {data, nextUpdateDue} = renderData(playbook, phase, opts)
  const rendered = posts.map((post) =>
    renderPost(playbook, post, facts, data, {
      allow,
      server: opts.limits?.get(post.channel),
      credentials: opts.credentials,
    }),
  )
  return {playbook: playbook.name, phase: phase.name, nextUpdateDue: nextUpdateDue?.toISOString(), posts: rendered}
}

/** The built-ins (`@phase`, `@now`, `@next_update`, …) shared by every post of a phase. */
export function renderData(
  playbook: Playbook,
  phase: Phase,
  opts: Pick<RenderOptions, 'now' | 'incident' | 'update'>,
): {data: Record<string, unknown>; nextUpdateDue?: Date} {
  const startedAt = opts.incident?.startedAt ?? opts.now
  const cadence = promisedCadence(phase, opts.now.getTime() - startedAt.getTime())
  const nextUpdateDue = cadence ? new Date(opts.now.getTime() + cadence) : undefined
  const data = {
    phase: phase.name,
    playbook: playbook.name,
    now: opts.now,
    next_update: nextUpdateDue,
    incident: {id: opts.incident?.id ?? 'preview', started_at: startedAt},
    update: opts.update ?? 1,
  }
  return {data, nextUpdateDue}
}

/**
 * Renders one post: fills its template, measures it against the channel's limit and
 * runs the policy. `locale`/`template` render another language's version (for lint).
 */
export function renderPost(
  playbook: Playbook,
  post: PostSpec,
  facts: Facts,
  baseData: Record<string, unknown>,
  opts: {
    allow?: readonly string[]
    locale?: string
    template?: TemplateSource
    server?: PlatformLimits
    credentials?: readonly ConfiguredCredential[]
  } = {},
): RenderedPost {
  const channel = playbook.channels.get(post.channel)!
  const kind = channel.kind
  const locale = opts.locale ?? channelLocale(playbook, channel)
  const source = (opts.template ?? post.template).text
  const data = {...baseData, channel: channel.name, locale}
  const format = kind.format === 'html' ? 'html' : 'text'
  const text = runTemplate(source, format, facts, data).trim()
  const out: RenderedPost = {
    channel: channel.name,
    type: channel.type,
    parts: [],
    warnings: [],
    errors: [],
    violations: [],
  }
  for (const option of ['title', 'subject', 'link'] as const) {
    const optionSource = channel.options[option]
    if (typeof optionSource === 'string' && kind.options[option]?.type === 'template')
      out[option] = runTemplate(optionSource, 'text', facts, data).trim()
  }
  if (kind.htmlPart) out.html = textToHtml(runTemplate(source, 'html', facts, data).trim())

  const measured = measurePost(channel, text, opts.server)
  const limitNote = describeLimit(channel, opts.server)
  if (limitNote) out.limitNote = limitNote
  const policy = enforcePolicy(playbook, channel, [text, out.title, out.subject, out.link], facts, opts.allow, {
    locale,
    credentials: opts.credentials,
  })
  out.parts = measured.parts
  out.warnings = [...measured.warnings, ...factMentions(channel, text, facts), ...policy.warnings]
  out.errors = [...measured.errors, ...policy.errors]
  out.violations = policy.violations
  return out
}

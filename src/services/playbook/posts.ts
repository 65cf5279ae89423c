import path from 'node:path'
import {rendersHtml} from '../../channels/kind.js'
import {templateLocale} from '../../domain/playbook/locale.js'
import type {ChannelConfig, PostSpec, SourceRef, TemplateSource} from '../../domain/playbook/model.js'
import {displayPath, localizedTemplatePath, readTemplateFile} from './files.js'
import {describe, isMapping, type Path, type ProblemList} from './problems.js'
import type {FactUse, TemplateChecks} from './template-checks.js'

const POST_KEYS = ['template', 'text']

/** One locale's version of a post. `fresh`: checked for the first time here (a shared translation is reported once). */
interface Version {
  source: TemplateSource
  facts: FactUse[]
  fresh?: boolean
}

/** A translation file as read once for every post that shares it. */
interface TranslationFile {
  source?: TemplateSource
  facts?: FactUse[]
  error?: string
  fresh?: boolean
}

export interface PostContext {
  channels: ReadonlyMap<string, ChannelConfig>
  /** Whether the playbook lists a channel, also one whose settings were refused. */
  declaresChannel: (name: string) => boolean
  locales: readonly string[]
  playbookDir: string
  templatesOf?: readonly string[]
}

/**
 * Reads the posts of a playbook's phases: each post's versions (the default locale's from
 * `template` or `text`, the others from `NAME.LOCALE.hbs` beside the template or from a
 * `text` mapping), checked, and the one its channel posts.
 */
export class PostReader {
  private readonly defaultLocale: string
  /** The playbook's folder resolved once per folder (real paths of templates are checked against it). */
  private readonly realDirs = new Map<string, string>()
  private readonly translationFiles = new Map<string, TranslationFile>()

  constructor(
    private readonly list: ProblemList,
    private readonly templates: TemplateChecks,
    private readonly ctx: PostContext,
  ) {
    this.defaultLocale = ctx.locales[0]
  }

  /** The post of phase `phaseName` on `channelName`; undefined when it has problems. */
  read(phaseName: string, channelName: string, rawPost: unknown): PostSpec | undefined {
    const {problem, unknownKeys} = this.list
    const {channels, locales} = this.ctx
    const pp: Path = ['phases', phaseName, 'posts', channelName]
    if (!channels.has(channelName) && !this.ctx.declaresChannel(channelName)) {
      problem(
        pp,
        `phase "${phaseName}" posts to channel "${channelName}", which is not defined (channels: ${[...channels.keys()].join(', ') || 'none'})`,
        true,
      )
    }
    const post = typeof rawPost === 'string' ? {text: rawPost} : rawPost
    if (!isMapping(post)) {
      problem(pp, `post for "${channelName}" must be { template: FILE } or { text: "..." }; found ${describe(rawPost)}`)
      return undefined
    }
    unknownKeys(post, POST_KEYS, pp, `post "${phaseName}.${channelName}"`)
    const hasTemplate = post.template !== undefined
    const hasText = post.text !== undefined
    if (hasTemplate === hasText) {
      problem(pp, `post "${phaseName}.${channelName}" needs exactly one of "template" (a file) or "text" (inline)`)
      return undefined
    }
    const what = `post "${phaseName}.${channelName}"`
    const textPath: Path = typeof rawPost === 'string' ? pp : [...pp, 'text']
    const versions = hasText
      ? this.inlineVersions(post.text, textPath, what)
      : this.fileVersions(post.template, pp, what)
    this.checkTranslationFacts(versions, what)

    const htmlChannel = channels.get(channelName)
    if (this.templates.checking && htmlChannel && rendersHtml(htmlChannel.kind)) {
      for (const [loc, version] of versions) {
        if (loc !== this.defaultLocale && this.ctx.templatesOf && !this.templates.postedLocales.has(loc)) continue
        this.templates.refuseUnescaped(
          version.source,
          loc === this.defaultLocale ? what : `${what} (${loc})`,
          htmlChannel,
        )
      }
    }

    // The version the channel posts: its locale's, or the default.
    const defaultLocale = this.defaultLocale
    const channelTag = channels.get(channelName)?.options.locale
    const need = typeof channelTag === 'string' ? (templateLocale(channelTag, locales) ?? defaultLocale) : defaultLocale
    const template = versions.get(need)?.source
    const textMap = hasText && isMapping(post.text)
    const defaultMissingReported = need === defaultLocale && !textMap
    if (!template && !defaultMissingReported && (hasText || typeof post.template === 'string')) {
      const expected = hasText
        ? `a "${need}" entry under "text"`
        : `the file ${localizedTemplatePath(post.template as string, need)}`
      problem(
        hasText ? textPath : [...pp, 'template'],
        `${what}: channel "${channelName}" posts in ${need}, but there is no ${need} version of this post (expected ${expected})`,
      )
    }
    if (!template) return undefined
    return {channel: channelName, template, versions: new Map([...versions].map(([loc, v]) => [loc, v.source]))}
  }

  /** The versions of an inline post: `text` as the default locale's, or a mapping of locale to text. */
  private inlineVersions(text: unknown, textPath: Path, what: string): Map<string, Version> {
    const {problem, at, file: shown} = this.list
    const {locales} = this.ctx
    const check = this.templates.check
    const versions = new Map<string, Version>()
    if (typeof text === 'string') {
      const ref = at(textPath)
      versions.set(this.defaultLocale, {
        source: {kind: 'inline', text, at: ref},
        facts: check(text, {file: shown, base: ref}, what),
      })
    } else if (isMapping(text)) {
      for (const [loc, value] of Object.entries(text)) {
        if (!locales.includes(loc)) {
          problem(
            [...textPath, loc],
            `${what}: text for locale "${loc}", which is not one of the playbook's locales (${locales.join(', ')})`,
            true,
          )
        } else if (typeof value !== 'string') {
          problem([...textPath, loc], `${what}: the ${loc} text must be a string; found ${describe(value)}`)
        } else {
          const ref: SourceRef = at([...textPath, loc])
          versions.set(loc, {
            source: {kind: 'inline', text: value, at: ref},
            facts: check(value, {file: shown, base: ref}, `${what} (${loc})`, loc),
          })
        }
      }
    } else {
      problem(
        textPath,
        `${what}: "text" must be a string, or a mapping of locale to string like { en: "...", de: "..." }`,
      )
    }
    return versions
  }

  /** The versions of a post written in a template file: the file itself, and `NAME.LOCALE.hbs` beside it for the other locales. */
  private fileVersions(template: unknown, pp: Path, what: string): Map<string, Version> {
    const {problem} = this.list
    const {locales, playbookDir} = this.ctx
    const check = this.templates.check
    const versions = new Map<string, Version>()
    if (typeof template !== 'string' || template === '') {
      problem([...pp, 'template'], `${what}: "template" must be a file path relative to the playbook`)
      return versions
    }
    const templateFile = path.resolve(playbookDir, template)
    const rel = path.relative(playbookDir, templateFile)
    if (path.isAbsolute(template) || rel.startsWith('..') || path.isAbsolute(rel)) {
      problem(
        [...pp, 'template'],
        `${what}: template "${template}" is outside the playbook's folder; keep templates beside the playbook`,
      )
      return versions
    }
    const read = readTemplateFile(templateFile, playbookDir, this.realDirs)
    if (read.text === undefined)
      problem([...pp, 'template'], `${what}: cannot read template "${template}": ${read.error}`)
    else {
      versions.set(this.defaultLocale, {
        source: {kind: 'file', path: templateFile, display: displayPath(templateFile), text: read.text},
        facts: check(read.text, {file: displayPath(templateFile)}, what),
      })
    }
    for (const loc of locales.slice(1)) {
      const localized = path.resolve(playbookDir, localizedTemplatePath(template, loc))
      // A translation shared by several posts is read and checked once.
      // (Only checked reads are shared: an unchecked one has no facts to share.)
      let version = this.templates.checking ? this.translationFiles.get(localized) : undefined
      if (!version) {
        const read = readTemplateFile(localized, playbookDir, this.realDirs)
        version =
          read.text === undefined
            ? {error: read.error}
            : {
                source: {kind: 'file', path: localized, display: displayPath(localized), text: read.text},
                facts: check(read.text, {file: displayPath(localized)}, `${what} (${loc})`, loc),
                fresh: true,
              }
        if (this.templates.checking) this.translationFiles.set(localized, version)
        if (version.error !== undefined && version.error !== 'no such file')
          problem(
            [...pp, 'template'],
            `${what}: cannot read the ${loc} template "${localizedTemplatePath(template, loc)}": ${version.error}`,
          )
      } else version = {...version, fresh: false}
      if (version.source) versions.set(loc, {source: version.source, facts: version.facts ?? [], fresh: version.fresh})
    }
    return versions
  }

  /**
   * A translation may not read facts the default version does not: those facts would be
   * missing from the playbook's own checks and examples.
   */
  private checkTranslationFacts(versions: ReadonlyMap<string, Version>, what: string): void {
    const defaultLocale = this.defaultLocale
    const base = versions.get(defaultLocale)
    if (!base) return
    const baseFacts = new Set(base.facts.map((f) => f.name))
    for (const [loc, version] of versions) {
      if (loc === defaultLocale || version.fresh === false) continue
      const reported = new Set<string>()
      for (const f of version.facts) {
        if (baseFacts.has(f.name) || reported.has(f.name)) continue
        reported.add(f.name)
        this.list.problems.push({
          ...f.at,
          message: `${what}: the ${loc} version uses fact "${f.name}", which the ${defaultLocale} version does not; translations must use the same facts`,
        })
      }
    }
  }
}

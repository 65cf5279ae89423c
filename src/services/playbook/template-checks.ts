import type {ChannelConfig, FactSpec, SourceRef, TemplateSource} from '../../domain/playbook/model.js'
import {analyzeTemplate} from '../render/template.js'
import type {ProblemList} from './problems.js'

/** A template's origin: its own file, or (inline) the place in the playbook its text starts at. */
export interface TemplateOrigin {
  file: string
  base?: SourceRef
}

/** A fact a template reads, placed in its file. */
export interface FactUse {
  name: string
  at: SourceRef
}

/**
 * The checks every template of a playbook gets: syntax, helpers, declared facts, and no
 * unescaped output where a channel renders HTML. Problems are placed in the template's
 * file, or inside the playbook for inline ones.
 */
export class TemplateChecks {
  /** Off while reading the posts of a phase outside `templatesOf`. */
  checking = true
  /**
   * The languages channels post in, known once the channels are read: with `templatesOf`,
   * translations into the others are left to full validation.
   */
  postedLocales = new Set<string>()
  private readonly lines: string[]
  /** Each unescaped place is reported once, also when several posts share the template. */
  private readonly unescapedReported = new Set<string>()

  constructor(
    private readonly list: ProblemList,
    playbookText: string,
    private readonly facts: ReadonlyMap<string, FactSpec>,
    private readonly templatesOf?: readonly string[],
  ) {
    this.lines = playbookText.split('\n')
  }

  /** Turns a place within a template into a place in its file (inline ones sit inside the playbook). */
  placeIn(origin: TemplateOrigin): (line: number, col: number) => SourceRef {
    // An inline template's text starts after its opening quote, or on the line after a block scalar's | or >.
    let base = origin.base
    if (base) {
      const first = this.lines[base.line - 1]?.[base.col - 1]
      if (first === '"' || first === "'") base = {...base, col: base.col + 1}
      else if (first === '|' || first === '>') {
        const next = this.lines[base.line] ?? ''
        base = {...base, line: base.line + 1, col: next.length - next.trimStart().length + 1}
      }
    }
    return (line: number, col: number): SourceRef =>
      base
        ? {file: base.file, line: base.line + line - 1, col: line === 1 ? base.col + col - 1 : col}
        : {file: origin.file, line, col}
  }

  /**
   * Checks a template's syntax, helpers and facts; returns the facts it reads, placed in
   * their file. `translation`: the locale of a version other than the default.
   */
  check = (source: string, origin: TemplateOrigin, what: string, translation?: string): FactUse[] => {
    if (!this.checking) return []
    // With templatesOf, a translation no channel posts in is left to `playbook validate`.
    if (translation !== undefined && this.templatesOf && !this.postedLocales.has(translation)) return []
    const analysis = analyzeTemplate(source)
    const place = this.placeIn(origin)
    for (const issue of analysis.issues)
      this.list.problems.push({...place(issue.line, issue.col), message: `${what}: ${issue.message}`})
    for (const ref of analysis.facts) {
      if (!this.facts.has(ref.name)) {
        const declared = [...this.facts.keys()].join(', ') || 'none'
        this.list.problems.push({
          ...place(ref.line, ref.col),
          message: `${what}: uses fact "${ref.name}", which the playbook does not declare (declared: ${declared})`,
        })
      }
    }
    return analysis.facts.map((ref) => ({name: ref.name, at: place(ref.line, ref.col)}))
  }

  /** In a template that renders into HTML, `{{{x}}}` and `{{& x}}` would put a fact's markup in the page: refused (each place once). */
  refuseUnescaped(source: TemplateSource, what: string, channel: ChannelConfig): void {
    const place = this.placeIn(
      source.kind === 'file' ? {file: source.display} : {file: this.list.file, base: source.at},
    )
    for (const out of analyzeTemplate(source.text).unescaped) {
      const at = place(out.line, out.col)
      const key = `${at.file}:${at.line}:${at.col}`
      if (this.unescapedReported.has(key)) continue
      this.unescapedReported.add(key)
      const plain = out.expression.replace(
        /^\{\{\{\s*(.*?)\s*\}\}\}$|^\{\{&\s*(.*?)\s*\}\}$/s,
        (_, a: string | undefined, b: string | undefined) => `{{${a ?? b}}}`,
      )
      this.list.problems.push({
        ...at,
        message: `${what}: ${out.expression} writes a value unescaped into HTML (channel "${channel.name}" is ${channel.kind.label}); write ${plain} instead: Candor escapes values in HTML and keeps the markup the template itself writes`,
      })
    }
  }
}

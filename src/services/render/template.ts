import Handlebars from 'handlebars'
import {HELPER_NAMES, HELPER_SIGNATURES, TEMPLATE_HELPERS} from './helpers.js'
import {templateCache} from './template-cache-port.js'

/** Built-in data variables every template sees as `@name` (documented in docs/playbooks.md). */
export const BUILTIN_DATA = [
  'phase',
  'playbook',
  'now',
  'next_update',
  'incident',
  'update',
  'channel',
  'locale',
] as const
// Handlebars' own data variables inside blocks.
const HANDLEBARS_DATA = new Set(['index', 'key', 'first', 'last', 'root'])
const SCOPING_BLOCKS = new Set(['each', 'with'])

export interface TemplateIssue {
  message: string
  /** 1-based, within the template text. */
  line: number
  col: number
}

export interface FactReference {
  name: string
  line: number
  col: number
}

/** An expression written out unescaped (`{{{x}}}` or `{{& x}}`), as written, with its place. */
export interface UnescapedOutput {
  expression: string
  line: number
  col: number
}

export interface TemplateAnalysis {
  facts: FactReference[]
  issues: TemplateIssue[]
  /** Unescaped outputs: harmless in text, refused in templates that render into HTML. */
  unescaped: UnescapedOutput[]
}

type Node = hbs.AST.Node & {loc?: hbs.AST.SourceLocation}

// Trees parsed by analyzeTemplate, handed to the first compile of the same source so a
// template is parsed once per run (Handlebars' parser is the costliest step of a preview).
// Compiling modifies a tree, so each is used once.
const parsed = new Map<string, hbs.AST.Program>()

const engine = Handlebars.create()
// Handlebars' `log` writes to stdout (breaking --json) and has no place in a post.
engine.unregisterHelper('log')
for (const [name, fn] of Object.entries(TEMPLATE_HELPERS)) engine.registerHelper(name, fn)
const knownHelpers = Object.fromEntries(Object.keys(TEMPLATE_HELPERS).map((n) => [n, true]))

function where(node: Node | undefined): {line: number; col: number} {
  return {line: node?.loc?.start.line ?? 1, col: (node?.loc?.start.column ?? 0) + 1}
}

/**
 * Parses a template and lists the facts it reads, without running it. Syntax errors,
 * unknown helpers, unknown `@` built-ins and partials come back as issues with positions.
 */
export function analyzeTemplate(source: string): TemplateAnalysis {
  // Loading a playbook and rendering a phase both ask; the answer never changes.
  let analysis = analyses.get(source)
  if (!analysis) {
    // On disk only when clean: problems are reported from a fresh parse, in today's words.
    const cache = templateCache()
    const input = `${ANALYSIS_CONTEXT}\u0000${source}`
    // (Entries from before `unescaped` was kept hold only the facts: analysed again.)
    const cached = cache?.get('facts', input) as Pick<TemplateAnalysis, 'facts' | 'unescaped'> | undefined
    if (Array.isArray(cached?.facts) && Array.isArray(cached.unescaped))
      analysis = {facts: cached.facts, unescaped: cached.unescaped, issues: []}
    else {
      analysis = analyze(source)
      if (analysis.issues.length === 0)
        cache?.set('facts', input, {facts: analysis.facts, unescaped: analysis.unescaped})
    }
    analyses.set(source, analysis)
  }
  return analysis
}

const analyses = new Map<string, TemplateAnalysis>()
// What else an analysis depends on: the helpers and built-ins a template may use.
// (Analyses are kept only when clean: the signatures are part of what made one clean.)
const ANALYSIS_CONTEXT = `2|${JSON.stringify(HELPER_SIGNATURES)}|${BUILTIN_DATA.join(',')}`

function analyze(source: string): TemplateAnalysis {
  const facts: FactReference[] = []
  const issues: TemplateIssue[] = []
  const unescaped: UnescapedOutput[] = []
  let ast: hbs.AST.Program
  try {
    // Unprocessed: whitespace control changes no expression, and compile applies it later.
    ast = Handlebars.parseWithoutProcessing(source)
    parsed.set(source, ast)
  } catch (error) {
    issues.push(parseErrorIssue(error))
    return {facts, issues, unescaped}
  }
  const lines = source.split('\n')
  const written = (node: Node): string => {
    const {start, end} = node.loc!
    if (start.line === end.line) return lines[start.line - 1]!.slice(start.column, end.column)
    return lines[start.line - 1]!.slice(start.column) + '…'
  }

  const visitPath = (path: hbs.AST.PathExpression, scope: number) => {
    const at = where(path as Node)
    if (path.data) {
      const head = path.parts[0]
      if (head === 'root' && path.parts.length > 1) facts.push({name: path.parts[1], ...at})
      else if (!HANDLEBARS_DATA.has(head) && !(BUILTIN_DATA as readonly string[]).includes(head)) {
        issues.push({
          message: `unknown built-in "@${head}" (built-ins: ${BUILTIN_DATA.map((b) => '@' + b).join(', ')})`,
          ...at,
        })
      }
      return
    }
    if (path.parts.length === 0) return // `this`
    // Inside {{#each}}/{{#with}} plain paths read the block's own context, not facts.
    if (scope > 0 && path.depth < scope) return
    facts.push({name: path.parts[0], ...at})
  }

  const visitExpr = (node: hbs.AST.Expression, scope: number) => {
    if (node.type === 'PathExpression') visitPath(node as hbs.AST.PathExpression, scope)
    else if (node.type === 'SubExpression') visitCall(node as hbs.AST.SubExpression, scope)
  }

  const visitCall = (
    node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression,
    scope: number,
  ): {helper?: string} => {
    const path = node.path as hbs.AST.PathExpression
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0
    const name = path.type === 'PathExpression' && !path.data && path.parts.length === 1 ? path.parts[0] : undefined
    let helper: string | undefined
    if (name === 'log')
      issues.push({
        message: '"log" is not available in Candor templates (it writes to the terminal, not the post); remove it',
        ...where(path as Node),
      })
    else if (name && HELPER_NAMES.has(name)) {
      helper = name
      issues.push(...checkCall(name, node))
    } else if (hasArgs)
      issues.push({
        message: `unknown helper "${path.original}" (helpers: ${[...HELPER_NAMES].join(', ')})`,
        ...where(path as Node),
      })
    else visitExpr(path, scope)
    for (const p of node.params) visitExpr(p, scope)
    for (const pair of node.hash?.pairs ?? []) visitExpr(pair.value, scope)
    return {helper}
  }

  const visitProgram = (program: hbs.AST.Program | undefined, scope: number) => {
    for (const statement of program?.body ?? []) {
      switch (statement.type) {
        case 'MustacheStatement':
          visitCall(statement as hbs.AST.MustacheStatement, scope)
          if (!(statement as hbs.AST.MustacheStatement).escaped)
            unescaped.push({expression: written(statement as Node), ...where(statement as Node)})
          break
        case 'BlockStatement': {
          const block = statement as hbs.AST.BlockStatement
          const {helper} = visitCall(block, scope)
          const inner = !helper || SCOPING_BLOCKS.has(helper) ? scope + 1 : scope
          visitProgram(block.program, inner)
          visitProgram(block.inverse, scope)
          break
        }
        case 'PartialStatement':
        case 'PartialBlockStatement':
        case 'DecoratorBlock':
        case 'Decorator':
          issues.push({
            message: 'partials and decorators are not supported in Candor templates',
            ...where(statement as Node),
          })
          break
        default:
          break
      }
    }
  }

  visitProgram(ast, 0)
  return {facts, issues, unescaped}
}

/** A literal argument's value as text (`"date"`, `true`, `3`); undefined for paths and subexpressions. */
function literal(node: hbs.AST.Expression): string | undefined {
  const value = (node as {value?: unknown}).value
  return node.type === 'StringLiteral' || node.type === 'BooleanLiteral' || node.type === 'NumberLiteral'
    ? String(value)
    : undefined
}

/** Checks one helper call against its declared signature (helpers.ts): arguments, options, literal values, block or not. */
function checkCall(
  name: string,
  node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression,
): TemplateIssue[] {
  const sig = HELPER_SIGNATURES[name]
  const issues: TemplateIssue[] = []
  const at = where(node.path as Node)
  const usage = `{{${sig.form === 'block' ? '#' : ''}${name} ${sig.args.map((a, i) => (i < sig.required ? a : `[${a}]`)).join(' ')}}}`
  const isBlock = node.type === 'BlockStatement'
  if (sig.form === 'block' && !isBlock)
    issues.push({message: `"${name}" is a block helper: write ${usage}…{{/${name}}}`, ...at})
  if (sig.form === 'inline' && isBlock) issues.push({message: `"${name}" is not a block helper: write ${usage}`, ...at})
  const given = node.params.length
  if (given < sig.required || given > sig.args.length) {
    const expected = sig.required === sig.args.length ? `${sig.required}` : `${sig.required} to ${sig.args.length}`
    issues.push({
      message: `"${name}" takes ${expected} ${sig.args.length === 1 ? 'argument' : 'arguments'} (${sig.args.join(', ')}), found ${given}: write ${usage}`,
      ...at,
    })
  }
  const known = Object.keys(sig.options)
  for (const pair of node.hash?.pairs ?? []) {
    const option = sig.options[pair.key]
    const pairAt = where(pair as unknown as Node)
    if (!option) {
      issues.push({
        message: `"${name}" has no option "${pair.key}" (${known.length > 0 ? `options: ${known.join(', ')}` : 'it takes no options'})`,
        ...pairAt,
      })
      continue
    }
    const value = literal(pair.value)
    if (value === undefined) continue // a fact or built-in: known only when rendering
    if (option.values && !option.values.includes(value))
      issues.push({message: `"${name}": unknown ${pair.key} "${value}" (use ${option.values.join(', ')})`, ...pairAt})
    const bad = option.check?.(value)
    if (bad) issues.push({message: `"${name}": ${bad}`, ...pairAt})
  }
  return issues
}

function parseErrorIssue(error: unknown): TemplateIssue {
  const e = error as {
    message?: string
    lineNumber?: number
    column?: number
    hash?: {loc?: {first_line: number; first_column: number}}
  }
  const message = String(e.message ?? error)
  const line = e.hash?.loc?.first_line ?? e.lineNumber ?? Number(/on line (\d+)/.exec(message)?.[1] ?? 1)
  const col = (e.hash?.loc?.first_column ?? e.column ?? 0) + 1
  // Jison's message spans several lines (a caret drawing); keep the gist on one line. A parse
  // error ends with what was expected; a lexical one says it first, then quotes the source.
  if (message.startsWith('Lexical error'))
    return {message: 'template syntax error: unrecognized text (an unclosed {{!-- comment, or a stray {{?)', line, col}
  const gist =
    message
      .split('\n')
      .filter((l) => l.trim() && !/^[-\s^]*$/.test(l) && !/^\.\.\./.test(l))
      .pop() ?? message
  return {message: `template syntax error: ${gist.replace(/^Parse error on line \d+:\s*/, '')}`, line, col}
}

export type TemplateFormat = 'text' | 'html'

const compiled = new Map<string, HandlebarsTemplateDelegate>()

/** Compiles (once per source and format) and runs a template. `html` escapes values. */
export function runTemplate(
  source: string,
  format: TemplateFormat,
  context: Record<string, unknown>,
  data: Record<string, unknown>,
): string {
  const key = `${format}\u0000${source}`
  let template = compiled.get(key)
  if (!template) {
    template = compileTemplate(source, format)
    compiled.set(key, template)
  }
  // A null-prototype context: fact names like "constructor" can never reach Object.prototype.
  const ctx = Object.assign(Object.create(null) as Record<string, unknown>, context)
  return template(ctx, {data, allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false})
}

/**
 * Handlebars' precompiled code for a template, from the disk cache when this exact
 * source was compiled before (see infrastructure/template-cache.ts), else compiled now and kept.
 */
function compileTemplate(source: string, format: TemplateFormat): HandlebarsTemplateDelegate {
  const options = {noEscape: format !== 'html', knownHelpers, knownHelpersOnly: false, strict: false}
  const cache = templateCache()
  // HTML escapes every output, `{{{x}}}` and `{{& x}}` too: marked in the key, so code
  // compiled before that rule is never reused.
  const input = `${Handlebars.VERSION}|${JSON.stringify(options)}${format === 'html' ? '|escape-all' : ''}\u0000${source}`
  let spec = cache?.get('compiled', input)
  if (typeof spec !== 'string') {
    const ast = parsed.get(source) ?? Handlebars.parseWithoutProcessing(source)
    parsed.delete(source)
    if (format === 'html') escapeEveryOutput(ast)
    spec = engine.precompile(ast, options) as string
    cache?.set('compiled', input, spec)
  }
  // The same step Handlebars' own compile ends with: its generated code becomes functions.
  return engine.template(new Function(`return ${spec as string}`)() as TemplateSpecification)
}

/**
 * Makes every `{{{x}}}` and `{{& x}}` of a parsed template escape like `{{x}}`: in HTML a
 * fact is text, never markup (`playbook validate` refuses them there; this is the backstop).
 */
function escapeEveryOutput(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) escapeEveryOutput(child)
    return
  }
  if (!node || typeof node !== 'object') return
  const n = node as {type?: string; escaped?: boolean}
  if (n.type === 'MustacheStatement') n.escaped = true
  for (const [key, value] of Object.entries(node))
    if (key !== 'loc' && value && typeof value === 'object') escapeEveryOutput(value)
}

export function escapeHtml(text: string): string {
  return Handlebars.Utils.escapeExpression(text)
}

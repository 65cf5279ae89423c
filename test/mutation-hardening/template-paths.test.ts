/**
 * The template engine in-process: what analysis finds in a template (facts and where, scopes,
 * built-ins, helpers called wrongly, partials, unescaped outputs, syntax errors), what rendering
 * does (whitespace control, missing values, the prototype) and what it keeps in the template cache,
 * above all that HTML output is escaped whatever the cache holds. Each test registers its own
 * in-memory cache (or none), so the compile path runs whether or not CANDOR_CACHE is off.
 * Written from the mutants of services/render/template.ts.
 */
import Handlebars from 'handlebars'
import {afterEach, describe, expect, it} from 'vitest'
import {processTemplateCache} from '../../src/infrastructure/template-cache.js'
import {type TemplateCache, useTemplateCache} from '../../src/services/render/template-cache-port.js'
import {analyzeTemplate, escapeHtml, runTemplate} from '../../src/services/render/template.js'

/** A cache in memory; entries by kind and input. */
class MemoryCache implements TemplateCache {
  readonly entries = new Map<string, unknown>()
  get(kind: string, input: string): unknown {
    return this.entries.get(`${kind}|${input}`)
  }
  set(kind: string, input: string, value: unknown): void {
    this.entries.set(`${kind}|${input}`, value)
  }
  keys(kind: string): string[] {
    return [...this.entries.keys()].filter((k) => k.startsWith(`${kind}|`)).map((k) => k.slice(kind.length + 1))
  }
}

function withCache(): MemoryCache {
  const cache = new MemoryCache()
  useTemplateCache(() => cache)
  return cache
}

// Analyses and compiled templates are also kept per process: every test uses sources of its own.
let serial = 0
const unique = (source: string) => `${source}<!-- ${++serial} ${Math.random()} -->`

afterEach(() => useTemplateCache(processTemplateCache))

const messages = (source: string) => analyzeTemplate(source).issues.map((i) => i.message)

describe('analyzeTemplate: facts', () => {
  it('lists the facts a template reads, with 1-based line and column, @root ones too', () => {
    useTemplateCache(() => null)
    expect(analyzeTemplate('Hi {{service}}\n  {{@root.eta}} {{@root}} {{@index}} {{this}}')).toEqual({
      facts: [
        {name: 'service', line: 1, col: 6},
        {name: 'eta', line: 2, col: 5},
      ],
      issues: [],
      unescaped: [],
    })
  })

  it('reads paths inside {{#each}} and {{#with}} as the block context, inside {{#if}} and {{else}} as facts', () => {
    useTemplateCache(() => null)
    const names = (source: string) => analyzeTemplate(source).facts.map((f) => f.name)
    expect(names('{{#each regions}}{{name}} {{../service}} {{@index}}{{else}}{{eta}}{{/each}}')).toEqual([
      'regions',
      'service',
      'eta',
    ])
    expect(names('{{#with owner}}{{name}}{{/with}}')).toEqual(['owner'])
    expect(names('{{#if eta}}{{eta}} {{service}}{{else}}{{impact}}{{/if}}')).toEqual([
      'eta',
      'eta',
      'service',
      'impact',
    ])
    expect(names('{{#unless eta}}{{service}}{{/unless}}')).toEqual(['eta', 'service'])
    // A fact as a block opens its own context, as {{#each}} does.
    expect(names('{{#owner}}{{name}} {{../service}}{{/owner}}')).toEqual(['owner', 'service'])
    expect(names('{{default (list regions conjunction=how) "none"}} {{time t tz=zone}}')).toEqual([
      'regions',
      'how',
      't',
      'zone',
    ])
  })
})

describe('analyzeTemplate: issues', () => {
  it('names unknown built-ins, listing the ones there are', () => {
    useTemplateCache(() => null)
    expect(analyzeTemplate('ok {{@foo}}').issues).toEqual([
      {
        message:
          'unknown built-in "@foo" (built-ins: @phase, @playbook, @now, @next_update, @incident, @update, @channel, @locale)',
        line: 1,
        col: 6,
      },
    ])
    expect(messages('{{@phase}} {{@root.x}} {{#each r}}{{@key}}{{@first}}{{@last}}{{/each}}')).toEqual([])
  })

  it('refuses log, unknown helpers with arguments, partials and decorators', () => {
    useTemplateCache(() => null)
    expect(analyzeTemplate('{{log service}}')).toMatchObject({
      issues: [
        {
          message: '"log" is not available in Candor templates (it writes to the terminal, not the post); remove it',
          line: 1,
          col: 3,
        },
      ],
      facts: [{name: 'service'}],
    })
    expect(analyzeTemplate('{{shout service}}').issues).toEqual([
      {
        message:
          'unknown helper "shout" (helpers: time, since, relative, list, plural, default, if, unless, each, with, lookup)',
        line: 1,
        col: 3,
      },
    ])
    expect(messages('{{shout x=1}}')).toHaveLength(1)
    expect(messages('{{@phase service}}')[0]).toMatch(/^unknown helper "@phase"/)
    for (const source of ['{{> foo}}', 'a {{#> foo}}x{{/foo}}', '{{* foo}}', '{{#* inline "x"}}y{{/inline}}'])
      expect(messages(source), source).toEqual(['partials and decorators are not supported in Candor templates'])
  })

  it('checks block and inline use and the number of arguments, with the usage', () => {
    useTemplateCache(() => null)
    expect(messages('{{each items}}')).toEqual(['"each" is a block helper: write {{#each items}}…{{/each}}'])
    expect(messages('{{#time t}}x{{/time}}')).toEqual(['"time" is not a block helper: write {{time value}}'])
    expect(messages('{{time}}')).toEqual(['"time" takes 1 argument (value), found 0: write {{time value}}'])
    expect(messages('{{time a b}}')).toEqual(['"time" takes 1 argument (value), found 2: write {{time value}}'])
    expect(messages('{{plural n}}')).toEqual([
      '"plural" takes 2 to 3 arguments (count, singular, plural), found 1: write {{plural count singular [plural]}}',
    ])
    expect(messages('{{plural n "a" "b"}}')).toEqual([])
    expect(messages('{{plural n "a" "b" "c"}}')).toHaveLength(1)
    expect(messages('{{default a}}')).toEqual([
      '"default" takes 2 arguments (value, fallback), found 1: write {{default value fallback}}',
    ])
    expect(messages('{{#if a}}x{{/if}} {{#each r}}{{/each}} {{lookup a "b"}}')).toEqual([])
  })

  it('checks options: unknown names, literal values against the list and the check, where they stand', () => {
    useTemplateCache(() => null)
    expect(analyzeTemplate('{{time t zone="UTC"}}').issues).toEqual([
      {message: '"time" has no option "zone" (options: format, tz, locale)', line: 1, col: 10},
    ])
    expect(messages('{{default a b x=1}}')).toEqual(['"default" has no option "x" (it takes no options)'])
    expect(analyzeTemplate('{{time t format=3 tz="Mars/Base"}}').issues).toEqual([
      {message: '"time": unknown format "3" (use time, date, datetime, iso)', line: 1, col: 10},
      {
        message: '"time": unknown time zone "Mars/Base" (use an IANA name like Europe/Berlin or UTC)',
        line: 1,
        col: 19,
      },
    ])
    expect(messages('{{#if a includeZero=false}}x{{/if}}')).toEqual([])
    expect(messages('{{#if a includeZero="no"}}x{{/if}}')).toEqual(['"if": unknown includeZero "no" (use true, false)'])
    expect(messages('{{time t format="date" tz="UTC" locale="de"}} {{time t format=fmt}}')).toEqual([])
    expect(messages('{{since t locale="??"}}')).toEqual([
      '"since": "??" is not a language tag (e.g. en, de, ja, en-US)',
    ])
  })

  it('makes a syntax error one issue, its gist on one line, at its place', () => {
    useTemplateCache(() => null)
    expect(analyzeTemplate('ok\n{{#if a}}x')).toEqual({
      facts: [],
      unescaped: [],
      issues: [
        {
          message: "template syntax error: Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'",
          line: 2,
          col: 1,
        },
      ],
    })
    const [issue] = analyzeTemplate('one\ntwo {{#if a}}x{{/each}}').issues
    expect(issue.message).toMatch(/^template syntax error: if doesn't match each\b/)
    expect(issue.message).not.toContain('\n')
    expect([issue.line, issue.col]).toEqual([2, 8]) // at the "if" that is not closed
  })
})

describe('analyzeTemplate: calls that only look like helpers', () => {
  it('takes only a plain one-word name as a helper, and checks literal booleans as values', () => {
    useTemplateCache(() => null)
    const helpers = '(helpers: time, since, relative, list, plural, default, if, unless, each, with, lookup)'
    expect(messages('{{time.zone t}}')).toEqual([`unknown helper "time.zone" ${helpers}`])
    expect(messages('{{@time t}}')).toEqual([`unknown helper "@time" ${helpers}`])
    expect(messages('{{"text" x}}')).toEqual([`unknown helper "text" ${helpers}`])
    expect(messages('{{time t format=true}}')).toEqual([
      '"time": unknown format "true" (use time, date, datetime, iso)',
    ])
  })

  it('places a syntax error past line 9 on its line, and never gives the caret drawing as the message', () => {
    useTemplateCache(() => null)
    const [late] = analyzeTemplate(`${'line\n'.repeat(11)}x {{/if}}`).issues
    expect(late).toEqual({message: "template syntax error: Expecting 'EOF', got 'OPEN_ENDBLOCK'", line: 12, col: 1})
    // A lexical error: Handlebars quotes the source after its message; say what is wrong instead.
    for (const source of ['{{!-- x', 'a fairly long line of text before it {{!-- x']) {
      const [issue] = analyzeTemplate(source).issues
      expect(issue.message, source).toBe(
        'template syntax error: unrecognized text (an unclosed {{!-- comment, or a stray {{?)',
      )
    }
  })
})

describe('analyzeTemplate: unescaped outputs', () => {
  it('lists {{{x}}} and {{& x}} as written, with their place, a multi-line one cut short', () => {
    useTemplateCache(() => null)
    expect(analyzeTemplate('a {{{service}}}\n  {{& impact }} {{eta}} {{{service\n}}}').unescaped).toEqual([
      {expression: '{{{service}}}', line: 1, col: 3},
      {expression: '{{& impact }}', line: 2, col: 3},
      {expression: '{{{service…', line: 2, col: 25},
    ])
  })
})

describe('analyzeTemplate and the cache', () => {
  it('keeps a clean analysis, facts and unescaped outputs, and answers again from the process', () => {
    const cache = withCache()
    const source = unique('{{{service}}} {{eta}}')
    const first = analyzeTemplate(source)
    expect(analyzeTemplate(source)).toBe(first)
    const [input] = cache.keys('facts')
    expect(input.endsWith(`\u0000${source}`)).toBe(true)
    expect(cache.get('facts', input)).toEqual({facts: first.facts, unescaped: first.unescaped})
    analyzeTemplate(unique('{{shout x}}'))
    analyzeTemplate(unique('{{#if}}'))
    expect(cache.keys('facts')).toHaveLength(1)
  })

  it("uses a cached analysis, and analyses again an entry from before 'unescaped' was kept", () => {
    const cache = withCache()
    const prefix = (() => {
      const source = unique('{{a}}')
      analyzeTemplate(source)
      const [input] = cache.keys('facts')
      return input.slice(0, input.length - source.length)
    })()
    expect(prefix).toMatch(/^2\|\{.*"plural".*\}\|phase,playbook,now,next_update,incident,update,channel,locale\u0000$/)
    const planted = unique('{{real}}')
    cache.set('facts', prefix + planted, {facts: [{name: 'planted', line: 9, col: 9}], unescaped: []})
    expect(analyzeTemplate(planted)).toEqual({facts: [{name: 'planted', line: 9, col: 9}], issues: [], unescaped: []})
    const old = unique('{{real}}')
    cache.set('facts', prefix + old, {facts: [{name: 'planted', line: 9, col: 9}]})
    expect(analyzeTemplate(old).facts.map((f) => f.name)).toEqual(['real'])
    const broken = unique('{{real}}')
    cache.set('facts', prefix + broken, {facts: 'x', unescaped: []})
    expect(analyzeTemplate(broken).facts.map((f) => f.name)).toEqual(['real'])
  })
})

describe('runTemplate', () => {
  it('escapes every output in HTML, inside blocks and their else too; text keeps values as written', () => {
    useTemplateCache(() => null)
    const evil = '<b>"x" & \'y\'</b>'
    const source = unique(
      '{{{a}}}|{{& a}}|{{#if a}}{{{a}}}{{else}}-{{/if}}|{{#each list}}{{{this}}}{{/each}}|{{#unless no}}{{{a}}}{{else}}{{{a}}}{{/unless}}|{{#with obj}}{{{v}}}{{/with}}',
    )
    const context = {a: evil, list: [evil], obj: {v: evil}}
    const escaped = escapeHtml(evil)
    expect(escaped).toBe('&lt;b&gt;&quot;x&quot; &amp; &#x27;y&#x27;&lt;/b&gt;')
    expect(runTemplate(source, 'html', context, {})).toMatch(
      new RegExp(`^${[1, 2, 3, 4, 5, 6].map(() => escaped).join('\\|')}<!--`),
    )
    expect(runTemplate(source, 'text', context, {})).toMatch(new RegExp(`^${Array(6).fill(evil).join('\\|')}<!--`))
    expect(escapeHtml('a=`b`')).toBe('a&#x3D;&#x60;b&#x60;')
  })

  it('never takes text-mode code from the cache for HTML, whichever was compiled first', () => {
    const cache = withCache()
    const source = unique('<p>{{{a}}}</p>')
    const context = {a: '<script>alert(1)</script>'}
    expect(runTemplate(source, 'text', context, {})).toContain('<script>')
    expect(runTemplate(source, 'html', context, {})).toContain('&lt;script&gt;')
    const keys = cache.keys('compiled')
    expect(keys).toHaveLength(2)
    expect(keys[0].startsWith(`${Handlebars.VERSION}|`)).toBe(true)
    expect(keys[0].endsWith(`\u0000${source}`)).toBe(true)
    expect(keys[1].endsWith(`|escape-all\u0000${source}`)).toBe(true)
    expect(keys[0]).not.toContain('escape-all')
    // Without an analysis first (nothing parsed to hand over), and in HTML first.
    const other = unique('<p>{{{a}}}</p>')
    expect(runTemplate(other, 'html', context, {})).toContain('&lt;script&gt;')
    expect(runTemplate(other, 'text', context, {})).toContain('<script>')
    analyzeTemplate(source)
  })

  it('runs code the cache holds for the same source, and compiles afresh over anything else', () => {
    const cache = withCache()
    const source = unique('{{a}}')
    runTemplate(source, 'text', {a: 'real'}, {})
    const [key] = cache.keys('compiled')
    const prefix = key.slice(0, key.length - source.length)
    const planted = unique('{{a}}')
    cache.set('compiled', prefix + planted, Handlebars.precompile('planted {{a}}', {noEscape: true}))
    expect(runTemplate(planted, 'text', {a: 1}, {})).toBe('planted 1')
    const junk = unique('{{a}}')
    cache.set('compiled', prefix + junk, 42)
    expect(runTemplate(junk, 'text', {a: 'fresh'}, {})).toMatch(/^fresh<!--/)
    expect(typeof cache.get('compiled', prefix + junk)).toBe('string')
  })

  it('applies whitespace control after an analysis, and renders a missing value as nothing', () => {
    useTemplateCache(() => null)
    const source = unique('{{#if a}}\n  yes\n{{/if}}\n[{{~b~}}  ]  {{missing.deep}}.')
    analyzeTemplate(source)
    expect(runTemplate(source, 'text', {a: true, b: 'B'}, {})).toMatch(/^ {2}yes\n\[B\] {2}\.<!--/)
  })

  it('reads facts and built-ins, never what the prototype would give', () => {
    useTemplateCache(() => null)
    const inherited = Object.create({greeting: 'inherited', greet: () => 'called'}) as object
    const source = unique('{{@phase}} {{a.greeting}}|{{a.greet}}|{{constructor}}|{{toString}}|{{b.own}}')
    expect(runTemplate(source, 'text', {a: inherited, b: {own: 'own'}}, {phase: 'p'})).toMatch(/^p \|\|\|\|own<!--/)
  })
})

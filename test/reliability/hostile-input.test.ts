import {chmodSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {CandorError} from '../../src/domain/errors.js'
import {resolveFacts, sanitizeFactText} from '../../src/domain/playbook/facts.js'
import {loadFactsFile} from '../../src/services/playbook/facts-file.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {renderPhase} from '../../src/services/render/render-phase.js'
import {graphemeLength, mastodonLength, xWeightedLength} from '../../src/domain/text/length.js'
import {splitIntoThread} from '../../src/domain/text/split.js'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'

const NOW = new Date('2026-11-25T14:00:00Z')
const basic = () => loadPlaybook(path.join(ROOT, 'test/fixtures/playbooks/basic/basic.yaml')).playbook!

function write(files: Record<string, string | Buffer>): string {
  const dir = tempDir()
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content)
  return dir
}

describe('hostile facts', () => {
  it('strips control, bidi-override and zero-width characters but keeps emoji sequences', () => {
    const family = '👨‍👩‍👧'
    expect(sanitizeFactText('Acme\u0000 Voice\u0007\r\nline\u202E2\u2066x\u2069\u200B\uFEFF ' + family)).toBe(
      `Acme Voice\nline2x ${family}`,
    )
    const facts = resolveFacts(basic(), {service: 'Evil\u202Eecivres', impact: 'x\u0008y', regions: ['E\u200BU']})
    expect(facts).toMatchObject({service: 'Evilecivres', impact: 'xy', regions: ['EU']})
  })

  it('renders HTML, mentions and Handlebars syntax in facts literally on plain-text channels', () => {
    const facts = resolveFacts(basic(), {service: '@everyone <!channel>', impact: '<b>{{constructor.constructor}}</b>'})
    const r = renderPhase(basic(), 'investigating', facts, {now: NOW, channels: ['page', 'web']})
    expect(r.posts[0].parts[0].text).toBe('@everyone <!channel>: <b>{{constructor.constructor}}</b>')
    expect(r.posts[1].parts[0].text).toBe('@everyone &lt;!channel&gt;: &lt;b&gt;{{constructor.constructor}}&lt;/b&gt;')
  })

  it('handles a 100 kB fact: a clear error on threading channels, the limit on others, no crash', () => {
    const huge = 'Calls fail. '.repeat(9000)
    const r = renderPhase(basic(), 'investigating', resolveFacts(basic(), {service: 'S', impact: huge}), {now: NOW})
    expect(r.posts.find((p) => p.channel === 'x')!.errors[0]).toMatch(/a thread of \d+ posts; at most 25 are sent/)
    expect(r.posts.find((p) => p.channel === 'page')!.errors[0]).toMatch(/over the limit of 63206/)
    expect(r.posts.find((p) => p.channel === 'blog')!.errors).toEqual([])
  })

  it('refuses prototype keys as facts', () => {
    const dir = write({'facts.yaml': '__proto__: { polluted: yes }\nconstructor: x\nservice: S\nimpact: I\n'})
    const facts = loadFactsFile(path.join(dir, 'facts.yaml'))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(() => resolveFacts(basic(), facts)).toThrow(CandorError)
    expect(() => resolveFacts(basic(), facts)).toThrow(/unknown facts "__proto__", "constructor"/)
  })
})

describe('hostile playbooks', () => {
  it('refuses a YAML alias bomb quickly with one problem', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let i = 1; i < 9; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill('*' + String.fromCharCode(96 + i))
          .join(',')}]`,
      )
    const dir = write({'bomb.yaml': `name: bomb\n${lines.map((l) => l.replace(/^(\w):/, 'x$1:')).join('\n')}\n`})
    const {problems} = loadPlaybook(path.join(dir, 'bomb.yaml'))
    expect(problems).toHaveLength(1)
    expect(problems[0].message).toMatch(/^YAML: expands to more than 100000 nodes/)
  })

  it('refuses absurd nesting without a stack overflow', () => {
    const deep = 'name: deep\nfacts: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n'
    const {problems} = loadPlaybook(path.join(write({'deep.yaml': deep}), 'deep.yaml'))
    expect(problems).toHaveLength(1)
    expect(problems[0].message).toMatch(
      /^YAML: (nested more than 64 levels deep|nested too deeply to read|nesting exceeded maxDepth)/,
    )
  })

  it('refuses a facts file that is an alias bomb or not UTF-8', () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x,x]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: [*e,*e]',
    ].join('\n')
    const dir = write({'bomb.yaml': bomb, 'latin1.yaml': Buffer.from([0x73, 0x3a, 0x20, 0xe9, 0x0a])})
    expect(() => loadFactsFile(path.join(dir, 'bomb.yaml'))).toThrow(/expands to more than 100000 nodes/)
    expect(() => loadFactsFile(path.join(dir, 'latin1.yaml'))).toThrow(/is not valid UTF-8 text/)
  })
})

describe('splitter and counters: properties', () => {
  const word = fc.oneof(
    fc.stringMatching(/^[a-z]{1,12}$/),
    fc.constantFrom('東京', '👨‍👩‍👧', '🇩🇪', 'https://status.example.com/i/42', 'naïve', 'مرحبا', '…'),
  )
  const text = fc
    .array(fc.tuple(word, fc.constantFrom(' ', ' ', '. ', '\n', '! ')), {minLength: 1, maxLength: 300})
    .map((ws) =>
      ws
        .map(([w, s]) => w + s)
        .join('')
        .trim(),
    )
  const measures = [
    {name: 'X weighted', measure: xWeightedLength, limit: 280},
    {name: 'Bluesky graphemes', measure: graphemeLength, limit: 300},
    {name: 'Mastodon', measure: mastodonLength, limit: 120},
  ]
  const strip = (p: string) => p.replace(/ \(\d+\/\d+\)$/, '')
  const squash = (s: string) => s.replace(/\s+/g, '')

  for (const {name, measure, limit} of measures) {
    it(`${name}: every part fits, numbering is right, and no text is lost or reordered`, () => {
      fc.assert(
        fc.property(text, (t) => {
          if (t === '') return
          const parts = splitIntoThread(t, {limit, measure})
          if (parts.length === 1) {
            expect(parts[0]).toBe(t)
            return
          }
          parts.forEach((p, i) => {
            expect(measure(p)).toBeLessThanOrEqual(limit)
            expect(p.endsWith(` (${i + 1}/${parts.length})`)).toBe(true)
          })
          expect(squash(parts.map(strip).join(''))).toBe(squash(t))
        }),
        {numRuns: 150, seed: 20261125},
      )
    })
  }

  it('counters are additive over plain words and never negative', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,8}$/), {maxLength: 50}), (ws) => {
        const t = ws.join(' ')
        expect(xWeightedLength(t)).toBe(t.length)
        expect(graphemeLength(t)).toBe(t.length)
        expect(mastodonLength(t)).toBe(t.length)
      }),
      {numRuns: 100, seed: 7},
    )
    fc.assert(
      fc.property(fc.string({unit: 'grapheme', maxLength: 200}), (t) => {
        expect(graphemeLength(t)).toBeGreaterThanOrEqual(0)
        expect(graphemeLength(t)).toBeLessThanOrEqual([...t].length)
        expect(xWeightedLength(t)).toBeGreaterThanOrEqual(0)
      }),
      {numRuns: 200, seed: 11},
    )
  })
})

describe('secrets in output', () => {
  it('masks a known secret wherever it would appear, and warns about a readable .env', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, '.env'), 'CANDOR_X_ACCESS_SECRET=hunter2-very-secret\n')
    chmodSync(path.join(dir, '.env'), 0o644)
    const r = await runCli(
      [
        'preview',
        path.join(ROOT, 'test/fixtures/playbooks/basic/basic.yaml'),
        '--phase',
        'investigating',
        '--set',
        'service=S',
        '--set',
        'impact=leaked hunter2-very-secret here',
        '--channel',
        'page',
        '--json',
      ],
      {cwd: dir},
    )
    // A post holding a configured credential is a policy error (no --allow overrides it).
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).posts[0].errors).toEqual([
      expect.stringContaining('policy rule "credential": the post contains the value of CANDOR_X_ACCESS_SECRET'),
    ])
    expect(r.stdout).toContain('leaked •••• here')
    expect(r.stdout + r.stderr).not.toContain('hunter2-very-secret')
    expect(r.stderr).toContain('.env is readable by other users (mode 644); run: chmod 600 .env')
  })
})

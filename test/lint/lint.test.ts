import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {resolveFacts} from '../../src/domain/playbook/facts.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {lintPlaybook, type LintFinding} from '../../src/services/lint/lint.js'
import {lintPlaybookFile} from '../../src/services/lint/lint-file.js'
import {runCli, tempDir} from '../helpers/cli.js'

const NOW = new Date('2026-11-25T14:00:00Z')

/** Writes a playbook (and templates) into a fresh folder; lints it with its examples. */
function lint(
  files: Record<string, string>,
  opts: {strict?: boolean; words?: Parameters<typeof lintPlaybook>[1]['words']} = {},
) {
  const dir = tempDir()
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    writeFileSync(path.join(dir, name), text)
  }
  const {playbook, problems} = loadPlaybook(path.join(dir, 'playbook.yaml'))
  expect(problems).toEqual([])
  const report = lintPlaybook(playbook!, {facts: resolveFacts(playbook!, playbook!.examples ?? {}), now: NOW, ...opts})
  const lines = report.findings.map(
    (f: LintFinding) =>
      `${path.relative(dir, path.resolve(f.file))}:${f.line}:${f.col}: ${f.severity}: ${f.message} [${f.rule}]`,
  )
  return {report, lines, dir}
}

const GOOD = `name: good
facts:
  service: { required: true }
  impact: { required: true }
  status_url: { default: "https://status.acme.example" }
examples:
  service: Acme Voice
  impact: Calls fail
channels:
  x: { type: x }
  hook: { type: webhook, url: "https://hooks.example.com/candor" }
phases:
  investigating:
    next_update: 20m
    posts:
      x: { text: "We're investigating problems with {{service}}, and we're sorry. {{impact}}. Next update by {{time @next_update}}. {{status_url}}" }
      hook: { text: "{{service}}: {{impact}}" }
  resolved:
    posts:
      x: { text: "{{service}} works again. Sorry for the trouble." }
      hook: { text: "{{service}} resolved" }
`

describe('lintPlaybook', () => {
  it('finds nothing in a playbook that communicates well', () => {
    expect(lint({'playbook.yaml': GOOD}).lines).toEqual([])
  })

  it('flags a phase that promises an update but does not say when, at the post', () => {
    const {lines} = lint({'playbook.yaml': GOOD.replace(' Next update by {{time @next_update}}.', ' More soon.')})
    expect(lines).toEqual([
      'playbook.yaml:16:18: warning: post "investigating.x": promises a next update (next_update: 20m) but does not say when: use {{time @next_update}} [next-update]',
    ])
  })

  it('accepts any helper that says when: relative times, dates', () => {
    expect(
      lint({
        'playbook.yaml': GOOD.replace('Next update by {{time @next_update}}', 'Next update {{relative @next_update}}'),
      }).lines,
    ).toEqual([])
  })

  it('flags a first post that neither acknowledges nor apologises, pointing into the template file', () => {
    const {lines} = lint({
      'playbook.yaml': GOOD.replace(/x: \{ text: "We're investigating[^\n]*/, 'x: { template: t/first.hbs }'),
      't/first.hbs': 'Hello from {{service}}.\nNext update by {{time @next_update}}. {{status_url}}\n',
    })
    expect(lines).toEqual([
      't/first.hbs:1:1: warning: post "investigating.x": the first post does not acknowledge the problem (say what is wrong, e.g. "we\'re investigating problems with …") [apology]',
      't/first.hbs:1:1: warning: post "investigating.x": the first post does not apologise (e.g. "we\'re sorry for the disruption") [apology]',
    ])
  })

  it('flags public posts that do not say where to follow (not webhooks)', () => {
    const {lines} = lint({'playbook.yaml': GOOD.replace('. {{status_url}}" }', '." }')})
    expect(lines).toEqual([
      'playbook.yaml:16:18: warning: post "investigating.x": does not say where to follow the incident: add {{status_url}} (https://status.acme.example) [follow-along]',
    ])
  })

  it('flags channels missing from the first or the final phase', () => {
    const {lines} = lint({'playbook.yaml': GOOD.replace('      hook: { text: "{{service}} resolved" }\n', '')})
    expect(lines).toEqual([
      'playbook.yaml:19:5: warning: channel "hook" posts nothing in the final phase "resolved": its followers never hear there that it\'s over [coverage]',
    ])
  })

  it('flags posts that do not fit in one post, and policy hits, with the example facts', () => {
    const {lines} = lint({
      'playbook.yaml': GOOD.replace(
        'impact: Calls fail',
        `impact: "${'Calls fail to connect. '.repeat(10).trim()} See 10.0.0.12"`,
      ),
    })
    expect(lines).toEqual([
      expect.stringMatching(
        /^playbook\.yaml:16:18: warning: post "investigating\.x": becomes a thread of 2 posts with the example facts \(over the limit of 280\); shorten it to fit in one \[fits\]$/,
      ),
      'playbook.yaml:16:18: warning: post "investigating.x": the post policy blocks it: rule "private-ip": "10.0.0.12" is a private network address [policy]',
      // The policy applies to every channel; the wording rules only to what customers read.
      'playbook.yaml:17:21: warning: post "investigating.hook": the post policy blocks it: rule "private-ip": "10.0.0.12" is a private network address [policy]',
    ])
  })

  it('flags blame and promises in what customers would read, at the words in the template', () => {
    const {lines} = lint({
      'playbook.yaml': GOOD.replace(/x: \{ text: "We're investigating[^\n]*/, 'x: { template: t/first.hbs }'),
      't/first.hbs':
        "We're investigating problems with {{service}}, sorry.\nIt was human error.\nIt will be fixed in 10 minutes. Next update by {{time @next_update}}. {{status_url}}\n",
    })
    expect(lines).toEqual([
      't/first.hbs:2:8: warning: post "investigating.x": blames someone ("human error"): own the problem instead [tone]',
      't/first.hbs:3:4: warning: post "investigating.x": makes a promise the team may not keep ("will be fixed in 10 minutes"): say what you know and when the next update comes [tone]',
    ])
  })

  it('flags a fact that puts an @user@domain into a Mastodon post: it would notify that person', () => {
    const book = GOOD.replace(
      '  x: { type: x }',
      '  x: { type: x }\n  social: { type: mastodon, instance: "https://mastodon.example" }',
    )
      .replace('  impact: Calls fail', '  impact: Calls fail for @dana@mastodon.example')
      .replace(
        '      hook: { text: "{{service}}: {{impact}}" }',
        '      hook: { text: "{{service}}: {{impact}}" }\n      social: { text: "We\'re investigating problems with {{service}}, and we\'re sorry. {{impact}}. Next update by {{time @next_update}}. {{status_url}} Ask @support@acme.example." }',
      )
      .replace(
        '      hook: { text: "{{service}} resolved" }',
        '      hook: { text: "{{service}} resolved" }\n      social: { text: "{{service}} works again. Sorry." }',
      )
    const {lines} = lint({'playbook.yaml': book})
    // The template's own @support@acme.example is the author's choice; the fact's handle is flagged, on Mastodon only.
    expect(lines).toEqual([
      expect.stringMatching(
        /^playbook\.yaml:\d+:\d+: warning: post "investigating\.social": with the example facts: "@dana@mastodon\.example" \(from fact "impact"\) will mention and notify that account on Mastodon; write it without the leading @ if no one should be notified \[mention\]$/,
      ),
    ])
  })

  it('flags a cadence with a silent hour, and phases before the end that promise nothing', () => {
    const text = GOOD.replace(
      '    next_update: 20m\n',
      '    next_update: 20m\n    long_incident: { after: 2h, next_update: 90m }\n',
    ).replace(
      '  resolved:\n',
      '  identified:\n    posts:\n      x: { text: "We found it, sorry. {{status_url}}" }\n      hook: { text: "found" }\n  resolved:\n',
    )
    const {lines} = lint({'playbook.yaml': text})
    expect(lines).toEqual([
      'playbook.yaml:15:46: warning: phase "investigating" slows to an update every 90m in a long incident: never leave customers more than an hour without news [cadence]',
      'playbook.yaml:19:3: warning: phase "identified" comes before the incident is resolved but promises no next update: add next_update [cadence]',
    ])
  })

  it('merges one template used by several channels into one finding, and --strict makes errors', () => {
    const text = GOOD.replace(
      '  hook: { type: webhook, url: "https://hooks.example.com/candor" }',
      '  hook: { type: webhook, url: "https://hooks.example.com/candor" }\n  toot: { type: mastodon, instance: "https://m.example" }',
    )
      .replace(
        /x: \{ text: "We're investigating[^\n]*/,
        'x: { template: t/first.hbs }\n      toot: { template: t/first.hbs }',
      )
      .replace(
        '      x: { text: "{{service}} works again. Sorry for the trouble." }',
        '      x: { text: "{{service}} works again. Sorry for the trouble." }\n      toot: { text: "Fixed, sorry." }',
      )
    const {lines, report} = lint(
      {'playbook.yaml': text, 't/first.hbs': "We're investigating problems with {{service}}, sorry. {{status_url}}\n"},
      {strict: true},
    )
    expect(lines).toEqual([
      't/first.hbs:1:1: error: post "investigating.x, toot": promises a next update (next_update: 20m) but does not say when: use {{time @next_update}} [next-update]',
    ])
    expect(report).toMatchObject({strict: true, errors: 1, warnings: 0})
  })

  it('checks every locale, with word lists per language, and names missing translations', () => {
    const text = GOOD.replace('facts:', 'locales: [en, de]\nfacts:')
    const {lines} = lint({
      'playbook.yaml': text
        .replace(/x: \{ text: "We're investigating[^\n]*/, 'x: { template: t/first.hbs }')
        .replace(
          'hook: { text: "{{service}}: {{impact}}" }',
          'hook: { text: { en: "{{service}}: {{impact}}", de: "{{service}}: {{impact}}" } }',
        )
        .replace(
          'hook: { text: "{{service}} resolved" }',
          'hook: { text: { en: "{{service}} resolved", de: "{{service}} behoben" } }',
        )
        .replace(
          'x: { text: "{{service}} works again. Sorry for the trouble." }',
          'x: { text: { en: "{{service}} works again. Sorry.", de: "{{service}} geht wieder. Entschuldigung." } }',
        ),
      't/first.hbs':
        "We're investigating problems with {{service}}, sorry. Next update by {{time @next_update}}. {{status_url}}\n",
      't/first.de.hbs': 'Wir prüfen Probleme mit {{service}}. Nächstes Update {{time @next_update}}. {{status_url}}\n',
    })
    expect(lines).toEqual([
      't/first.de.hbs:1:1: warning: post "investigating.x" (de): the first post does not apologise (e.g. "we\'re sorry for the disruption") [apology]',
    ])
  })

  it('takes word lists for other languages', () => {
    const text = GOOD.replace('facts:', 'locales: [fr]\nfacts:').replace(
      /x: \{ text: "We're investigating[^\n]*/,
      'x: { text: "Nous enquêtons sur {{service}}, désolés. Prochaine mise à jour {{time @next_update}}. {{status_url}}" }',
    )
    const without = lint({'playbook.yaml': text})
    expect(without.lines).toEqual([
      'playbook.yaml:17:18: warning: post "investigating.x": no apology or acknowledgement words for language "fr": pass them with --words FILE [apology]',
    ])
    const withWords = lint({'playbook.yaml': text}, {words: {apology: {fr: ['désolé']}, acknowledge: {fr: ['enquêt']}}})
    expect(withWords.lines).toEqual([])
  })
})

describe('lintPlaybookFile', () => {
  it('needs example facts from the playbook or --facts', () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'p.yaml'), GOOD.replace(/examples:\n(  .*\n)+/, ''))
    expect(() => lintPlaybookFile({playbook: path.join(dir, 'p.yaml')})).toThrow(/has no example facts to lint with/)
    writeFileSync(path.join(dir, 'facts.yaml'), 'service: Acme\nimpact: Calls fail\n')
    expect(
      lintPlaybookFile({playbook: path.join(dir, 'p.yaml'), factsFile: path.join(dir, 'facts.yaml'), now: NOW})
        .findings,
    ).toEqual([])
  })

  it('reads word lists from a file and refuses bad ones', () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'p.yaml'), GOOD)
    writeFileSync(path.join(dir, 'words.yaml'), 'apology:\n  en: ["pardon"]\n')
    const r = lintPlaybookFile({playbook: path.join(dir, 'p.yaml'), wordsFile: path.join(dir, 'words.yaml'), now: NOW})
    expect(r.findings.map((f) => f.rule)).toEqual(['apology'])
    writeFileSync(path.join(dir, 'bad.yaml'), 'apologies:\n  en: ["x"]\n')
    expect(() => lintPlaybookFile({playbook: path.join(dir, 'p.yaml'), wordsFile: path.join(dir, 'bad.yaml')})).toThrow(
      /unknown list "apologies"/,
    )
  })
})

describe('candor playbook lint', () => {
  it('passes the shipped playbooks with --strict', async () => {
    const outage = await runCli(['playbook', 'lint', 'playbooks/outage.yaml', '--strict'])
    expect(outage.stdout).toBe('')
    expect(outage.stderr).toContain('✓ playbooks/outage.yaml: no findings')
    expect(outage.code).toBe(0)
    for (const name of ['degraded-performance', 'scheduled-maintenance']) {
      const r = await runCli([
        'playbook',
        'lint',
        name,
        '--facts',
        `playbooks/examples/${name}.facts.yaml`,
        '--strict',
        '--json',
      ])
      expect(r.code, r.stdout + r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toMatchObject({
        ok: true,
        playbook: name,
        strict: true,
        findings: [],
        errors: 0,
        warnings: 0,
      })
    }
  })

  it('prints FILE:LINE:COL per finding: warnings exit 0, --strict errors exit 1', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'p.yaml'), GOOD.replace(' Next update by {{time @next_update}}.', ''))
    const warn = await runCli(['playbook', 'lint', 'p.yaml'], {cwd: dir})
    expect(warn.code).toBe(0)
    expect(warn.stdout.trim()).toBe(
      'p.yaml:16:18: warning: post "investigating.x": promises a next update (next_update: 20m) but does not say when: use {{time @next_update}} [next-update]',
    )
    expect(warn.stderr).toContain('! p.yaml: 1 warning (--strict makes them errors)')
    const strict = await runCli(['playbook', 'lint', 'p.yaml', '--strict', '--json'], {cwd: dir})
    expect(strict.code).toBe(1)
    expect(JSON.parse(strict.stdout)).toMatchObject({
      ok: false,
      errors: 1,
      findings: [{file: 'p.yaml', line: 16, col: 18, severity: 'error', rule: 'next-update'}],
    })
  })
})

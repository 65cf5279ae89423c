import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {formatProblem} from '../../src/domain/playbook/model.js'
import {tempDir} from '../helpers/cli.js'

/** Writes files (name → text, names may have folders) into a fresh folder; returns the folder. */
function writeFiles(files: Record<string, string>): string {
  const dir = tempDir()
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    writeFileSync(path.join(dir, name), text)
  }
  return dir
}

/** The problems of `playbook.yaml` among `files` as FILE:LINE:COL lines (file names relative). */
function problemsOf(files: Record<string, string>): string[] {
  const dir = writeFiles(files)
  const {problems, playbook} = loadPlaybook(path.join(dir, 'playbook.yaml'))
  if (problems.length > 0) expect(playbook).toBeUndefined()
  return problems.map((p) => formatProblem({...p, file: path.relative(dir, path.resolve(p.file)) || p.file}))
}

const valid = `name: demo
facts:
  service: { required: true }
channels:
  x: { type: x }
phases:
  investigating:
    posts:
      x: { text: "Problems with {{service}}" }
`

describe('playbook validation', () => {
  it('accepts a valid playbook', () => {
    expect(problemsOf({'playbook.yaml': valid})).toEqual([])
  })

  it('reports YAML syntax errors with their position', () => {
    const problems = problemsOf({'playbook.yaml': 'name: demo\nfacts: [unclosed\nchannels: {}\n'})
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^playbook\.yaml:\d+:\d+: YAML: /)
  })

  it('reports duplicate keys at the second occurrence', () => {
    const text = valid.replace(
      'channels:\n  x: { type: x }\n',
      'channels:\n  x: { type: x }\n  x: { type: mastodon }\n',
    )
    expect(problemsOf({'playbook.yaml': text})).toEqual([
      expect.stringMatching(/^playbook\.yaml:6:\d+: YAML: duplicated mapping key/),
    ])
  })

  it('reports unknown keys at the key, everywhere, all at once', () => {
    const text = `name: demo
colour: blue
facts:
  service: { required: true, requried: true }
channels:
  x: { type: x, handle: acme }
phases:
  investigating:
    nxt_update: 30m
    posts:
      x: { text: "{{service}}", txt: "" }
`
    expect(problemsOf({'playbook.yaml': text})).toEqual([
      'playbook.yaml:2:1: unknown key "colour" in the playbook (allowed: name, kind, impact, description, locales, approval, facts, examples, channels, phases, forbid, internal_hosts, public_hosts)',
      expect.stringMatching(/^playbook\.yaml:4:30: unknown key "requried" in fact "service"/),
      expect.stringMatching(/^playbook\.yaml:6:17: unknown key "handle" in channel "x" \(x\)/),
      expect.stringMatching(/^playbook\.yaml:9:5: unknown key "nxt_update" in phase "investigating"/),
      expect.stringMatching(/^playbook\.yaml:11:33: unknown key "txt" in post "investigating.x"/),
    ])
  })

  it('checks the schema: name, channel types, required options, durations', () => {
    const text = `name: Demo Playbook
facts:
  service: { type: text }
channels:
  x: { type: twitter }
  m: { type: facebook }
phases:
  investigating:
    next_update: soon
    posts:
      x: { text: "hi" }
`
    const problems = problemsOf({'playbook.yaml': text})
    expect(problems).toEqual([
      'playbook.yaml:1:7: "name" must be lower-case letters, digits and dashes; found string "Demo Playbook"',
      'playbook.yaml:3:20: fact "service": unknown type string "text" (types: string, list, number, boolean, time)',
      expect.stringMatching(/^playbook\.yaml:5:14: channel "x": unknown type string "twitter"/),
      expect.stringMatching(/^playbook\.yaml:6:6: channel "m" \(facebook\) needs "page_id"/),
      'playbook.yaml:9:18: phase "investigating": next_update string "soon" is not a duration like 20m, 1h or 1h30m',
    ])
  })

  it("checks Bluesky's langs: at most 3 BCP-47 tags", () => {
    const withLangs = (langs: string) =>
      valid.replace('  x: { type: x }', `  x: { type: x }\n  sky: { type: bluesky, langs: ${langs} }`)
    expect(problemsOf({'playbook.yaml': withLangs('[en, de-DE, pt-BR]')})).toEqual([])
    expect(problemsOf({'playbook.yaml': withLangs('[en, de, fr, es]')})).toEqual([
      'playbook.yaml:6:32: channel "sky": "langs" must list at most 3 language tags (Bluesky keeps no more); found 4',
    ])
    expect(problemsOf({'playbook.yaml': withLangs('[en, "en us", de_DE]')})).toEqual([
      'playbook.yaml:6:32: channel "sky": "langs" must be BCP-47 language tags such as en, de-DE or pt-BR; found "en us", "de_DE"',
    ])
  })

  it('checks option shapes: a Graph API version, a mailing list id, a time fact default', () => {
    const text = `name: demo
facts:
  starts: { type: time, default: "Saturday" }
channels:
  fb: { type: facebook, page_id: "1", graph_version: "26" }
  mail: { type: email, from: a@b.test, to: [c@d.test], list_id: "not a list" }
phases:
  investigating:
    posts:
      fb: { text: "hi" }
`
    expect(problemsOf({'playbook.yaml': text})).toEqual([
      'playbook.yaml:3:34: fact "starts": default string "Saturday" is not a time',
      'playbook.yaml:5:54: channel "fb": "graph_version" must be a Graph API version like v26.0; found string "26"',
      'playbook.yaml:6:65: channel "mail": "list_id" must be a list id like status.lists.acme.com, or "Acme status <status.lists.acme.com>"; found string "not a list"',
    ])
    const good = text
      .replace('"Saturday"', '"2026-12-05T02:00:00+01:00"')
      .replace('"26"', 'v25.0')
      .replace('"not a list"', '"Acme status <status.lists.acme.test>"')
    expect(problemsOf({'playbook.yaml': good})).toEqual([])
  })

  it('reports a post to an undefined channel, naming the defined ones', () => {
    const text = valid.replace(
      '      x: { text: "Problems with {{service}}" }',
      '      x: { text: "Problems with {{service}}" }\n      blog: { text: "hi" }',
    )
    expect(problemsOf({'playbook.yaml': text})).toEqual([
      'playbook.yaml:10:7: phase "investigating" posts to channel "blog", which is not defined (channels: x)',
    ])
  })

  it('reports a missing template file at the template key', () => {
    const text = valid.replace('x: { text: "Problems with {{service}}" }', 'x: { template: templates/missing.hbs }')
    expect(problemsOf({'playbook.yaml': text})).toEqual([
      'playbook.yaml:9:22: post "investigating.x": cannot read template "templates/missing.hbs": no such file',
    ])
  })

  it('points template syntax errors into the template file', () => {
    const text = valid.replace('x: { text: "Problems with {{service}}" }', 'x: { template: t/x.hbs }')
    const problems = problemsOf({'playbook.yaml': text, 't/x.hbs': 'Line one\n{{#if service}}open block\n'})
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^t\/x\.hbs:\d+:\d+: post "investigating\.x": template syntax error: /)
  })

  it('points undeclared facts, unknown helpers and unknown built-ins into the template, all at once', () => {
    const text = valid.replace('x: { text: "Problems with {{service}}" }', 'x: { template: t/x.hbs }')
    const problems = problemsOf({
      'playbook.yaml': text,
      't/x.hbs':
        'Problems with {{service}}.\nETA {{eta}} in {{shout region}}\n{{@phaze}} {{#each regions}}{{this}}{{/each}}\n',
    })
    expect(problems).toEqual([
      't/x.hbs:2:7: post "investigating.x": uses fact "eta", which the playbook does not declare (declared: service)',
      expect.stringMatching(/^t\/x\.hbs:2:18: post "investigating\.x": unknown helper "shout"/),
      't/x.hbs:2:24: post "investigating.x": uses fact "region", which the playbook does not declare (declared: service)',
      expect.stringMatching(/^t\/x\.hbs:3:3: post "investigating\.x": unknown built-in "@phaze"/),
      't/x.hbs:3:20: post "investigating.x": uses fact "regions", which the playbook does not declare (declared: service)',
    ])
  })

  it('checks inline text and template options too', () => {
    const text = valid
      .replace('"Problems with {{service}}"', '"Problems with {{servise}}"')
      .replace('x: { type: x }', 'x: { type: x }\n  blog: { type: markdown, dir: b, title: "{{titel}}" }')
    const problems = problemsOf({'playbook.yaml': text})
    expect(problems).toEqual([
      expect.stringMatching(/^playbook\.yaml:6:\d+: channel "blog" title: uses fact "titel"/),
      expect.stringMatching(/^playbook\.yaml:10:\d+: post "investigating\.x": uses fact "servise"/),
    ])
  })

  it('refuses {{{x}}} and {{& x}} in templates that render into HTML (status site, email), with their place and the fix', () => {
    const text = valid
      .replace(
        'x: { type: x }',
        'x: { type: x }\n  web: { type: site, dir: public }\n  mail: { type: email, from: a@b.example, to: [c@d.example] }',
      )
      .replace(
        'x: { text: "Problems with {{service}}" }',
        `x: { text: "Problems: {{{service}}}" }\n      web: { text: 'See <a href="{{{service}}}">the page</a>' }\n      mail: { template: t/mail.hbs }`,
      )
    const problems = problemsOf({'playbook.yaml': text, 't/mail.hbs': 'Hello,\nsee {{& service}} and {{service}}.\n'})
    expect(problems).toEqual([
      'playbook.yaml:12:34: post "investigating.web": {{{service}}} writes a value unescaped into HTML (channel "web" is Status site); write {{service}} instead: Candor escapes values in HTML and keeps the markup the template itself writes',
      't/mail.hbs:2:5: post "investigating.mail": {{& service}} writes a value unescaped into HTML (channel "mail" is Email); write {{service}} instead: Candor escapes values in HTML and keeps the markup the template itself writes',
    ])
  })

  it('refuses templates outside the playbook folder', () => {
    const text = valid.replace('x: { text: "Problems with {{service}}" }', 'x: { template: ../../etc/passwd }')
    expect(problemsOf({'playbook.yaml': text})).toEqual([
      expect.stringMatching(/^playbook\.yaml:9:22: .*outside the playbook's folder/),
    ])
  })

  it('refuses reserved fact names and a non-mapping document', () => {
    expect(
      problemsOf({
        'playbook.yaml': valid.replace('service: { required: true }', 'service: { required: true }\n  constructor: {}'),
      }),
    ).toEqual([expect.stringMatching(/^playbook\.yaml:4:3: fact name "constructor" is not allowed/)])
    expect(problemsOf({'playbook.yaml': '- just\n- a list\n'})).toEqual([
      expect.stringMatching(/^playbook\.yaml:1:1: a playbook must be a mapping/),
    ])
  })

  it('reports an unreadable or non-UTF-8 file as one problem', () => {
    expect(problemsOf({'other.yaml': valid})).toEqual(['playbook.yaml:1:1: cannot read playbook: no such file'])
    const dir = tempDir()
    writeFileSync(path.join(dir, 'playbook.yaml'), Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]))
    expect(loadPlaybook(path.join(dir, 'playbook.yaml')).problems[0].message).toBe(
      'cannot read playbook: is not valid UTF-8 text',
    )
  })
})

describe('playbook-wide settings', () => {
  it('reads locales, approval, examples, forbid, internal_hosts and long_incident', () => {
    const dir = tempDir()
    writeFileSync(
      path.join(dir, 'p.yaml'),
      valid
        .replace(
          'facts:',
          'locales: [en, de]\napproval: { required: 2 }\nforbid: ["project[- ]falcon", { pattern: "db-\\\\d+", message: "no host names" }]\ninternal_hosts: [.corp.example.com]\nexamples: { service: Acme }\nfacts:',
        )
        .replace(
          '  investigating:\n',
          '  investigating:\n    next_update: 20m\n    long_incident: { after: 2h, next_update: 60m }\n    approval: { required: 1 }\n',
        ),
    )
    const {playbook, problems} = loadPlaybook(path.join(dir, 'p.yaml'))
    expect(problems).toEqual([])
    expect(playbook!.locales).toEqual(['en', 'de'])
    expect(playbook!.approval).toEqual({required: 2})
    expect(playbook!.examples).toEqual({service: 'Acme'})
    expect(playbook!.policy.internalHosts).toEqual(['.corp.example.com'])
    expect(playbook!.policy.forbid.map((f) => [f.source, f.message, f.pattern.test('Project Falcon')])).toEqual([
      ['project[- ]falcon', undefined, true],
      ['db-\\d+', 'no host names', false],
    ])
    expect(playbook!.phases[0]).toMatchObject({
      approval: {required: 1},
      nextUpdate: {ms: 1_200_000},
      longIncident: {after: {ms: 7_200_000}, nextUpdate: {ms: 3_600_000}},
    })
  })

  it('reports bad settings at their place', () => {
    const text = valid.replace(
      'facts:',
      'locales: [en, en]\napproval: { required: 0 }\nforbid: ["("]\nexamples: { servise: x }\nfacts:',
    )
    expect(problemsOf({'playbook.yaml': text})).toEqual([
      expect.stringMatching(/^playbook\.yaml:2:10: "locales" must be a list of distinct language tags/),
      expect.stringMatching(/^playbook\.yaml:3:23: approval of the playbook must be \{ required: N \}/),
      expect.stringMatching(/^playbook\.yaml:4:10: forbid pattern "\(" is not a valid regular expression/),
      expect.stringMatching(/^playbook\.yaml:5:13: example for "servise"/),
    ])
  })
})

describe('loading for one phase (templatesOf), as preview and publish do', () => {
  const files = {
    // The valid playbook above, in two languages, with a second phase and its posts in files.
    'playbook.yaml': `${valid.replace('name: demo\n', 'name: demo\nlocales: [en, de]\n').replace('{ text: "Problems with {{service}}" }', '{ template: t/investigating.hbs }')}  resolved:
    posts:
      x: { template: t/resolved.hbs }
`,
    't/investigating.hbs': 'Problems with {{service}}',
    't/investigating.de.hbs': 'Probleme mit {{servce}}', // no channel posts in German
    't/resolved.hbs': 'Fixed {{#if}}', // a syntax error in another phase
  }
  function load(templatesOf?: string[]) {
    const dir = writeFiles(files)
    const {problems, playbook} = loadPlaybook(path.join(dir, 'playbook.yaml'), {templatesOf})
    return {problems: problems.map((p) => `${path.relative(dir, p.file)}: ${p.message}`), playbook}
  }

  it('checks only that phase’s templates in the languages channels post in', () => {
    const {problems, playbook} = load(['investigating'])
    expect(problems).toEqual([])
    expect(playbook?.phases.map((p) => p.name)).toEqual(['investigating', 'resolved'])
    expect(playbook?.phases[1].posts[0].template.text).toBe('Fixed {{#if}}') // read, not parsed
  })

  it('still reports the problems of the phase it checks', () => {
    const {problems} = load(['resolved'])
    expect(problems).toEqual([expect.stringMatching(/^t\/resolved\.hbs: post "resolved\.x": template syntax error/)])
  })

  it('full validation (no templatesOf) still checks every phase and every translation', () => {
    const {problems} = load()
    expect(problems).toHaveLength(3)
    expect(problems.join('\n')).toMatch(/resolved\.hbs: .*syntax error/)
    expect(problems.join('\n')).toMatch(
      /investigating\.de\.hbs: .*uses fact "servce", which the playbook does not declare/,
    )
  })
})

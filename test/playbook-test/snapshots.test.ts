import {existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {SNAPSHOT_CLOCK, snapshotPath} from '../../src/services/playbook-snapshots/render-snapshot.js'
import {readSections} from '../../src/services/playbook-snapshots/sections.js'
import {testSnapshots} from '../../src/services/playbook-snapshots/test-snapshots.js'
import {ROOT} from '../helpers/cli.js'
import {INVESTIGATING, TINY, writeFile, writeProject} from './project.js'
import {catchCandorError} from '../helpers/candor-error.js'

afterEach(() => {
  vi.useRealTimers()
})

/** Runs `playbook test` on one playbook and returns its one result. */
function run(playbook: string, opts: {update?: boolean; factsFile?: string} = {}) {
  const report = testSnapshots({playbooks: [playbook], ...opts})
  expect(report.playbooks).toHaveLength(1)
  return {...report.playbooks[0], ok: report.ok}
}

describe('candor playbook test: the snapshot', () => {
  it('is the same text whatever day it runs: every clock built-in reads the fixed clock', () => {
    const {playbook} = writeProject()
    vi.useFakeTimers({toFake: ['Date']})
    vi.setSystemTime(new Date('2026-03-01T09:07:00Z'))
    expect(run(playbook, {update: true}).status).toBe('written')
    const first = readFileSync(snapshotPath(playbook), 'utf8')

    vi.setSystemTime(new Date('2031-11-20T23:59:00+09:00'))
    expect(run(playbook).status).toBe('pass')
    expect(readFileSync(snapshotPath(playbook), 'utf8')).toBe(first)

    // The times in it are the fixed clock's, documented in the header.
    expect(first).toContain('fixed at 2026-01-15T14:35:00Z, the incident opened at 2026-01-15T14:00:00Z')
    expect(first).toContain('Posted 15 Jan 2026, 14:35 UTC, 35 minutes in; next update in 20 minutes, by 14:55 UTC.')
    expect(first).toContain('Acme Voice works again, after 35 minutes. Sorry.')
    expect(SNAPSHOT_CLOCK.now.toISOString()).toBe('2026-01-15T14:35:00.000Z')
  })

  it('has a heading per phase › channel › locale and the parts of each post in fenced blocks', () => {
    const {playbook} = writeProject()
    run(playbook, {update: true})
    const text = readFileSync(snapshotPath(playbook), 'utf8')
    expect(snapshotPath(playbook)).toBe(path.join(path.dirname(playbook), '__snapshots__', 'tiny.snap.md'))
    expect([...readSections(text).byName.keys()]).toEqual([
      '(header)',
      'phase investigating',
      'investigating › x › en',
      'investigating › mastodon › en',
      'phase resolved',
      'resolved › x › en',
    ])
    expect(text).toMatch(
      /### resolved › x › en\n\npost \(\d+ of 280\):\n\n```text\nAcme Voice works again, after 35 minutes\. Sorry\.\n```\n/,
    )
    expect(text).toContain('## investigating\n\nUpdate 1, next update promised by 2026-01-15T14:55:00Z.')
    expect(text).toContain('facts: the playbook\'s "examples:" block')
  })

  it('keeps a post that holds ``` or a # heading inside its block', () => {
    const {playbook} = writeProject({
      'playbooks/templates/investigating.hbs': 'Status:\n\n## Not a heading\n```\n{{service}}\n```',
    })
    run(playbook, {update: true})
    const text = readFileSync(snapshotPath(playbook), 'utf8')
    expect(text).toContain('````text\nStatus:\n\n## Not a heading\n```\nAcme Voice\n```\n````')
    expect([...readSections(text).byName.keys()]).toEqual([
      '(header)',
      'phase investigating',
      'investigating › x › en',
      'investigating › mastodon › en',
      'phase resolved',
      'resolved › x › en',
    ])
  })

  it('splits a post that is too long for one post into its thread parts', () => {
    const {playbook} = writeProject({'playbooks/templates/investigating.hbs': `{{service}} ${'is down. '.repeat(40)}`})
    run(playbook, {update: true})
    const text = readFileSync(snapshotPath(playbook), 'utf8')
    expect(text).toMatch(/### investigating › x › en\n\npart 1 of 2 \(\d+ of 280\):/)
    expect(text).toMatch(/part 2 of 2 \(\d+ of 280\):/)
  })
})

describe('candor playbook test: comparing', () => {
  it('passes when nothing changed, and fails with a unified diff naming the post when a template changed', () => {
    const {playbook} = writeProject()
    run(playbook, {update: true})
    expect(run(playbook)).toMatchObject({status: 'pass', ok: true})

    writeFile(
      path.dirname(playbook),
      'templates/investigating.hbs',
      INVESTIGATING.replace(', sorry.', ', and we apologise.'),
    )
    const r = run(playbook)
    expect(r.status).toBe('fail')
    expect(r.ok).toBe(false)
    expect(r.changes).toEqual({
      added: [],
      removed: [],
      changed: ['investigating › x › en', 'investigating › mastodon › en'],
    })
    const diff = r.diff!
    expect(diff).toMatch(/^--- .*tiny\.snap\.md \(snapshot\)\n\+\+\+ .*tiny\.yaml \(rendered now\)\n/)
    expect(diff).toContain("\n-We're investigating a problem with Acme Voice, sorry. Calls fail.\n")
    expect(diff).toContain("\n+We're investigating a problem with Acme Voice, and we apologise. Calls fail.\n")
    // One hunk (their context overlaps), titled with the post its first change is in.
    expect(diff.match(/^@@ .*$/gm)).toEqual([
      expect.stringMatching(/^@@ -\d+,\d+ \+\d+,\d+ @@ investigating › x › en$/),
    ])
    // The length changed too: shown beside the text.
    expect(diff).toMatch(/\n-post \(\d+ of 280\):\n\+post \(\d+ of 280\):\n/)
    // Failing leaves the snapshot as it was.
    expect(readFileSync(snapshotPath(playbook), 'utf8')).toContain(', sorry.')
  })

  it('shows a new phase, channel and locale as additions, and removed ones as deletions', () => {
    const {playbook, dir} = writeProject()
    run(playbook, {update: true})
    const grown = TINY.replace('locales: [en]', 'locales: [en, de]')
      .replace('  mastodon: { type: mastodon }\n', '  mastodon: { type: mastodon }\n  bluesky: { type: bluesky }\n')
      .replace(
        '      mastodon: { template: templates/investigating.hbs }\n',
        '      mastodon: { template: templates/investigating.hbs }\n      bluesky: { text: "{{service}}: {{impact}}." }\n',
      )
      .replace(
        '  resolved:\n',
        '  monitoring:\n    next_update: 60m\n    posts:\n      x: { text: "A fix for {{service}} is out; next update by {{time @next_update}}." }\n  resolved:\n',
      )
    writeFile(dir, 'playbooks/tiny.yaml', grown)
    writeFile(dir, 'playbooks/templates/investigating.de.hbs', 'Wir untersuchen ein Problem mit {{service}}.')
    const r = run(playbook)
    expect(r.status).toBe('fail')
    expect(r.changes!.added).toEqual([
      'investigating › x › de',
      'investigating › mastodon › de',
      'investigating › bluesky › en',
      'phase monitoring',
      'monitoring › x › en',
    ])
    expect(r.changes!.removed).toEqual([])
    // The phases after the new one are later updates now (@update): the only other change.
    expect(r.changes!.changed).toEqual(['phase resolved'])
    expect(r.diff).toContain('\n-Update 2.\n+Update 3.\n')
    expect(r.diff).toContain('\n+### investigating › x › de\n')
    expect(r.diff).toContain('\n+Wir untersuchen ein Problem mit Acme Voice.\n')
    expect(r.diff).toContain('\n+### investigating › bluesky › en\n')
    expect(r.diff).toContain('\n+## monitoring\n')
    expect(r.diff).toContain('\n+A fix for Acme Voice is out; next update by 15:35 UTC.\n')
    expect(r.diff!.match(/^-(?!--).*$/gm)).toEqual(['-Update 2.'])

    // And back: what the playbook no longer has shows as deletions.
    run(playbook, {update: true})
    writeFile(dir, 'playbooks/tiny.yaml', TINY)
    const back = run(playbook)
    expect(back.changes).toEqual({
      added: [],
      removed: [
        'investigating › x › de',
        'investigating › mastodon › de',
        'investigating › bluesky › en',
        'phase monitoring',
        'monitoring › x › en',
      ],
      changed: ['phase resolved'],
    })
    expect(back.diff).toContain('\n-## monitoring\n')
    expect(back.diff!.match(/^\+(?!\+\+).*$/gm)).toEqual(['+Update 2.'])
  })

  it('--update writes the snapshot and says whether it was new or updated, with what changed', () => {
    const {playbook, dir} = writeProject()
    expect(run(playbook, {update: true})).toMatchObject({status: 'written', wrote: 'new', ok: true})
    expect(run(playbook, {update: true})).toMatchObject({status: 'pass'}) // unchanged: not rewritten
    writeFile(dir, 'playbooks/templates/investigating.hbs', 'Down: {{service}}.')
    const r = run(playbook, {update: true})
    expect(r).toMatchObject({status: 'written', wrote: 'updated', ok: true})
    expect(r.changes!.changed).toEqual(['investigating › x › en', 'investigating › mastodon › en'])
    expect(readFileSync(snapshotPath(playbook), 'utf8')).toContain('```text\nDown: Acme Voice.\n```')
    expect(run(playbook).status).toBe('pass')
  })

  it('a missing snapshot fails (nothing passes unchecked) and is not written', () => {
    const {playbook} = writeProject()
    expect(run(playbook)).toMatchObject({status: 'missing', ok: false})
    expect(existsSync(snapshotPath(playbook))).toBe(false)
  })

  it('reads a snapshot checked out with CRLF line endings as the same text', () => {
    const {playbook} = writeProject()
    run(playbook, {update: true})
    const file = snapshotPath(playbook)
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n/g, '\r\n'))
    expect(run(playbook).status).toBe('pass')
  })

  it('takes several playbooks in one run, failing when any fails', () => {
    const a = writeProject()
    const b = writeProject()
    testSnapshots({playbooks: [a.playbook], update: true})
    const report = testSnapshots({playbooks: [a.playbook, b.playbook, a.playbook]})
    expect(report.playbooks.map((r) => r.status)).toEqual(['pass', 'missing'])
    expect(report.ok).toBe(false)
  })
})

describe('candor playbook test: example facts', () => {
  it('lays --facts over the examples block, and names it in the header', () => {
    const {playbook, dir} = writeProject({'facts.yaml': 'impact: Voicemail is slow\n'})
    run(playbook, {update: true, factsFile: path.join(dir, 'facts.yaml')})
    const text = readFileSync(snapshotPath(playbook), 'utf8')
    expect(text).toContain('Acme Voice, sorry. Voicemail is slow.')
    expect(text).toContain('facts: the playbook\'s "examples:" block, with `../facts.yaml`')
  })

  it('uses examples/NAME.facts.yaml beside a playbook without an examples block', () => {
    const {playbook} = writeProject({
      'playbooks/tiny.yaml': TINY.replace(/examples:\n(?: {2}.*\n)+/, ''),
      'playbooks/examples/tiny.facts.yaml': 'service: Beta Mail\nimpact: Mail is late\n',
    })
    run(playbook, {update: true})
    const text = readFileSync(snapshotPath(playbook), 'utf8')
    expect(text).toContain('a problem with Beta Mail, sorry. Mail is late.')
    expect(text).toContain('facts: `examples/tiny.facts.yaml`')
  })

  it('refuses bad input with one clear error and writes nothing', () => {
    const good = writeProject()
    const broken = writeProject({'playbooks/tiny.yaml': TINY.replace('channels:', 'channels: [oops')})
    expect(
      catchCandorError(() => testSnapshots({playbooks: [good.playbook, broken.playbook], update: true})).code,
    ).toBe('playbook_invalid')
    expect(existsSync(snapshotPath(good.playbook))).toBe(false)

    const unreadable = catchCandorError(() => run(good.playbook, {factsFile: path.join(good.dir, 'no-such.yaml')}))
    expect(unreadable.code).toBe('facts_unreadable')
    expect(unreadable.message).toMatch(/^cannot read facts file .*no-such\.yaml: no such file$/)

    const none = writeProject({'playbooks/tiny.yaml': TINY.replace(/examples:\n(?: {2}.*\n)+/, '')})
    const noFacts = catchCandorError(() => run(none.playbook))
    expect(noFacts.code).toBe('snapshot_needs_facts')
    expect(noFacts.suggestions?.join(' ')).toContain('--facts FILE')

    expect(catchCandorError(() => run(path.join(good.dir, 'nope.yaml'))).code).toBe('playbook_not_found')
  })

  it('renders a playbook whose facts are all optional with their defaults when it has no examples', () => {
    const {playbook} = writeProject({
      'playbooks/tiny.yaml': TINY.replace(/examples:\n(?: {2}.*\n)+/, '')
        .replace('service: { required: true }', 'service: { default: "Our service" }')
        .replace('impact: { required: true }', 'impact: { default: "It is slow" }'),
    })
    run(playbook, {update: true})
    const text = readFileSync(snapshotPath(playbook), 'utf8')
    expect(text).toContain('a problem with Our service, sorry. It is slow.')
    expect(text).toContain("- facts: none given: the facts' defaults")
  })
})

describe('candor playbook test: a snapshot that points elsewhere', () => {
  it('refuses a symbolic link (to a secret outside the folder, or to the playbook itself) and never prints it', () => {
    const secret = writeProject()
    writeFile(secret.dir, 'npmrc', '//registry.npmjs.org/:_authToken=npm_SECRET\n')
    const {playbook, dir} = writeProject()
    mkdirSync(path.join(dir, 'playbooks', '__snapshots__'))
    symlinkSync(path.join(secret.dir, 'npmrc'), snapshotPath(playbook))
    for (const update of [false, true]) {
      const e = catchCandorError(() => run(playbook, {update}))
      expect(e.code).toBe('snapshot_outside')
      expect(e.message).toContain("is outside the playbook's folder; refusing to read or write it")
      expect(e.message).not.toContain('npm_SECRET')
    }
    expect(readFileSync(path.join(secret.dir, 'npmrc'), 'utf8')).toContain('npm_SECRET')

    const inside = writeProject()
    mkdirSync(path.join(inside.dir, 'playbooks', '__snapshots__'))
    symlinkSync(inside.playbook, snapshotPath(inside.playbook))
    expect(catchCandorError(() => run(inside.playbook, {update: true})).message).toContain('is a symbolic link')
    expect(readFileSync(inside.playbook, 'utf8')).toBe(TINY)
  })

  it('refuses a linked __snapshots__ folder outside the playbook folder, before writing any snapshot', () => {
    const elsewhere = writeProject()
    const first = writeProject()
    const {playbook, dir} = writeProject()
    symlinkSync(elsewhere.dir, path.join(dir, 'playbooks', '__snapshots__'))
    const e = catchCandorError(() => testSnapshots({playbooks: [first.playbook, playbook], update: true}))
    expect(e.code).toBe('snapshot_outside')
    expect(existsSync(snapshotPath(first.playbook))).toBe(false)
    expect(existsSync(path.join(elsewhere.dir, 'tiny.snap.md'))).toBe(false)
  })
})

describe('the shipped playbooks', () => {
  it('match their committed snapshots', () => {
    const report = testSnapshots({
      playbooks: ['outage', 'degraded-performance', 'scheduled-maintenance'].map((n) =>
        path.join(ROOT, 'playbooks', `${n}.yaml`),
      ),
    })
    expect(
      report.playbooks.map((r) => [r.status, r.diff ?? '']),
      'run `candor playbook test --update playbooks/*.yaml` and review the diff',
    ).toEqual([
      ['pass', ''],
      ['pass', ''],
      ['pass', ''],
    ])
  })
})

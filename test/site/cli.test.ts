import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir} from '../helpers/cli.js'
import {HOUR, MINUTE, siteWorld} from './helpers.js'
import {writeClockJumpJournal} from './status-journals.js'

/** An incident published to a site channel in-process; the CLI then runs on its state dir. */
async function recorded() {
  const w = siteWorld()
  const start = Date.now() - 2 * HOUR
  const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice', at: new Date(start)})
  await w.publish(id, 'investigating', {}, {at: new Date(start + MINUTE)})
  await w.publish(id, 'identified', {cause: 'a failed upgrade'}, {actor: 'Sam Lead', at: new Date(start + 46 * MINUTE)})
  await w.publish(id, 'resolved', {}, {at: new Date(start + 70 * MINUTE)})
  const stateDir = path.join(w.dir, 'state')
  const cli = (args: string[]) =>
    runCli([...args, '--state-dir', stateDir], {cwd: w.dir, env: {CANDOR_STATE_DIR: undefined}})
  return {w, cli, stateDir, month: new Date(start).toISOString().slice(0, 7)}
}

describe('candor site build', () => {
  it('regenerates the site from the journals into --out, and prints {out, files} with --json', async () => {
    const {w, cli, month} = await recorded()
    const out = path.join(w.dir, 'rebuilt')
    const r = await cli([
      'site',
      'build',
      '--out',
      out,
      '--title',
      'Rebuilt status',
      '--components',
      'Acme Voice,Website',
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const json = JSON.parse(r.stdout)
    expect(json).toMatchObject({
      out,
      files: ['style.css', 'incidents/voice.html', `history/${month}.html`, 'feed.atom', 'feed.json', 'index.html'],
      incidents: ['voice'],
    })
    const index = readFileSync(path.join(out, 'index.html'), 'utf8')
    expect(index).toContain('<a href="index.html">Rebuilt status</a>')
    expect(index).toContain('<a href="incidents/voice.html">Acme Voice outage</a>')
    expect(readFileSync(path.join(out, 'incidents', 'voice.html'), 'utf8')).toContain(
      'We found the cause of the Acme Voice problems: a failed upgrade.',
    )
    // base_url came from the playbook's site channel, as the other options were not given.
    expect(index).toContain('<link rel="canonical" href="https://status.acme.example/">')
    expect(index).toMatch(/Website<\/h3> <span class="badge status-operational">/)
    expect(index).toContain(`<a href="history/${month}.html">`)
  })

  it('reports a journal whose clock jumped back, draws it from what is consistent, and still builds', async () => {
    const {w, cli, stateDir} = await recorded()
    writeClockJumpJournal(stateDir)
    const out = path.join(w.dir, 'jumpy-site')
    const r = await cli(['site', 'build', '--out', out, '--components', 'Acme Voice,Website', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const json = JSON.parse(r.stdout)
    expect([...json.incidents].sort()).toEqual(['jumpy', 'voice'])
    expect(json.warnings).toEqual([
      expect.stringMatching(/^incident jumpy: update 2 is dated .*, before the incident opened .*: a clock jump\?/),
    ])
    const human = await cli(['site', 'build', '--out', out, '--components', 'Acme Voice,Website'])
    expect(human.code).toBe(0)
    expect(human.stderr).toMatch(/incident jumpy: update 2 is dated/)
    const index = readFileSync(path.join(out, 'index.html'), 'utf8')
    expect(index).not.toContain('<b>down</b>')
    expect(index).toContain('Website &lt;b&gt;down&lt;/b&gt;')
  })

  it("uses the site channel's settings, its dir included, when given no options", async () => {
    const {w, cli} = await recorded()
    const before = readFileSync(path.join(w.siteDir, 'index.html'), 'utf8')
    const r = await cli(['site', 'build'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`Built the status site in ${w.siteDir}: 1 incident, 6 files (`)
    expect(r.stderr).toContain('settings from channel "site" of incident voice\'s playbook')
    expect(
      readFileSync(path.join(w.siteDir, 'index.html'), 'utf8').replace(
        /<time[^>]*>[^<]*<\/time>|\([^)]*ago\)|\(just now\)|<span class="uptime">[^<]*<\/span>/g,
        '',
      ),
    ).toBe(before.replace(/<time[^>]*>[^<]*<\/time>|\([^)]*ago\)|\(just now\)|<span class="uptime">[^<]*<\/span>/g, ''))
  })

  it('fails with a code and a suggestion on a file it did not write, or with nowhere to write', async () => {
    const {w, cli} = await recorded()
    const out = path.join(w.dir, 'mixed')
    mkdirSync(out)
    writeFileSync(path.join(out, 'feed.json'), '{"mine": true}')
    const r = await cli(['site', 'build', '--out', out, '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'site_file_conflict',
      message: expect.stringContaining('feed.json in'),
    })

    const empty = tempDir()
    mkdirSync(path.join(empty, 'state')) // exists, holds no incident (a --state-dir that does not exist is its own error)
    const none = await runCli(['site', 'build', '--state-dir', path.join(empty, 'state')], {cwd: empty})
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('no folder to build the site in')
    expect(none.stderr).toContain('--out DIR')
    expect(existsSync(path.join(empty, 'site'))).toBe(false)
  })
})

describe('candor incident timeline', () => {
  it('prints Markdown by default, and the same record as JSON with --format json or --json', async () => {
    const {cli} = await recorded()
    const md = await cli(['incident', 'timeline', 'voice'])
    expect(md.code, md.stderr).toBe(0)
    expect(md.stdout).toMatch(/^# Incident timeline: voice\n/)
    expect(md.stdout).toContain('| Updates published | 3, 1 later than promised |')
    expect(md.stdout).toContain('**LATE** by 15 minutes')
    expect(md.stdout).toMatch(/\| Sam Lead \| Update 2 \(identified\) approved by Sam Lead for site;/)
    expect(md.stdout).toContain('Changed cause: (unset) → "a failed upgrade"')

    const viaFormat = JSON.parse((await cli(['incident', 'timeline', 'voice', '--format', 'json'])).stdout)
    const viaJson = JSON.parse((await cli(['incident', 'timeline', 'voice', '--json'])).stdout)
    expect(viaFormat).toEqual(viaJson)
    expect(viaJson).toMatchObject({
      incident: 'voice',
      late_updates: 1,
      first_acknowledgement: {channel: 'site', url: 'https://status.acme.example/incidents/voice.html'},
      warnings: [],
    })
    expect(viaJson.entries.map((e: {kind: string}) => e.kind)).toEqual([
      'opened',
      'approved',
      'post',
      'fact',
      'approved',
      'post',
      'approved',
      'post',
    ])

    const bad = await cli(['incident', 'timeline', 'voice', '--format', 'pdf'])
    expect(bad.code).toBe(2)
  })
})

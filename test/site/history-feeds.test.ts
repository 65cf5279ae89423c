import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadIncident} from '../../src/services/incident/service.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {foldIncident} from '../../src/services/incident/state.js'
import {buildSite, type SiteFile} from '../../src/services/site/build.js'
import {FEED_MAX_ENTRIES} from '../../src/services/site/feeds.js'
import {ROOT, tempDir} from '../helpers/cli.js'
import {worldFor} from './helpers.js'
import {DAY, HOUR, handJournal, MINUTE} from './status-journals.js'

const NOW = new Date('2026-11-25T15:00:00.000Z')
const ago = (ms: number) => new Date(NOW.getTime() - ms)

function file(files: SiteFile[], p: string): string {
  const f = files.find((x) => x.path === p)
  if (!f) throw new Error(`no ${p} in ${files.map((x) => x.path).join(', ')}`)
  return f.content
}

/** A resolved incident with `updates` updates, the last one resolving it. */
function incident(id: string, openedAt: Date, opts: {updates?: number; impact?: string; facts?: object} = {}) {
  const n = opts.updates ?? 2
  return foldIncident(
    handJournal({
      id,
      playbook: 'outage',
      impact: opts.impact ?? 'outage',
      openedAt,
      facts: {service: 'Acme Voice', title: `Incident ${id}`, ...opts.facts},
      updates: Array.from({length: n}, (_, i) => ({
        phase: i === n - 1 ? 'resolved' : 'investigating',
        at: new Date(openedAt.getTime() + (i + 1) * 10 * MINUTE),
        text: `Update ${i + 1} of ${id}.`,
      })),
    }),
  )
}

describe('history pages', () => {
  it('has a page per month, newest first, each incident with its impact, duration and number of updates', () => {
    const site = buildSite(
      [
        incident('oct-a', new Date('2026-10-03T10:00:00Z'), {updates: 3}),
        incident('nov-a', new Date('2026-11-02T10:00:00Z'), {impact: 'degraded'}),
        incident('nov-b', new Date('2026-11-20T23:55:00Z'), {updates: 4, facts: {severity: 'partial'}}),
        incident('sep-a', new Date('2026-09-30T23:59:00Z')),
      ],
      {now: NOW, components: ['Acme Voice']},
    )
    const paths = site.files.map((f) => f.path)
    expect(paths.filter((p) => p.startsWith('history/'))).toEqual([
      'history/2026-11.html',
      'history/2026-10.html',
      'history/2026-09.html',
    ])
    // The overview links every month, newest first; every incident is reachable from it.
    const index = file(site.files, 'index.html')
    const monthLinks = [...index.matchAll(/<a href="(history\/[^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[1]} ${m[2]}`)
    expect(monthLinks).toEqual([
      'history/2026-11.html November 2026',
      'history/2026-10.html October 2026',
      'history/2026-09.html September 2026',
    ])
    const november = file(site.files, 'history/2026-11.html')
    expect(november).toContain('<h1 id="history-heading">Incidents in November 2026</h1>')
    const items = [...november.matchAll(/<ul class="history">([\s\S]*?)<\/ul>/g)][0][1]
    const rows = items.split('</li>').filter((r) => r.includes('<a'))
    expect(rows.map((r) => /incidents\/([^.]+)\.html/.exec(r)![1])).toEqual(['nov-b', 'nov-a'])
    expect(rows[0]).toContain('<a href="../incidents/nov-b.html">Incident nov-b</a>')
    expect(rows[0]).toContain('<span class="badge status-partial">Partial outage</span>')
    expect(rows[0]).toContain('lasted 40 minutes')
    expect(rows[0]).toContain('4 updates')
    expect(rows[1]).toContain('<span class="badge status-degraded">Degraded</span>')
    expect(rows[1]).toContain('2 updates')
    // Pages link to the overview and the neighbouring months.
    expect(november).toContain('<a href="../index.html">')
    expect(november).toContain('<a href="2026-10.html" rel="next">Older: October 2026</a>')
    expect(file(site.files, 'history/2026-10.html')).toContain(
      '<a href="2026-11.html" rel="prev">Newer: November 2026</a>',
    )
    // An incident page links back to the overview and to its month.
    const page = file(site.files, 'incidents/nov-b.html')
    expect(page).toContain('<a href="../index.html">Back to the current status</a>')
    expect(page).toContain('<a href="../history/2026-11.html">All incidents in November 2026</a>')
  })

  it('lists an open incident as ongoing in the month it started', () => {
    const open = foldIncident(
      handJournal({
        id: 'still-open',
        playbook: 'outage',
        impact: 'outage',
        openedAt: ago(2 * HOUR),
        facts: {service: 'Acme Voice'},
        updates: [{phase: 'investigating', at: ago(HOUR), text: 'Looking.'}],
      }),
    )
    const month = file(buildSite([open], {now: NOW}).files, 'history/2026-11.html')
    expect(month).toMatch(/Started <time[^>]*>[^<]*<\/time> · ongoing · 1 update/)
  })
})

describe('the feeds', () => {
  it(`hold the newest ${FEED_MAX_ENTRIES} updates at most`, () => {
    // 60 incidents of 3 updates in the last 30 days: 180 updates.
    const states = Array.from({length: 60}, (_, i) =>
      incident(`i${String(i).padStart(2, '0')}`, ago((i + 1) * 12 * HOUR), {updates: 3}),
    )
    const site = buildSite(states, {now: NOW})
    const items = JSON.parse(file(site.files, 'feed.json')).items as Array<{
      date_published: string
      _candor: {incident: string}
    }>
    expect(items).toHaveLength(100)
    const all = states
      .flatMap((s) => s.updates.map((u) => u.approvedAt!))
      .sort()
      .reverse()
    expect(items.map((i) => i.date_published)).toEqual(all.slice(0, 100))
    expect(file(site.files, 'feed.atom').match(/<entry>/g)).toHaveLength(100)
    // Every incident keeps its page.
    expect(site.files.filter((f) => f.path.startsWith('incidents/'))).toHaveLength(60)
  })

  it('hold only the last 90 days when those are fewer than 100 updates', () => {
    const states = [
      incident('recent', ago(10 * DAY)),
      incident('edge', ago(90 * DAY - HOUR), {updates: 1}),
      incident('old', ago(91 * DAY)),
      incident('ancient', ago(400 * DAY), {updates: 5}),
    ]
    const site = buildSite(states, {now: NOW})
    const items = JSON.parse(file(site.files, 'feed.json')).items as Array<{
      _candor: {incident: string; update: number}
    }>
    expect(items.map((i) => `${i._candor.incident}/${i._candor.update}`)).toEqual(['recent/2', 'recent/1', 'edge/1'])
    const atom = file(site.files, 'feed.atom')
    expect(atom.match(/<entry>/g)).toHaveLength(3)
    expect(atom).not.toContain('Incident old')
    // Nothing in 90 days: empty feeds, still valid, updated as of the build.
    const quiet = buildSite([incident('old', ago(200 * DAY))], {now: NOW})
    expect(JSON.parse(file(quiet.files, 'feed.json')).items).toEqual([])
    expect(file(quiet.files, 'feed.atom')).toContain(`<updated>${NOW.toISOString()}</updated>`)
  })
})

describe('component names with markup', () => {
  it('are escaped everywhere: text, title and aria-label attributes, tooltips', () => {
    const name = `<img src=x onerror=alert(1)> "Edge" & 'CDN'`
    const state = incident('cdn', ago(3 * HOUR), {facts: {service: name, title: `${name} down`}})
    const site = buildSite([state], {now: NOW, components: [name, 'Website'], title: `Status <script>x</script>`})
    // Every HTML and XML file; the JSON Feed's titles are plain text by definition (content_html is escaped).
    for (const f of site.files.filter((x) => x.path !== 'feed.json')) {
      expect(f.content, f.path).not.toContain('<img')
      expect(f.content, f.path).not.toContain('<script>x')
      expect(f.content, f.path).not.toMatch(/"Edge"|'CDN'/)
    }
    const index = file(site.files, 'index.html')
    const escaped = '&lt;img src=x onerror=alert(1)&gt; &quot;Edge&quot; &amp; &#39;CDN&#39;'
    expect(index).toContain(`<h3 class="component-name" id="c0-name">${escaped}</h3>`)
    expect(index).toContain(`aria-label="${escaped}: the last 90 days"`)
    expect(index).toContain(`aria-label="25 Nov 2026, ${escaped}: Major outage, 1 incident"`)
    expect(index).toContain(`<title>Status &lt;script&gt;x&lt;/script&gt;: All systems operational</title>`)
    expect(index).toContain(`title="Status &lt;script&gt;x&lt;/script&gt; (Atom)"`)
  })
})

describe('a playbook’s impact', () => {
  function playbook(extra: string): string {
    const dir = tempDir('candor-impact-')
    const file = path.join(dir, 'p.yaml')
    writeFileSync(
      file,
      `name: p\n${extra}\nfacts:\n  service: {}\nchannels:\n  blog: { type: markdown, dir: out }\nphases:\n  investigating:\n    posts:\n      blog: { text: "x" }\n`,
    )
    return file
  }

  it('is one of outage, partial, degraded, maintenance; anything else is a clear error', () => {
    expect(loadPlaybook(playbook('impact: partial')).playbook?.impact).toBe('partial')
    expect(loadPlaybook(playbook('')).playbook?.impact).toBeUndefined()
    expect(loadPlaybook(playbook('kind: maintenance')).playbook?.impact).toBe('maintenance')
    const bad = loadPlaybook(playbook('impact: catastrophic'))
    expect(bad.playbook).toBeUndefined()
    expect(bad.problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([
      expect.stringMatching(
        /^2:9 "impact" must be one of outage, partial, degraded, maintenance \(.*\); found string "catastrophic"$/,
      ),
    ])
  })

  it('is set by every shipped playbook', () => {
    for (const [name, impact] of [
      ['outage', 'outage'],
      ['degraded-performance', 'degraded'],
      ['scheduled-maintenance', 'maintenance'],
    ]) {
      const r = loadPlaybook(path.join(ROOT, 'playbooks', `${name}.yaml`), {templatesOf: []})
      expect(r.problems, name).toEqual([])
      expect(r.playbook!.impact, name).toBe(impact)
    }
  })

  it('is recorded in the journal when an incident opens, so later edits of the playbook change no past incident', async () => {
    const file = playbook('impact: partial')
    const world = worldFor(file, path.dirname(file), path.join(path.dirname(file), 'public'))
    const id = await world.open({service: 'Acme Voice'}, {id: 'rec'})
    writeFileSync(file, readFileSync(file, 'utf8').replace('impact: partial', 'impact: outage'))
    const {state} = await loadIncident(world.store, id)
    expect(state.playbook.impact).toBe('partial')
    const first = JSON.parse(
      readFileSync(path.join(world.dir, 'state', 'incidents', 'rec.jsonl'), 'utf8').split('\n')[0],
    )
    expect(first.playbook).toMatchObject({name: 'p', impact: 'partial'})
  })

  it('is drawn as recorded when the incident opened, unless a severity fact says otherwise', () => {
    const status = (impact: string | undefined, facts: object = {}) => {
      const s = incident('x', ago(HOUR), {impact, facts})
      const open = {...s, resolved: false, resolvedAt: undefined, updates: s.updates.slice(0, 1)}
      const index = file(buildSite([open], {now: NOW, components: ['Acme Voice']}).files, 'index.html')
      return /data-date="2026-11-25" data-status="(\w+)"/.exec(index)![1]
    }
    expect(status('outage')).toBe('major')
    expect(status('partial')).toBe('partial')
    expect(status('degraded')).toBe('degraded')
    expect(status('maintenance')).toBe('maintenance')
    expect(status('degraded', {severity: 'critical'})).toBe('major')
    expect(status('outage', {severity: 'partial'})).toBe('partial')
    // A journal from before impact: (or with a value it does not know): the playbook's name decides.
    expect(status(undefined)).toBe('major')
    expect(status('bogus')).toBe('major')
  })
})

describe('journals with bad times', () => {
  it('are drawn from what is consistent and reported, never thrown', () => {
    const events = handJournal({
      id: 'odd',
      playbook: 'outage',
      impact: 'outage',
      openedAt: ago(3 * HOUR),
      facts: {service: 'Acme Voice'},
      updates: [
        {phase: 'investigating', at: ago(2 * HOUR), text: 'Looking.'},
        {phase: 'identified', at: ago(HOUR), text: 'Found it.'},
        {phase: 'resolved', at: ago(DAY), text: 'Fixed.'},
      ],
    })
    // Update 2's approval has a time no clock wrote.
    const approved = events.filter((e) => e.type === 'approved')[1] as {at: string}
    approved.at = 'garbage'
    const site = buildSite([foldIncident(events)], {now: NOW, components: ['Acme Voice']})
    expect(site.warnings).toEqual([
      'incident odd: update 2 has no readable time ("garbage"); left off the site',
      expect.stringMatching(/^incident odd: update 3 is dated .*, before the incident opened .*: a clock jump\?/),
    ])
    // Resolved on the site, drawn from its opening to its last consistent update (2 hours ago).
    const index = file(site.files, 'index.html')
    expect(index).toContain('data-date="2026-11-25" data-status="major"')
    expect(file(site.files, 'incidents/odd.html')).not.toContain('Found it.')
    const noOpening = foldIncident(events.map((e) => (e.type === 'opened' ? {...e, started_at: 'soon'} : e)))
    expect(buildSite([noOpening], {now: NOW}).warnings).toEqual([
      'incident odd: its opening time "soon" is not a date; left off the site',
    ])
  })
})

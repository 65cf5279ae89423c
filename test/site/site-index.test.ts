import {createHash} from 'node:crypto'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {buildSiteFromStore, publishToSite, SITE_INDEX} from '../../src/infrastructure/site-files.js'
import {parseSiteIndex, SITE_INDEX_VERSION} from '../../src/services/site/site-index.js'
import {tempDir} from '../helpers/cli.js'
import {siteWorld} from './helpers.js'
import {handStore, pastIncidents, readTree, resolvedIncident, SETTINGS} from './index-journals.js'
import {HOUR} from './status-journals.js'

const NOW = new Date('2026-11-25T15:00:00.000Z')

afterEach(() => {
  vi.restoreAllMocks()
})

/** A site of 8 past incidents built in full, and a new incident ready to publish. */
async function builtSite() {
  const h = handStore()
  for (const i of pastIncidents(8, NOW)) h.write(i)
  const site = path.join(h.dir, 'site')
  await buildSiteFromStore(h.store, {out: site, now: NOW, ...SETTINGS})
  h.write(resolvedIncident('fresh', new Date(NOW.getTime() - HOUR), 2))
  const indexFile = path.join(site, SITE_INDEX)
  const publish = (incident = 'fresh', now = NOW) =>
    publishToSite(h.store, {out: site, now, incidents: [incident], ...SETTINGS})
  return {h, site, indexFile, publish}
}

/** The index file with its body changed and a checksum that matches it (a forgery, or a careful hand edit). */
function rewriteIndex(file: string, change: (body: Record<string, unknown>) => void): void {
  const [headerLine, bodyLine] = readFileSync(file, 'utf8').split('\n')
  const body = JSON.parse(bodyLine) as Record<string, unknown>
  change(body)
  const text = JSON.stringify(body)
  const header = {...JSON.parse(headerLine), sha256: createHash('sha256').update(text).digest('hex')}
  writeFileSync(file, `${JSON.stringify(header)}\n${text}\n`)
}

async function expectSameAsFullBuild(h: ReturnType<typeof handStore>, site: string) {
  const out = tempDir('candor-site-full-')
  await buildSiteFromStore(h.store, {out, now: NOW, ...SETTINGS})
  const full = readTree(out)
  const mine = readTree(site)
  full.delete(SITE_INDEX)
  mine.delete(SITE_INDEX)
  expect([...mine.keys()].sort()).toEqual([...full.keys()].sort())
  for (const [file, content] of full) expect(mine.get(file), file).toBe(content)
}

describe('the site index', () => {
  it('is written by a full build and updated by each publish, one entry per incident on the site', async () => {
    const {h, indexFile, publish} = await builtSite()
    const read = () => {
      const r = parseSiteIndex(readFileSync(indexFile, 'utf8'))
      if (!('index' in r)) throw new Error(r.problem)
      return r.index
    }
    expect(read().incidents.map((i) => i.id)).not.toContain('fresh')
    const result = await publish()
    expect(result.full).toBe(false)
    const entry = read().incidents.find((i) => i.id === 'fresh')
    expect(entry).toMatchObject({title: 'Incident fresh', impact: 'outage', updates: 2, affects: ['Acme Voice']})
    expect(entry?.recent.map((u) => u.update)).toEqual([1, 2])
    // A journal that never reached the site is known by a keyed hash only: the folder is public.
    h.write({id: 'internal-breach', openedAt: NOW, updates: []})
    await publish()
    const text = readFileSync(indexFile, 'utf8')
    expect(text).not.toContain('internal-breach')
    expect(read().hidden).toHaveLength(1)
  })

  const faults: Array<[string, (file: string) => void, RegExp]> = [
    ['missing', (f) => rmSync(f), /was missing/],
    ['cut short', (f) => writeFileSync(f, readFileSync(f, 'utf8').slice(0, 200)), /damaged/],
    ['not JSON', (f) => writeFileSync(f, 'garbage\n'), /damaged \(not JSON\)/],
    [
      'edited without its checksum',
      (f) => writeFileSync(f, readFileSync(f, 'utf8').replace('"updates":2', '"updates":7')),
      /checksum does not match/,
    ],
    [
      'of another version',
      (f) => writeFileSync(f, readFileSync(f, 'utf8').replace(`"version":${SITE_INDEX_VERSION}`, '"version":99')),
      /another version of Candor/,
    ],
    [
      'of the wrong shape (with a matching checksum)',
      (f) =>
        rewriteIndex(f, (b) => {
          ;(b.incidents as Array<Record<string, unknown>>)[0].impact = '<script>'
        }),
      /damaged \(incident past-\d+: title or impact\)/,
    ],
    [
      'naming a path for an incident id',
      (f) =>
        rewriteIndex(f, (b) => {
          ;(b.incidents as Array<Record<string, unknown>>)[0].id = '../../etc/passwd'
        }),
      /damaged \(an incident without a valid id\)/,
    ],
    [
      'naming a component the site does not have',
      (f) =>
        rewriteIndex(f, (b) => {
          ;(b.incidents as Array<Record<string, unknown>>)[0].affects = ['<img src=x>']
        }),
      /damaged \(incident past-\d+: components\)/,
    ],
    [
      'listing an incident the store has no journal for',
      (f) =>
        rewriteIndex(f, (b) => {
          const incidents = b.incidents as Array<Record<string, unknown>>
          incidents.push({...incidents[0], id: 'deleted-long-ago'})
        }),
      /lists 1 incident\(s\) the store has no journal for/,
    ],
    [
      'made with other settings',
      (f) =>
        rewriteIndex(f, (b) => {
          ;(b.settings as Record<string, unknown>).title = 'Other status'
        }),
      /other settings/,
    ],
    [
      'written later than now',
      (f) =>
        rewriteIndex(f, (b) => {
          b.feedSince = new Date(NOW.getTime() + 10 * 86_400_000).toISOString()
        }),
      /written later than now/,
    ],
  ]
  for (const [what, damage, note] of faults) {
    it(`${what}: is not trusted, every page is rebuilt from the journals, with a note`, async () => {
      const {h, site, indexFile, publish} = await builtSite()
      damage(indexFile)
      const result = await publish()
      expect(result.full).toBe(true)
      expect(result.notes).toHaveLength(1)
      expect(result.notes[0]).toMatch(note)
      expect(result.notes[0]).toContain('rebuilt every page from the journals')
      await expectSameAsFullBuild(h, site)
      // The index is whole again: the next publish is a partial one.
      h.write(resolvedIncident('fresh', new Date(NOW.getTime() - HOUR), 3))
      const next = await publish()
      expect(next.full).toBe(false)
      expect(next.notes).toEqual([])
    })
  }

  it('escapes what it renders from the index, even a well-formed forged one', async () => {
    const {site, indexFile, publish} = await builtSite()
    rewriteIndex(indexFile, (b) => {
      const first = (b.incidents as Array<Record<string, unknown>>)[0]
      first.title = '<img src=x onerror=alert(1)>'
    })
    const result = await publish()
    expect(result.full).toBe(false)
    const index = readFileSync(path.join(site, 'index.html'), 'utf8')
    expect(index).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(index).not.toContain('<img src=x')
  })

  it('needs no note on a new site', async () => {
    const h = handStore()
    h.write(resolvedIncident('first', new Date(NOW.getTime() - HOUR), 2))
    const site = path.join(h.dir, 'site')
    const first = await publishToSite(h.store, {out: site, now: NOW, incidents: ['first'], ...SETTINGS})
    expect(first).toMatchObject({full: true, notes: []})
  })

  it('keeps both entries when two incidents publish at once', async () => {
    const {h, indexFile, publish} = await builtSite()
    // Two incidents the index knows (resolved: nothing else reads them again) get an update each.
    const [one, two] = pastIncidents(2, NOW)
    h.write({...one, updates: [...one.updates, {phase: 'resolved', at: NOW, text: 'A postscript.'}]})
    h.write({...two, updates: [...two.updates, {phase: 'resolved', at: NOW, text: 'A postscript.'}]})
    const [a, b] = await Promise.all([publish(one.id), publish(two.id)])
    expect([a.full, b.full]).toEqual([false, false])
    const r = parseSiteIndex(readFileSync(indexFile, 'utf8'))
    if (!('index' in r)) throw new Error(r.problem)
    const count = (id: string) => r.index.incidents.find((i) => i.id === id)?.updates
    expect([count(one.id), count(two.id)]).toEqual([one.updates.length + 1, two.updates.length + 1])
  })
})

describe('publishing through the site channel', () => {
  it('rewrites five files with 50 past incidents, and says so when it had to rebuild everything', async () => {
    const w = siteWorld()
    const openedAt = new Date()
    const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice', at: openedAt})
    const past = handStore(path.join(w.dir, 'state'))
    for (const i of pastIncidents(50, new Date())) past.write(i)
    await w.publish(id, 'investigating')
    const before = readTree(w.siteDir)
    w.clock.advance(20 * 60_000)
    await w.publish(id, 'identified')
    const after = readTree(w.siteDir)
    const changed = [...after.keys()].filter((f) => after.get(f) !== before.get(f) && f !== SITE_INDEX).sort()
    const month = openedAt.toISOString().slice(0, 7)
    expect(changed).toEqual(['feed.atom', 'feed.json', `history/${month}.html`, 'incidents/voice.html', 'index.html'])

    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    writeFileSync(path.join(w.siteDir, SITE_INDEX), 'damaged')
    w.clock.advance(20 * 60_000)
    await w.publish(id, 'monitoring')
    const notes = stderr.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('site index'))
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatch(/› the site index .* is damaged \(not JSON\): rebuilt every page from the journals/)
  })
})

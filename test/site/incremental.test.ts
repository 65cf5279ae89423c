import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {buildSiteFromStore, publishToSite, SITE_INDEX} from '../../src/infrastructure/site-files.js'
import {parseSiteIndex} from '../../src/services/site/site-index.js'
import {tempDir} from '../helpers/cli.js'
import {handStore, type HandIncident, pastIncidents, readTree, resolvedIncident, SETTINGS} from './index-journals.js'
import {DAY, HOUR, MINUTE} from './status-journals.js'

const NOW = new Date('2026-11-25T15:00:00.000Z')

function indexOf(site: string) {
  const reading = parseSiteIndex(readTree(site).get(SITE_INDEX)!)
  if (!('index' in reading)) throw new Error(`index unreadable: ${reading.problem}`)
  return reading.index
}

/** The site folder without its index (whose salt is fresh on every full build). */
function pages(site: string): Map<string, string> {
  const tree = readTree(site)
  tree.delete(SITE_INDEX)
  return tree
}

/** A fresh full build of the same journals into another folder, as of `now`. */
async function fullBuild(store: ReturnType<typeof handStore>['store'], now: Date, exclude?: Set<string>) {
  const out = tempDir('candor-site-full-')
  await buildSiteFromStore(store, {out, now, exclude, ...SETTINGS})
  return out
}

describe('a publish to the site', () => {
  it('regenerates only the incident page, the overview, its history month and the feeds', async () => {
    const h = handStore()
    for (const i of pastIncidents(50, NOW)) h.write(i)
    const site = path.join(h.dir, 'site')
    const first = await buildSiteFromStore(h.store, {out: site, now: NOW, ...SETTINGS})
    expect(first.full).toBe(true)
    expect(first.generated.length).toBeGreaterThan(50)

    const voice: HandIncident = {
      id: 'voice',
      openedAt: new Date(NOW.getTime() - HOUR),
      updates: [{phase: 'investigating', at: new Date(NOW.getTime() - 50 * MINUTE), text: 'Calls fail.'}],
    }
    h.write(voice)
    const expected = ['feed.atom', 'feed.json', 'history/2026-11.html', 'incidents/voice.html', 'index.html']
    const opened = await publishToSite(h.store, {out: site, now: NOW, incidents: ['voice'], ...SETTINGS})
    expect(opened.full).toBe(false)
    expect(opened.notes).toEqual([])
    expect([...opened.generated].sort()).toEqual(expected)
    expect([...opened.written].sort()).toEqual(expected)

    // The next update, an hour later: the same five files, nothing else.
    voice.updates.push({phase: 'identified', at: new Date(NOW.getTime() - 10 * MINUTE), text: 'Found it.'})
    h.write(voice)
    const later = new Date(NOW.getTime() + HOUR)
    const next = await publishToSite(h.store, {out: site, now: later, incidents: ['voice'], ...SETTINGS})
    expect([...next.generated].sort()).toEqual(expected)
    expect(next.removed).toEqual([])
    // The site still has every page, and the index knows all 51 incidents.
    expect(next.files.filter((f) => f.startsWith('incidents/'))).toHaveLength(51)
    const index = indexOf(site)
    expect(index.incidents).toHaveLength(51)
    const voiceEntry = index.incidents.find((i) => i.id === 'voice')!
    expect(voiceEntry.updates).toBe(2)
    expect(voiceEntry.resolvedAt).toBeUndefined()
  })

  it('gives the same site, byte for byte, as a full build of the same journals', async () => {
    const h = handStore()
    // Past incidents from July to November, with more than 100 updates in the feed window.
    for (const i of pastIncidents(60, new Date('2026-11-20T00:00:00Z'), 2)) h.write(i)
    h.write({
      id: 'works',
      impact: 'maintenance',
      openedAt: new Date('2026-11-10T08:00:00Z'),
      updates: [
        {phase: 'announced', at: new Date('2026-11-10T08:00:00Z'), text: 'Planned work.'},
        {phase: 'in-progress', at: new Date('2026-11-12T22:00:00Z'), text: 'Started.'},
        {phase: 'completed', at: new Date('2026-11-13T01:00:00Z'), text: 'Done.'},
      ],
    })
    const site = path.join(h.dir, 'site')
    let now = new Date('2026-11-30T23:00:00Z')
    await buildSiteFromStore(h.store, {out: site, now, ...SETTINGS})

    /** Publishes `id` at `now` (and with `exclude`), then compares with a full build. */
    const step = async (id: string, opts: {exclude?: Set<string>; fixed?: boolean} = {}) => {
      const result = await publishToSite(h.store, {out: site, now, incidents: [id], exclude: opts.exclude, ...SETTINGS})
      expect(result.full, `${id}: ${result.notes.join('; ')}`).toBe(false)
      const full = pages(await fullBuild(h.store, now, opts.exclude))
      const mine = pages(site)
      if (opts.fixed) {
        // Same build time as every earlier step: the whole folder must be the full build's.
        expect([...mine.keys()].sort()).toEqual([...full.keys()].sort())
        for (const [file, content] of full) expect(mine.get(file), file).toBe(content)
      } else {
        // The clock moved on: what this publish regenerated must be what a full build makes now.
        for (const file of result.generated) expect(mine.get(file), file).toBe(full.get(file))
        expect([...mine.keys()].sort()).toEqual([...full.keys()].sort())
      }
      return result
    }

    // An outage opened just before midnight at the end of November, still open in December.
    const night: HandIncident = {
      id: 'night',
      openedAt: new Date('2026-11-30T22:50:00Z'),
      facts: {service: 'Acme Voice'},
      updates: [{phase: 'investigating', at: new Date('2026-11-30T22:55:00Z'), text: 'Calls <b>fail</b>.'}],
    }
    h.write(night)
    await step('night', {fixed: true})
    night.updates.push({phase: 'identified', at: new Date('2026-12-01T00:20:00Z'), text: 'Found it.'})
    h.write(night)
    now = new Date('2026-12-01T00:30:00Z')
    await step('night')

    // A new month: every history page links to it.
    const dec: HandIncident = {
      id: 'dec',
      openedAt: new Date('2026-12-01T02:00:00Z'),
      facts: {service: 'Website', severity: 'degraded'},
      updates: [{phase: 'investigating', at: new Date('2026-12-01T02:05:00Z'), text: 'Slow pages.'}],
    }
    h.write(dec)
    now = new Date('2026-12-01T03:00:00Z')
    const newMonth = await step('dec')
    expect(newMonth.generated.filter((f) => f.startsWith('history/')).sort()).toEqual(
      ['2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'].map((m) => `history/${m}.html`),
    )

    // The outage resolves (published to the site): open → resolved.
    night.updates.push({phase: 'resolved', at: new Date('2026-12-01T03:10:00Z'), text: 'Fixed.'})
    h.write(night)
    now = new Date('2026-12-01T03:30:00Z')
    await step('night')
    expect(indexOf(site).incidents.find((i) => i.id === 'night')?.resolvedAt).toBe('2026-12-01T03:10:00.000Z')

    // An update taken off (a retraction in progress), then the whole of `dec`: its page
    // and its month go, and every other month stops linking to it.
    // (the journal then records it retracted).
    const retracted = (update: number) => [
      {type: 'retraction', at: now.toISOString(), update, channel: 'status', part: 1, status: 'deleted'},
    ]
    await step('night', {exclude: new Set(['night/2'])})
    h.append('night', retracted(2))
    const removed = await step('dec', {exclude: new Set(['dec/1'])})
    h.append('dec', retracted(1))
    expect(removed.removed.sort()).toEqual(['history/2026-12.html', 'incidents/dec.html'])

    // Weeks later with the same journals: the feed window moved, entries left it.
    now = new Date('2027-01-20T12:00:00Z')
    await step('night')
    // And the same site as a full build when nothing moves between publishes.
    now = new Date('2027-01-21T12:00:00Z')
    await buildSiteFromStore(h.store, {out: site, now, ...SETTINGS})
    h.write(resolvedIncident('jan', new Date('2027-01-21T09:00:00Z'), 2))
    await step('jan', {fixed: true})
    h.write(resolvedIncident('jan-2', new Date('2027-01-21T10:00:00Z'), 4, {service: 'Website'}))
    await step('jan-2', {fixed: true})
  })

  it('picks up an open incident resolved on another channel, and journals it never saw', async () => {
    const h = handStore()
    for (const i of pastIncidents(5, NOW)) h.write(i)
    const open: HandIncident = {
      id: 'open',
      openedAt: new Date(NOW.getTime() - 3 * HOUR),
      updates: [{phase: 'investigating', at: new Date(NOW.getTime() - 3 * HOUR), text: 'Looking.'}],
    }
    h.write(open)
    const site = path.join(h.dir, 'site')
    await buildSiteFromStore(h.store, {out: site, now: NOW, ...SETTINGS})
    // Resolved on another channel only: its site page must say so at the next publish of anything.
    const post = {channel: 'x', type: 'x', parts: [{text: 'Fixed.', length: 6, limit: 280}]}
    h.append('open', [
      {type: 'rendered', at: NOW.toISOString(), update: 2, phase: 'resolved', posts: [post]},
      {type: 'approved', at: NOW.toISOString(), update: 2, channels: ['x'], declined: []},
      {type: 'delivery_attempt', at: NOW.toISOString(), update: 2, channel: 'x', part: 1, attempt: 1},
      {
        type: 'delivery_result',
        at: NOW.toISOString(),
        update: 2,
        channel: 'x',
        part: 1,
        status: 'published',
        remote: {id: '1', url: 'https://x.example/1'},
      },
    ])
    // An incident published from another machine (or copied in): this index never saw it.
    h.write(resolvedIncident('elsewhere', new Date(NOW.getTime() - DAY), 2))
    h.write(resolvedIncident('new', new Date(NOW.getTime() - HOUR), 2))
    const result = await publishToSite(h.store, {out: site, now: NOW, incidents: ['new'], ...SETTINGS})
    expect(result.full).toBe(false)
    expect(result.generated).toEqual(expect.arrayContaining(['incidents/elsewhere.html', 'incidents/open.html']))
    const full = pages(await fullBuild(h.store, NOW))
    for (const [file, content] of full) expect(pages(site).get(file), file).toBe(content)
    expect(pages(site).get('incidents/open.html')).toContain('Resolved <time')
  })
})

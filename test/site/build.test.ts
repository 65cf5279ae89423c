import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {JournalEvent} from '../../src/services/incident/events.js'
import {foldIncident} from '../../src/services/incident/state.js'
import {buildSite, type SiteFile} from '../../src/services/site/build.js'
import {clean, escapeText, linkify, postToHtml} from '../../src/services/site/escape.js'
import {stableUuid} from '../../src/services/site/feeds.js'
import {BARS_SCRIPT, relativeTime} from '../../src/services/site/html.js'
import {loadAllIncidents} from '../../src/services/site/service.js'
import {DAY, HOUR, MINUTE, siteWorld} from './helpers.js'

const NOW = new Date('2026-11-25T15:00:00.000Z')
const at = (ms: number) => new Date(NOW.getTime() + ms)

function file(files: SiteFile[], p: string): string {
  const f = files.find((x) => x.path === p)
  if (!f) throw new Error(`no ${p} in ${files.map((x) => x.path).join(', ')}`)
  return f.content
}

/** The text of an element found by a regex over the markup, tags removed. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}

async function builtWorld(
  setup: (w: ReturnType<typeof siteWorld>) => Promise<void>,
  opts: Parameters<typeof siteWorld>[0] = {},
  components?: string[],
) {
  const w = siteWorld(opts)
  await setup(w)
  const {states} = await loadAllIncidents(w.store)
  return buildSite(states, {
    title: 'Acme status',
    baseUrl: opts.baseUrl === null ? undefined : 'https://status.acme.example/',
    components: components ?? ['Acme Voice', 'Acme Messaging', 'Website'],
    now: NOW,
  })
}

/** The page without the one script Candor adds (the bars' keyboard enhancement): anything else is injected. */
function withoutOwnScript(html: string): string {
  return html.replace(`<script>\n${BARS_SCRIPT}\n</script>\n`, '')
}

/** Each component's name, status now and uptime, as the overview's rows say them. */
function componentRows(index: string): string {
  return [...index.matchAll(/<div class="component-head">([\s\S]*?)<\/div>/g)].map((m) => textOf(m[1])).join(' ')
}

/** A journal written by hand, for what the publisher can't easily produce. */
function events(list: Array<Record<string, unknown>>): JournalEvent[] {
  return list.map((e, i) => ({seq: i + 1, by: 'dana', ...e}) as unknown as JournalEvent)
}

describe('buildSite', () => {
  it('shows the overall status, a card per open incident with updates newest first, components and history', async () => {
    const site = await builtWorld(async (w) => {
      const old = await w.open(
        {service: 'Acme Messaging', impact: 'Messages are late'},
        {id: 'old-one', at: at(-10 * DAY)},
      )
      await w.publish(old, 'investigating', {}, {at: at(-10 * DAY + 5 * MINUTE)})
      await w.publish(old, 'resolved', {}, {at: at(-10 * DAY + 2 * HOUR)})
      const ancient = await w.open({service: 'Website', impact: 'Slow pages'}, {id: 'ancient', at: at(-120 * DAY)})
      await w.publish(ancient, 'resolved', {}, {at: at(-120 * DAY + HOUR)})
      const id = await w.open(
        {service: 'Acme Voice', impact: 'Calls fail to connect'},
        {id: 'voice', at: at(-50 * MINUTE)},
      )
      await w.publish(id, 'investigating', {}, {at: at(-45 * MINUTE)})
      await w.publish(id, 'identified', {cause: 'a failed database upgrade'}, {at: at(-12 * MINUTE)})
    })
    expect(site.files.map((f) => f.path)).toEqual([
      'style.css',
      'incidents/ancient.html',
      'incidents/old-one.html',
      'incidents/voice.html',
      'history/2026-11.html',
      'history/2026-07.html',
      'feed.atom',
      'feed.json',
      'index.html',
    ])
    const index = file(site.files, 'index.html')
    expect(index).toMatch(/^<!doctype html>\n<html lang="en">/)
    expect(index).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">')
    expect(index).toContain('<section class="overall status-outage" aria-labelledby="status-heading">')
    expect(textOf(index.match(/<h2 id="status-heading">.*?<\/h2>/s)![0])).toBe('● Major outage')

    // One card, updates newest first, each with phase, <time datetime> and "ago" as of the build.
    const card = index.match(/<article class="incident impact-outage"[\s\S]*?<\/article>/)![0]
    expect(card).toContain('<a href="incidents/voice.html">Acme Voice outage</a>')
    const updates = [...card.matchAll(/<li class="update" id="voice-update-(\d)">([\s\S]*?)<\/li>/g)]
    expect(updates.map((m) => m[1])).toEqual(['2', '1'])
    expect(updates[0][2]).toContain('<span class="phase">Identified</span>')
    expect(updates[0][2]).toContain(
      '<time datetime="2026-11-25T14:48:00.000Z">25 Nov 2026, 14:48 UTC</time> <span class="ago">(12 minutes ago)</span>',
    )
    expect(updates[0][2]).toContain(
      '<p>We found the cause of the Acme Voice problems: a failed database upgrade. A fix is being rolled out.</p>',
    )
    expect(updates[1][2]).toContain('<p>Next update by 14:45 UTC.</p>')

    // Components: the service named by the incident is down, the rest operational.
    expect(componentRows(index)).toMatch(
      /^Acme Voice Outage [\d.]+% uptime Acme Messaging Operational [\d.]+% uptime Website Operational 100.00% uptime$/,
    )

    // History: resolved within 90 days only; the older incident keeps its page.
    const history = index.match(/<ul class="history">[\s\S]*?<\/ul>/)![0]
    expect(history).toContain('<a href="incidents/old-one.html">Acme Messaging outage</a>')
    expect(history).toContain('lasted 2 hours')
    expect(history).not.toContain('ancient')
    expect(file(site.files, 'incidents/ancient.html')).toContain('<h1 id="incident-heading">Website outage</h1>')
  })

  it('has landmarks, one h1, and time elements with machine-readable datetimes on every page', async () => {
    const site = await builtWorld(async (w) => {
      const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice', at: at(-HOUR)})
      await w.publish(id, 'investigating', {}, {at: at(-HOUR + MINUTE)})
    })
    for (const p of ['index.html', 'incidents/voice.html']) {
      const html = file(site.files, p)
      expect(html.match(/<h1[\s>]/g), p).toHaveLength(1)
      for (const landmark of [
        '<header class="site-header">',
        '<main id="main"',
        '<footer class="site-footer">',
        '<nav aria-label="Subscribe">',
      ])
        expect(html, p).toContain(landmark)
      expect(html).toContain('<a class="skip" href="#main">Skip to content</a>')
      expect(html).toContain('<meta name="color-scheme" content="light dark">')
      const times = [...html.matchAll(/<time datetime="([^"]+)">([^<]+)<\/time>/g)]
      expect(times.length).toBeGreaterThanOrEqual(3)
      for (const [, iso, shown] of times) {
        expect(new Date(iso).toISOString()).toBe(iso)
        expect(shown).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC$/)
      }
      expect(withoutOwnScript(html)).not.toMatch(/<script|<img|<link rel="stylesheet" href="http|@import|url\(/i)
    }
    const page = file(site.files, 'incidents/voice.html')
    expect(page).toContain('<link rel="stylesheet" href="../style.css">')
    expect(page).toContain('<link rel="canonical" href="https://status.acme.example/incidents/voice.html">')
    expect(page).toContain('<li class="update" id="update-1">')
    expect(file(site.files, 'style.css')).toContain('@media (prefers-color-scheme: dark)')
  })

  it('shows a fact containing markup as text, and never escapes the rendered post twice', async () => {
    const site = await builtWorld(
      async (w) => {
        const id = await w.open(
          {
            service: '<script>alert("x")</script> AT&T',
            impact: 'Calls fail & drop <b>now</b>',
            components: ['Acme Voice'],
          },
          {id: 'evil', at: at(-HOUR)},
        )
        await w.publish(id, 'investigating', {}, {at: at(-HOUR + MINUTE)})
      },
      {extraFacts: '  title: {}'},
    )
    for (const p of ['index.html', 'incidents/evil.html']) {
      const html = withoutOwnScript(file(site.files, p))
      expect(html).not.toContain('<script>')
      expect(html).not.toContain('<b>now</b>')
      expect(html).not.toContain('&amp;amp;')
      expect(html).not.toContain('&amp;lt;')
      // The title (escaped here) and the post (escaped once, by the renderer).
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; AT&amp;T outage')
      expect(html).toContain(
        'We are investigating problems with &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; AT&amp;T: Calls fail &amp; drop &lt;b&gt;now&lt;/b&gt;.',
      )
    }
    const atom = file(site.files, 'feed.atom')
    expect(atom).not.toContain('<script')
    expect(atom).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; AT&amp;T outage: Investigating')
    const json = JSON.parse(file(site.files, 'feed.json'))
    expect(json.items[0].title).toBe('<script>alert("x")</script> AT&T outage: Investigating')
    expect(json.items[0].content_html).toContain('&lt;script&gt;alert(&quot;x&quot;)')
  })

  it('leaves out updates not approved for the site, incidents that never posted there, and retracted updates', async () => {
    const site = await builtWorld(async (w) => {
      const internal = await w.open({service: 'Acme Voice', impact: 'Internal only'}, {id: 'internal', at: at(-HOUR)})
      void internal
      const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice', at: at(-HOUR)})
      await w.publish(id, 'investigating', {}, {at: at(-50 * MINUTE)})
    })
    expect(site.incidents.map((i) => i.id)).toEqual(['voice'])
    expect(site.files.map((f) => f.path)).not.toContain('incidents/internal.html')

    const state = foldIncident(
      events([
        {
          type: 'opened',
          at: at(-HOUR).toISOString(),
          incident: 'mixed',
          playbook: {name: 'outage', file: '/x.yaml'},
          started_at: at(-HOUR).toISOString(),
          facts: {service: 'Acme Voice'},
        },
        {
          type: 'rendered',
          at: at(-50 * MINUTE).toISOString(),
          update: 1,
          phase: 'investigating',
          posts: [
            {channel: 'status', type: 'site', parts: [{text: 'first &amp; shown', length: 1, limit: null}]},
            {channel: 'x', type: 'x', parts: [{text: 'x text', length: 6, limit: 280}]},
          ],
        },
        {type: 'approved', at: at(-50 * MINUTE).toISOString(), update: 1, channels: ['status', 'x'], declined: []},
        {
          type: 'rendered',
          at: at(-40 * MINUTE).toISOString(),
          update: 2,
          phase: 'identified',
          posts: [{channel: 'status', type: 'site', parts: [{text: 'declined for the site', length: 1, limit: null}]}],
        },
        {type: 'approved', at: at(-40 * MINUTE).toISOString(), update: 2, channels: [], declined: ['status']},
        {
          type: 'rendered',
          at: at(-30 * MINUTE).toISOString(),
          update: 3,
          phase: 'identified',
          posts: [{channel: 'status', type: 'site', parts: [{text: 'retracted later', length: 1, limit: null}]}],
        },
        {type: 'approved', at: at(-30 * MINUTE).toISOString(), update: 3, channels: ['status'], declined: []},
        {
          type: 'delivery_result',
          at: at(-30 * MINUTE).toISOString(),
          update: 3,
          channel: 'status',
          part: 1,
          status: 'published',
          remote: {id: 'mixed/3'},
        },
        {
          type: 'retraction',
          at: at(-20 * MINUTE).toISOString(),
          update: 3,
          channel: 'status',
          part: 1,
          status: 'deleted',
        },
        {
          type: 'rendered',
          at: at(-10 * MINUTE).toISOString(),
          update: 4,
          phase: 'monitoring',
          posts: [
            {channel: 'status', type: 'site', parts: [{text: 'rendered, never approved', length: 1, limit: null}]},
          ],
        },
      ]),
    )
    const mixed = buildSite([state], {now: NOW})
    const page = file(mixed.files, 'incidents/mixed.html')
    expect(page).toContain('<p>first &amp; shown</p>')
    for (const hidden of ['x text', 'declined for the site', 'retracted later', 'never approved'])
      expect(page).not.toContain(hidden)
    expect(mixed.incidents[0]).toMatchObject({phase: 'investigating', resolved: false, updates: [{update: 1}]})
    // An exclusion (a retraction in progress) hides an update too.
    expect(buildSite([state], {now: NOW, exclude: new Set(['mixed/1'])}).incidents).toEqual([])
  })

  it('counts an incident resolved on another channel as resolved', () => {
    const state = foldIncident(
      events([
        {
          type: 'opened',
          at: at(-HOUR).toISOString(),
          incident: 'elsewhere',
          playbook: {name: 'outage', file: '/x.yaml'},
          started_at: at(-HOUR).toISOString(),
          facts: {},
        },
        {
          type: 'rendered',
          at: at(-50 * MINUTE).toISOString(),
          update: 1,
          phase: 'investigating',
          posts: [{channel: 'status', type: 'site', parts: [{text: 'looking', length: 1, limit: null}]}],
        },
        {type: 'approved', at: at(-50 * MINUTE).toISOString(), update: 1, channels: ['status'], declined: []},
        {
          type: 'rendered',
          at: at(-20 * MINUTE).toISOString(),
          update: 2,
          phase: 'resolved',
          posts: [{channel: 'x', type: 'x', parts: [{text: 'fixed', length: 5, limit: 280}]}],
        },
        {type: 'approved', at: at(-20 * MINUTE).toISOString(), update: 2, channels: ['x'], declined: []},
        {
          type: 'delivery_result',
          at: at(-19 * MINUTE).toISOString(),
          update: 2,
          channel: 'x',
          part: 1,
          status: 'published',
          remote: {id: '1'},
        },
      ]),
    )
    const site = buildSite([state], {now: NOW})
    expect(site.incidents[0]).toMatchObject({
      resolved: true,
      resolvedAt: at(-19 * MINUTE).toISOString(),
      title: 'Outage',
    })
    const index = file(site.files, 'index.html')
    expect(index).toContain('status-operational')
    expect(index).toContain('All systems operational')
    expect(index).toContain('<a href="incidents/elsewhere.html">Outage</a>')
  })

  it('marks only the components an incident names, and all of them when it names none', async () => {
    const named = await builtWorld(async (w) => {
      const id = await w.open(
        {service: 'Something else', impact: 'x', components: ['website', 'Unknown']},
        {id: 'a', at: at(-HOUR)},
      )
      await w.publish(id, 'investigating', {}, {at: at(-HOUR)})
    })
    expect(componentRows(file(named.files, 'index.html'))).toBe(
      'Acme Voice Operational 100.00% uptime Acme Messaging Operational 100.00% uptime Website Outage 93.33% uptime',
    )
    const all = await builtWorld(async (w) => {
      const id = await w.open({service: 'Something else', impact: 'x'}, {id: 'a', at: at(-HOUR)})
      await w.publish(id, 'investigating', {}, {at: at(-HOUR)})
    })
    expect(componentRows(file(all.files, 'index.html'))).toBe(
      'Acme Voice Outage 93.33% uptime Acme Messaging Outage 93.33% uptime Website Outage 93.33% uptime',
    )
    const none = await builtWorld(async () => {}, {}, [])
    const index = file(none.files, 'index.html')
    expect(index).not.toContain('<ul class="components">')
    expect(index).toContain('All systems operational')
    expect(index).toContain('No incidents in the last 90 days.')
  })

  it('takes the impact from a severity fact, else the playbook name; maintenance before its window changes no status', () => {
    const make = (name: string, phase: string, facts: Record<string, unknown> = {}) =>
      foldIncident(
        events([
          {
            type: 'opened',
            at: at(-HOUR).toISOString(),
            incident: `${name}-${phase}`,
            playbook: {name, file: '/x.yaml'},
            started_at: at(-HOUR).toISOString(),
            facts,
          },
          {
            type: 'rendered',
            at: at(-HOUR).toISOString(),
            update: 1,
            phase,
            posts: [{channel: 's', type: 'site', parts: [{text: 't', length: 1, limit: null}]}],
          },
          {type: 'approved', at: at(-HOUR).toISOString(), update: 1, channels: ['s'], declined: []},
        ]),
      )
    const status = (...states: ReturnType<typeof make>[]) =>
      file(buildSite(states, {now: NOW, components: ['A']}).files, 'index.html').match(
        /class="overall status-(\w+)"/,
      )![1]
    expect(status(make('degraded-performance', 'investigating'))).toBe('degraded')
    expect(status(make('degraded-performance', 'investigating', {severity: 'major'}))).toBe('outage')
    expect(status(make('scheduled-maintenance', 'announced'))).toBe('operational')
    expect(status(make('scheduled-maintenance', 'in-progress'))).toBe('maintenance')
    expect(status(make('scheduled-maintenance', 'in-progress'), make('degraded-performance', 'identified'))).toBe(
      'degraded',
    )
    const announced = file(buildSite([make('scheduled-maintenance', 'announced')], {now: NOW}).files, 'index.html')
    expect(announced).toContain('<h2 id="scheduled-heading">Upcoming maintenance</h2>')
    expect(announced).not.toContain('open-heading')
  })

  it('writes a JSON Feed 1.1 with every update, newest first, and stable ids', async () => {
    const site = await builtWorld(async (w) => {
      const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice', at: at(-HOUR)})
      await w.publish(id, 'investigating', {}, {at: at(-50 * MINUTE)})
      await w.publish(id, 'resolved', {}, {at: at(-5 * MINUTE)})
    })
    const feed = JSON.parse(file(site.files, 'feed.json'))
    // JSON Feed 1.1: version, title and items are required; each item needs an id and content_html or content_text.
    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Acme status',
      home_page_url: 'https://status.acme.example/',
      feed_url: 'https://status.acme.example/feed.json',
    })
    expect(Array.isArray(feed.items)).toBe(true)
    for (const item of feed.items) {
      expect(typeof item.id).toBe('string')
      expect(typeof item.content_html).toBe('string')
      expect(new Date(item.date_published).toISOString()).toBe(item.date_published)
      expect(item.url).toMatch(/^https:\/\/status\.acme\.example\/incidents\/voice\.html#update-\d$/)
    }
    expect(feed.items.map((i: {title: string}) => i.title)).toEqual([
      'Acme Voice outage: Resolved',
      'Acme Voice outage: Investigating',
    ])
    expect(feed.items[1].id).toBe(stableUuid('voice/1'))
    expect(stableUuid('voice/1')).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )

    // Without a base URL the feed's URLs (which must be absolute) are left out, not made up.
    const bare = await builtWorld(
      async (w) => {
        const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice', at: at(-HOUR)})
        await w.publish(id, 'investigating', {}, {at: at(-50 * MINUTE)})
      },
      {baseUrl: null},
    )
    const bareFeed = JSON.parse(file(bare.files, 'feed.json'))
    expect(bareFeed.home_page_url).toBeUndefined()
    expect(bareFeed.items[0].url).toBeUndefined()
    expect(file(bare.files, 'feed.atom')).toContain(
      '<link rel="alternate" type="text/html" href="incidents/voice.html#update-1"/>',
    )
  })

  it('is a pure function of the incidents and the build time', async () => {
    const w = siteWorld()
    const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice', at: at(-HOUR)})
    await w.publish(id, 'investigating', {}, {at: at(-50 * MINUTE)})
    const {states} = await loadAllIncidents(w.store)
    const a = buildSite(states, {title: 'T', components: ['Acme Voice'], now: NOW})
    const b = buildSite((await loadAllIncidents(w.store)).states, {title: 'T', components: ['Acme Voice'], now: NOW})
    expect(a.files).toEqual(b.files)
  })
})

describe('post text and times', () => {
  it('turns blank lines into paragraphs, newlines into breaks, and links bare URLs', () => {
    expect(postToHtml('One &amp; two.\nStill one.\n\nSee https://status.acme.example/x?a&#x3D;1&amp;b&#x3D;2.')).toBe(
      '<p>One &amp; two.<br>\nStill one.</p>\n<p>See <a href="https://status.acme.example/x?a&#x3D;1&amp;b&#x3D;2">https://status.acme.example/x?a&#x3D;1&amp;b&#x3D;2</a>.</p>',
    )
    expect(postToHtml('<p>Already <a href="https://a.example">https://a.example</a></p>')).toBe(
      '<p>Already <a href="https://a.example">https://a.example</a></p>',
    )
    expect(linkify('(see https://a.example/path).')).toBe(
      '(see <a href="https://a.example/path">https://a.example/path</a>).',
    )
    expect(linkify('<a href="https://a.example">https://a.example</a>')).toBe(
      '<a href="https://a.example">https://a.example</a>',
    )
    expect(postToHtml('bad\u0000char\uD800')).toBe('<p>badchar</p>')
  })

  it('escapes any text so that only entities remain, and decoding gives it back', () => {
    const decode = (s: string) =>
      s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'"})[e]!)
    fc.assert(
      fc.property(fc.string({unit: 'binary'}), (text) => {
        const escaped = escapeText(text)
        expect(escaped).toMatch(/^(?:[^&<>"']|&(?:amp|lt|gt|quot|#39);)*$/)
        expect(decode(escaped)).toBe(clean(text))
      }),
    )
    // And any title or fact, through a whole build, leaves no raw markup in the pages.
    fc.assert(
      fc.property(fc.string(), fc.string(), (title, service) => {
        const state = foldIncident(
          events([
            {
              type: 'opened',
              at: at(-HOUR).toISOString(),
              incident: 'p',
              playbook: {name: 'outage', file: '/x.yaml'},
              started_at: at(-HOUR).toISOString(),
              facts: {service: `<i>${service}`},
            },
            {
              type: 'rendered',
              at: at(-HOUR).toISOString(),
              update: 1,
              phase: '<b>phase',
              posts: [{channel: 's', type: 'site', parts: [{text: 'escaped', length: 1, limit: null}]}],
            },
            {type: 'approved', at: at(-HOUR).toISOString(), update: 1, channels: ['s'], declined: []},
          ]),
        )
        // (feed.json is JSON: its titles are plain text by the spec, and content_html is escaped.)
        for (const f of buildSite([state], {title: `<u>${title}`, now: NOW, components: [`<s>${service}`]}).files) {
          if (f.path === 'feed.json') expect(JSON.parse(f.content).items[0].content_html).toBe('<p>escaped</p>')
          else expect(f.content, f.path).not.toMatch(/<[ibus]>/)
        }
      }),
      {numRuns: 50},
    )
  })

  it('says how long ago, as of the build', () => {
    expect(relativeTime(at(-30_000).toISOString(), NOW)).toBe('just now')
    expect(relativeTime(at(-12 * MINUTE).toISOString(), NOW)).toBe('12 minutes ago')
    expect(relativeTime(at(-(2 * HOUR + 5 * MINUTE)).toISOString(), NOW)).toBe('2 hours 5 minutes ago')
    expect(relativeTime(at(3 * DAY).toISOString(), NOW)).toBe('in 3 days')
  })
})

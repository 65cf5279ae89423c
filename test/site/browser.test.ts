import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {beforeAll, describe, expect, it} from 'vitest'
import type {JournalEvent} from '../../src/services/incident/events.js'
import {foldIncident} from '../../src/services/incident/state.js'
import {buildSite} from '../../src/services/site/build.js'
import {buildSiteFromStore} from '../../src/infrastructure/site-files.js'
import {findSiteChannel} from '../../src/services/site/service.js'
import {ROOT} from '../helpers/cli.js'
import {dumpDom, findChromium, IN_CI, screenshot} from './chromium.js'
import {exampleWorld, publishExample} from './helpers.js'

/**
 * The built site in a real browser (Debian's Chromium, headless): the incident text is
 * rendered and visible, text has enough contrast in light and dark mode, nothing
 * overflows a phone's width, and the feeds parse as XML. Screenshots go to
 * test-output/site/; UPDATE_SCREENSHOT=1 also refreshes docs/status-site.png.
 */

const chromium = findChromium()
if (!chromium) {
  if (IN_CI)
    throw new Error(
      "Chromium is required in CI for the status-site browser test: .ci/run installs Debian's `chromium` (or set CHROMIUM_BIN)",
    )
  console.warn(
    "Skipping the status-site browser test: no Chromium at /usr/bin/chromium or on the PATH (install Debian's `chromium`, or set CHROMIUM_BIN).",
  )
}

const OUTPUT = path.join(ROOT, 'test-output', 'site')
/** The example's fixed "now", so the README screenshot doesn't change with the date. */
const NOW = new Date('2026-11-25T14:26:00.000Z')

interface Report {
  visibleText: string
  rendered: string[]
  landmarks: Record<string, number>
  h1: number
  times: Array<{datetime: string; text: string}>
  minContrast: {ratio: number; text: string; color: string; background: string}
  bodyLuminance: number
  overflow: {scrollWidth: number; viewport: number}
  feeds?: Record<string, AtomReport>
}

interface AtomReport {
  error?: string
  root?: string
  ns?: string
  feed?: {
    id: string | null
    title: string | null
    updated: string | null
    authors: string[]
    links: Array<{rel: string | null; href: string | null}>
  }
  entries?: Array<{
    id: string | null
    title: string | null
    updated: string | null
    link: string | null
    contentType: string | null
    contentText: string | null
  }>
}

/**
 * A page that loads the site in an iframe (file:// access allowed for it alone) and
 * reports, as base64 JSON in <pre id="out">, what a person would see: rendered text,
 * landmarks, contrast of every visible text, overflow; and parses the given feeds
 * with the browser's XML parser.
 */
function harness(page: string, feeds: Record<string, string>, width: number): string {
  const script = String.raw`
const FEEDS = ${JSON.stringify(feeds).replace(/</g, '\\u003c')};
const ATOM = 'http://www.w3.org/2005/Atom';
function rgba(s) { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return [0, 0, 0, 0]; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
function lum(c) { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); }
function background(win, el) { for (let e = el; e; e = e.parentElement) { const c = rgba(win.getComputedStyle(e).backgroundColor); if (c[3] > 0) return c; } return [255, 255, 255, 1]; }
function atom(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const err = doc.getElementsByTagName('parsererror')[0];
  if (err) return {error: err.textContent};
  const kids = (el, name) => [...el.children].filter((c) => c.namespaceURI === ATOM && c.localName === name);
  const text = (el, name) => (kids(el, name)[0] ? kids(el, name)[0].textContent : null);
  const root = doc.documentElement;
  return {
    root: root.localName, ns: root.namespaceURI,
    feed: {id: text(root, 'id'), title: text(root, 'title'), updated: text(root, 'updated'), authors: kids(root, 'author').map((a) => text(a, 'name')), links: kids(root, 'link').map((l) => ({rel: l.getAttribute('rel'), href: l.getAttribute('href')}))},
    entries: kids(root, 'entry').map((e) => ({
      id: text(e, 'id'), title: text(e, 'title'), updated: text(e, 'updated'),
      link: kids(e, 'link')[0] ? kids(e, 'link')[0].getAttribute('href') : null,
      contentType: kids(e, 'content')[0] ? kids(e, 'content')[0].getAttribute('type') : null,
      contentText: kids(e, 'content')[0] ? new DOMParser().parseFromString(kids(e, 'content')[0].textContent, 'text/html').body.textContent : null,
    })),
  };
}
function report() {
  const frame = document.getElementById('site');
  const win = frame.contentWindow, doc = frame.contentDocument;
  const out = {rendered: [], landmarks: {}, times: []};
  out.visibleText = doc.body.innerText;
  for (const sel of ['header', 'main', 'footer', 'nav']) out.landmarks[sel] = doc.querySelectorAll(sel).length;
  out.h1 = doc.querySelectorAll('h1').length;
  out.times = [...doc.querySelectorAll('time')].map((t) => ({datetime: t.dateTime, text: t.textContent}));
  for (const el of doc.querySelectorAll('.update-text p')) { const r = el.getBoundingClientRect(); if (r.width > 0 && r.height > 0 && win.getComputedStyle(el).visibility === 'visible') out.rendered.push(el.innerText); }
  let worst = {ratio: 99};
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest('.skip') || el.getClientRects().length === 0) continue;
    const fg = rgba(win.getComputedStyle(el).color), bg = background(win, el);
    const a = lum(fg), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst.ratio) worst = {ratio, text: n.textContent.trim().slice(0, 60), color: win.getComputedStyle(el).color, background: 'rgb(' + bg.slice(0, 3).join(', ') + ')'};
  }
  out.minContrast = worst;
  out.bodyLuminance = lum(background(win, doc.body));
  out.overflow = {scrollWidth: doc.documentElement.scrollWidth, viewport: win.innerWidth};
  if (Object.keys(FEEDS).length > 0) { out.feeds = {}; for (const [name, xml] of Object.entries(FEEDS)) out.feeds[name] = atom(xml); }
  document.getElementById('out').textContent = btoa(unescape(encodeURIComponent(JSON.stringify(out))));
}`
  return `<!doctype html>
<html><head><meta charset="utf-8"><style>html,body{margin:0}iframe{border:0;width:${width}px;height:4000px;display:block}</style>
<script>${script}</script></head>
<body><pre id="out">pending</pre><iframe id="site" src="${page}" onload="report()"></iframe></body></html>
`
}

async function inspect(
  dir: string,
  page: string,
  opts: {width?: number; dark?: boolean; feeds?: Record<string, string>} = {},
): Promise<Report> {
  const file = path.join(dir, `harness-${Math.random().toString(36).slice(2)}.html`)
  writeFileSync(file, harness(page, opts.feeds ?? {}, opts.width ?? 1280))
  const dom = await dumpDom(chromium!, pathToFileURL(file).href, [
    '--allow-file-access-from-files',
    `--window-size=${Math.max(opts.width ?? 1280, 800)},900`,
    ...(opts.dark ? ['--force-dark-mode'] : []),
  ])
  const encoded = /<pre id="out">([^<]*)<\/pre>/.exec(dom)?.[1]
  if (!encoded || encoded === 'pending') throw new Error(`the harness did not report:\n${dom.slice(0, 2000)}`)
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Report
}

describe.skipIf(!chromium)('the status site in Chromium', () => {
  let root: string
  let site: string
  let incidentId: string

  beforeAll(async () => {
    // The shipped outage playbook and example facts, published to a site channel.
    const world = exampleWorld()
    incidentId = await publishExample(world, NOW)
    // Rebuilt as of a fixed time, with the channel's own settings, for a stable picture.
    const found = await findSiteChannel(world.store)
    await buildSiteFromStore(world.store, {
      out: world.siteDir,
      title: found?.options.title,
      baseUrl: found?.options.baseUrl,
      components: found?.options.components,
      now: NOW,
    })
    root = world.dir
    site = world.siteDir
    mkdirSync(OUTPUT, {recursive: true})
  })

  it('renders the open incident visibly, with landmarks, one h1 and machine-readable times; saves screenshots', async () => {
    const index = pathToFileURL(path.join(site, 'index.html')).href
    const r = await inspect(root, 'public/index.html')
    expect(r.visibleText).toContain('Major outage')
    expect(r.visibleText).toContain('Acme Voice outage')
    expect(r.visibleText).toContain(
      "An update on the problems with Acme Voice: we've found the cause, a faulty network update at one of our data centres, and our team is working on a fix.",
    )
    expect(r.visibleText).toMatch(/Identified\s+25 Nov 2026, 14:12 UTC \(14 minutes ago\)/)
    expect(r.rendered.some((t) => t.startsWith("We're investigating a problem with Acme Voice"))).toBe(true)
    expect(r.landmarks).toEqual({header: 1, main: 1, footer: 1, nav: 2})
    expect(r.h1).toBe(1)
    expect(r.times.length).toBeGreaterThan(4)
    for (const t of r.times) expect(new Date(t.datetime).toISOString()).toBe(t.datetime)
    expect(r.minContrast.ratio, JSON.stringify(r.minContrast)).toBeGreaterThanOrEqual(4.5)
    expect(r.overflow.scrollWidth).toBeLessThanOrEqual(r.overflow.viewport)

    const desktop = path.join(OUTPUT, 'status-site.png')
    await screenshot(chromium!, index, desktop, {width: 1280, height: 1480})
    expect(readFileSync(desktop).subarray(1, 4).toString()).toBe('PNG')
    await screenshot(
      chromium!,
      pathToFileURL(path.join(site, 'incidents', `${incidentId}.html`)).href,
      path.join(OUTPUT, 'incident-page.png'),
      {width: 1280, height: 1200},
    )
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(desktop, path.join(ROOT, 'docs', 'status-site.png'))
  }, 120_000)

  it('fits a phone screen', async () => {
    const phone = await inspect(root, 'public/index.html', {width: 390})
    expect(phone.overflow.viewport).toBeLessThanOrEqual(390)
    expect(phone.overflow.scrollWidth).toBeLessThanOrEqual(phone.overflow.viewport)
    expect(phone.visibleText).toContain('Acme Voice outage')
    await screenshot(
      chromium!,
      pathToFileURL(path.join(site, 'index.html')).href,
      path.join(OUTPUT, 'status-site-mobile.png'),
      {width: 390, height: 1600},
    )
    const page = await inspect(root, `public/incidents/${incidentId}.html`, {width: 390})
    expect(page.h1).toBe(1)
    expect(page.overflow.scrollWidth).toBeLessThanOrEqual(page.overflow.viewport)
    expect(page.minContrast.ratio).toBeGreaterThanOrEqual(4.5)
  }, 120_000)

  it('stays readable in dark mode', async () => {
    const dark = await inspect(root, 'public/index.html', {dark: true})
    expect(dark.bodyLuminance).toBeLessThan(0.05)
    expect(dark.minContrast.ratio, JSON.stringify(dark.minContrast)).toBeGreaterThanOrEqual(4.5)
    await screenshot(
      chromium!,
      pathToFileURL(path.join(site, 'index.html')).href,
      path.join(OUTPUT, 'status-site-dark.png'),
      {width: 1280, height: 1400},
      {dark: true},
    )
  }, 120_000)

  it('writes Atom feeds that parse as XML with every required element, whatever the facts contain', async () => {
    const nasty = 'Ctrl\u0001\u0008 ]]> <script>alert(1)</script> & "quotes" \'apos\' \uD800 lone, emoji 🚨'
    const events = [
      {
        type: 'opened',
        at: NOW.toISOString(),
        incident: 'nasty',
        playbook: {name: 'outage', file: '/p.yaml'},
        started_at: NOW.toISOString(),
        facts: {service: nasty},
      },
      {
        type: 'rendered',
        at: NOW.toISOString(),
        update: 1,
        phase: 'investigating',
        posts: [
          {channel: 'status', type: 'site', parts: [{text: `Raw ${nasty} and <b>markup</b>`, length: 1, limit: null}]},
        ],
      },
      {type: 'approved', at: NOW.toISOString(), update: 1, channels: ['status'], declined: []},
    ].map((e, i) => ({seq: i + 1, by: 'dana', ...e}) as unknown as JournalEvent)
    const nastySite = buildSite([foldIncident(events)], {title: `Status ${nasty}`, now: NOW})
    const feeds = {
      example: readFileSync(path.join(site, 'feed.atom'), 'utf8'),
      nasty: nastySite.files.find((f) => f.path === 'feed.atom')!.content,
      empty: buildSite([], {title: 'Nothing yet', now: NOW}).files.find((f) => f.path === 'feed.atom')!.content,
    }
    const r = await inspect(root, 'public/index.html', {feeds})
    for (const [name, feed] of Object.entries(r.feeds!)) {
      expect(feed.error, `${name}: ${feed.error}`).toBeUndefined()
      expect(feed.root).toBe('feed')
      expect(feed.ns).toBe('http://www.w3.org/2005/Atom')
      // RFC 4287: atom:feed has exactly one id, title and updated, and an author unless every entry has one.
      expect(feed.feed!.id, name).toBeTruthy()
      expect(feed.feed!.title, name).toBeTruthy()
      expect(new Date(feed.feed!.updated!).toISOString()).toBe(feed.feed!.updated)
      expect(feed.feed!.authors.length).toBe(1)
      expect(feed.feed!.links.find((l) => l.rel === 'self')).toBeTruthy()
      for (const entry of feed.entries!) {
        expect(entry.id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/)
        expect(entry.title).toBeTruthy()
        expect(new Date(entry.updated!).toISOString()).toBe(entry.updated)
        expect(entry.link).toBeTruthy()
        expect(entry.contentType).toBe('html')
      }
    }
    expect(r.feeds!.example.feed!.id).toBe('https://status.acme.example/')
    expect(r.feeds!.example.entries!.map((e) => e.title)).toEqual([
      'Acme Voice outage: Identified',
      'Acme Voice outage: Investigating',
      'Acme Messaging outage: Resolved',
      'Acme Messaging outage: Identified',
      'Acme Messaging outage: Investigating',
    ])
    expect(r.feeds!.example.entries![0].contentText).toContain("we've found the cause, a faulty network update")
    expect(r.feeds!.nasty.entries![0].title).toBe(
      'Ctrl ]]> <script>alert(1)</script> & "quotes" \'apos\'  lone, emoji 🚨 outage: Investigating',
    )
    expect(r.feeds!.nasty.entries![0].contentText).toContain('Raw Ctrl ]]> alert(1) &')
    expect(r.feeds!.empty.entries).toEqual([])
  }, 120_000)
})

import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {writeSite} from '../../src/infrastructure/site-files.js'
import {buildSite} from '../../src/services/site/build.js'
import {ROOT, tempDir} from '../helpers/cli.js'
import {A11Y_CHECK, type A11yReport} from './a11y.js'
import {Browser, type Page} from '../helpers/chromium-devtools.js'
import {findChromium, IN_CI} from './chromium.js'
import {COMPONENTS, DAY, statusJournals} from './status-journals.js'

/**
 * The overview's 90-day bars in a real browser (Debian's Chromium, driven over the
 * DevTools protocol): no horizontal scrolling at 375 and 1280 px, 90 cells per component
 * with consecutive dates ending today and the statuses the journals say, a cell reached
 * with the keyboard shows its tooltip, and the accessibility check (contrast, landmarks,
 * cell names) passes in light and dark. UPDATE_SCREENSHOT=1 writes docs/images/status-*.png.
 */

const chromium = findChromium()
if (!chromium && IN_CI) throw new Error('Chromium is required in CI for the status page test (or set CHROMIUM_BIN)')

interface CellInfo {
  component: string
  dates: string[]
  statuses: string[]
}

describe.skipIf(!chromium)('the status page in Chromium', () => {
  const now = new Date()
  const fixture = statusJournals(now)
  let browser: Browser
  let page: Page
  let index: string

  beforeAll(async () => {
    const site = path.join(tempDir('candor-status-page-'), 'public')
    const built = buildSite(fixture.states, {
      title: 'Acme status',
      baseUrl: 'https://status.acme.example',
      components: COMPONENTS,
      now,
    })
    expect(built.warnings).toEqual([])
    writeSite(site, built.files)
    index = pathToFileURL(path.join(site, 'index.html')).href
    browser = Browser.launch(chromium!)
    page = await browser.newPage()
    await page.send('DOM.enable')
    await page.send('Accessibility.enable')
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
  })

  async function open(width: number, scheme: 'light' | 'dark' = 'light'): Promise<void> {
    await page.setViewport(width, 900)
    await page.setColorScheme(scheme)
    await page.goto(index)
  }

  const overflow = () =>
    page.evaluate<{scrollWidth: number; innerWidth: number}>(
      '({scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth})',
    )

  async function screenshot(name: string): Promise<void> {
    const png = await page.screenshot()
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    const out = path.join(ROOT, 'test-output', 'site')
    mkdirSync(out, {recursive: true})
    writeFileSync(path.join(out, `${name}.png`), png)
    if (process.env.UPDATE_SCREENSHOT === '1') {
      mkdirSync(path.join(ROOT, 'docs', 'images'), {recursive: true})
      writeFileSync(path.join(ROOT, 'docs', 'images', `${name}.png`), png)
    }
  }

  async function check(): Promise<A11yReport> {
    const report = await page.evaluate<A11yReport>(A11Y_CHECK)
    expect(report.landmarks).toEqual({header: 1, main: 1, footer: 1})
    expect(report.lowContrastText, JSON.stringify(report.lowContrastText)).toEqual([])
    expect(report.checkedTexts).toBeGreaterThan(20)
    expect(report.lowContrastCells, JSON.stringify(report.lowContrastCells)).toEqual([])
    return report
  }

  for (const width of [375, 1280]) {
    it(`fits ${width} px without horizontal scrolling, and passes the accessibility check`, async () => {
      await open(width)
      const o = await overflow()
      expect(o.innerWidth).toBe(width)
      expect(o.scrollWidth).toBeLessThanOrEqual(o.innerWidth)
      await check()
      await screenshot(`status-light-${width}`)
      await open(width, 'dark')
      expect((await overflow()).scrollWidth).toBeLessThanOrEqual(width)
      await screenshot(`status-dark-${width}`)
    }, 60_000)
  }

  it('fits a phone on the history and incident pages too, which link back, and they pass the check', async () => {
    await page.setViewport(375, 900)
    await page.setColorScheme('light')
    for (const dark of [false, true]) {
      await page.setColorScheme(dark ? 'dark' : 'light')
      await page.goto(index)
      const month = await page.evaluate<string>('document.querySelector(\'a[href^="history/"]\').href')
      await page.goto(month)
      expect((await overflow()).scrollWidth).toBeLessThanOrEqual(375)
      await check()
      expect(await page.evaluate<boolean>('document.querySelector(\'main a[href="../index.html"]\') !== null')).toBe(
        true,
      )
      const incident = await page.evaluate<string>("document.querySelector('.history a').href")
      await page.goto(incident)
      expect((await overflow()).scrollWidth).toBeLessThanOrEqual(375)
      await check()
      expect(await page.evaluate<string>('document.querySelector(\'main a[href="../index.html"]\').textContent')).toBe(
        'Acme status',
      )
    }
  }, 60_000)

  it('has 90 cells per component, consecutive dates ending today (UTC), with the statuses of the journals', async () => {
    await open(1280)
    const rows = await page.evaluate<CellInfo[]>(`[...document.querySelectorAll('.component')].map((c) => ({
      component: c.querySelector('.component-name').textContent,
      dates: [...c.querySelectorAll('.bar > li')].map((d) => d.getAttribute('data-date')),
      statuses: [...c.querySelectorAll('.bar > li')].map((d) => d.getAttribute('data-status')),
    }))`)
    expect(rows.map((r) => r.component)).toEqual(COMPONENTS)
    const today = now.toISOString().slice(0, 10)
    const daysAgo = (n: number) => new Date(Date.parse(today) - n * DAY).toISOString().slice(0, 10)
    for (const row of rows) {
      expect(row.dates).toHaveLength(90)
      expect(row.dates.at(-1)).toBe(today)
      expect(row.dates).toEqual(Array.from({length: 90}, (_, i) => daysAgo(89 - i)))
      for (const s of row.statuses)
        expect(['operational', 'degraded', 'partial', 'major', 'maintenance', 'none']).toContain(s)
      for (const [ago, status] of Object.entries(fixture.expected[row.component]))
        expect(row.statuses[89 - Number(ago)], `${row.component}, ${ago} days ago`).toBe(status)
      // Before the first incident on the site: no data; from it on, data.
      expect(row.statuses.slice(0, 89 - fixture.firstDataDay).every((s) => s === 'none')).toBe(true)
      expect(row.statuses.slice(89 - fixture.firstDataDay).includes('none')).toBe(false)
    }
    // Every cell has a name a screen reader reads: the date, the component and what happened.
    const names = await page.accessibleNames('.bar > li')
    expect(names).toHaveLength(90 * COMPONENTS.length)
    for (const name of names)
      expect(name).toMatch(
        /^\d{1,2} \w{3,4} \d{4}, .+: (No incidents|No data|Major outage|Partial outage|Degraded performance|Maintenance)/,
      )
    expect(names).toContain(`${formatDay(daysAgo(30))}, Acme Voice: Major outage, 1 incident`)
    expect(names).toContain(`${formatDay(daysAgo(18))}, Website: Degraded performance, 2 incidents`)
    expect(names).toContain(`${formatDay(daysAgo(17))}, Website: Maintenance, 1 incident`)
  }, 60_000)

  const focusedCell = () =>
    page.evaluate<{
      date?: string
      status?: string
      display?: string
      text?: string
      right?: number
      links?: string[]
    }>(`(() => {
      const cell = document.activeElement.closest('[data-date]');
      if (!cell) return {};
      const tip = cell.querySelector('.tip');
      return {date: cell.dataset.date, status: cell.dataset.status, display: getComputedStyle(tip).display,
        text: tip.innerText, right: tip.getBoundingClientRect().right,
        links: [...tip.querySelectorAll('a')].map((a) => a.getAttribute('href'))};
    })()`)

  /** Presses Tab from the top of the page until a day cell has the focus. */
  async function tabToCell(): Promise<void> {
    for (let i = 1; i <= 50; i++) {
      await page.press('Tab')
      if ((await focusedCell()).date) return
    }
    throw new Error('Tab never reached a day cell')
  }

  it('shows a cell’s tooltip, with its incidents as links, when the keyboard reaches it', async () => {
    await open(375)
    const today = now.toISOString().slice(0, 10)
    // One Tab stop per bar: today's cell.
    await tabToCell()
    let shown = await focusedCell()
    expect(shown).toMatchObject({date: today, status: 'major', display: 'block', links: ['incidents/voice-now.html']})
    expect(shown.text).toContain('Acme Voice outage')
    // The arrow keys move between days: 30 days back is the outage of that day.
    for (let i = 0; i < 30; i++) await page.press('ArrowLeft')
    shown = await focusedCell()
    expect(shown.date).toBe(new Date(Date.parse(today) - 30 * DAY).toISOString().slice(0, 10))
    expect(shown.status).toBe('major')
    expect(shown.display).toBe('block')
    expect(shown.text).toContain('Major outage')
    expect(shown.text).toContain('Calls failing to connect')
    expect(shown.links).toEqual(['incidents/voice-calls-failing.html'])
    expect(shown.right).toBeLessThanOrEqual(375)
    expect((await overflow()).scrollWidth).toBeLessThanOrEqual(375)
    await screenshot('status-tooltip-375')
    // The next Tab goes into the tooltip, to its link; the tooltip stays open.
    await page.press('Tab')
    expect(await page.evaluate<string>('document.activeElement.getAttribute("href")')).toBe(
      'incidents/voice-calls-failing.html',
    )
    expect(await page.evaluate<string>("getComputedStyle(document.activeElement.closest('.tip')).display")).toBe(
      'block',
    )
    // The tooltip's own colours pass the contrast check while it is open.
    await check()
    // Escape closes it and gives the focus back to its day.
    await page.press('Escape')
    shown = await focusedCell()
    expect(shown.status).toBe('major')
    expect(shown.display).toBe('none')
    // The next Tab leaves the bar for the next component's.
    await page.press('Tab')
    expect(
      await page.evaluate<string>("document.activeElement.closest('.component').querySelector('h3').textContent"),
    ).toBe('Acme Messaging')
  }, 60_000)

  it('changes colours in dark mode and still passes the accessibility check', async () => {
    await open(1280, 'light')
    const light = await check()
    const lightCell = await page.evaluate<string>(
      "getComputedStyle(document.querySelector('[data-status=operational]')).backgroundColor",
    )
    await open(1280, 'dark')
    const dark = await check()
    const darkCell = await page.evaluate<string>(
      "getComputedStyle(document.querySelector('[data-status=operational]')).backgroundColor",
    )
    expect(dark.pageBackground).not.toBe(light.pageBackground)
    expect(darkCell).not.toBe(lightCell)
    const lum = (rgb: string) =>
      rgb
        .match(/\d+/g)!
        .slice(0, 3)
        .map(Number)
        .reduce((a, b) => a + b, 0)
    expect(lum(dark.pageBackground)).toBeLessThan(lum(light.pageBackground))
  }, 60_000)

  it('is readable without JavaScript: the bars, the tooltips’ incidents and the history are in the page', async () => {
    await page.setJavaScript(false)
    try {
      await open(1280)
      const text = await page.evaluate<string>('document.body.innerText')
      expect(text).toContain('Acme Voice outage')
      expect(text).toContain('Upcoming maintenance')
      expect(text).toContain('Developer API upgrade')
      expect(await page.evaluate<number>("document.querySelectorAll('.bar > li').length")).toBe(360)
      expect(await page.evaluate<number>('document.querySelectorAll(\'a[href^="history/"]\').length')).toBeGreaterThan(
        0,
      )
      // Every cell is a Tab stop, and focus alone shows its tooltip.
      await tabToCell()
      const first = await focusedCell()
      expect(first).toMatchObject({status: 'none', display: 'block'})
      await page.press('Tab')
      expect(Date.parse((await focusedCell()).date!) - Date.parse(first.date!)).toBe(DAY)
    } finally {
      await page.setJavaScript(true)
    }
  }, 60_000)
})

/** "25 Nov 2026" for 2026-11-25, as the page writes dates. */
function formatDay(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  })
}

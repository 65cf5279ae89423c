/**
 * The sandbox's page in a real browser (Debian's Chromium, headless, as test/site/browser.test.ts
 * uses it), driven over the DevTools protocol so the page stays open: a thread shows nested,
 * markup in a post shows as text, a new post appears without reloading, and the page fits a
 * phone and follows dark mode.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {envPrefix} from '../../src/channels/env-prefix.js'
import {CHANNELS, type ChannelType} from '../../src/channels/registry.js'
import {type Sandbox, startSandbox} from '../../src/infrastructure/sandbox/sandbox-server.js'
import type {ChannelAdapter, PostRequest} from '../../src/services/publish/adapter.js'
import {postRequest, TIMEOUT} from '../publish/adapters/requests.js'
import {findChromium, IN_CI} from '../site/chromium.js'
import {waitFor} from '../helpers/wait.js'
import {type OpenPage, openPage} from '../helpers/chromium-devtools.js'

const chromium = findChromium()
if (!chromium) {
  if (IN_CI) throw new Error("Chromium is required in CI for the sandbox page's browser test (or set CHROMIUM_BIN)")
  console.warn('Skipping the sandbox page browser test: no Chromium at /usr/bin/chromium or on the PATH.')
}

let sandbox: Sandbox
let dir: string
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'candor-sandbox-page-'))
  sandbox = await startSandbox({port: 0})
})
afterAll(async () => {
  await sandbox?.close()
  rmSync(dir, {recursive: true, force: true})
})

async function adapterFor(type: ChannelType, name: string): Promise<ChannelAdapter> {
  const {kind, adapter} = CHANNELS[type]
  const hook = kind.sandbox!({url: sandbox.url, smtp: sandbox.smtp, channel: name, dir})
  const env = Object.fromEntries(Object.entries(hook.env).map(([k, v]) => [envPrefix(name) + k, v]))
  const {createAdapter} = (await adapter()) as {createAdapter: (ctx: unknown) => ChannelAdapter}
  return createAdapter({
    channel: {name, type, kind, options: hook.options ?? {}},
    credentials: hook.env,
    timeoutMs: TIMEOUT,
    env,
  })
}

const request = (name: string, type: string, text: string, extra: Partial<PostRequest> = {}) =>
  postRequest({channel: name, type, text, limit: null, idempotencyKey: `k-${Math.random()}`}, extra)

const HOSTILE = 'Update <script>window.pwned=1</script><b>bold</b> & "quotes" <img src=x onerror="window.pwned=2">'

describe.skipIf(!chromium)('the sandbox page in Chromium', () => {
  let page: OpenPage | undefined
  afterAll(async () => page?.close())

  it('nests a thread, shows markup as text, and shows a new post without reloading', async () => {
    const x = await adapterFor('x', 'x')
    const root = await x.post(request('x', 'x', HOSTILE))
    await x.post(request('x', 'x', 'Second part: the cause is known.', {replyTo: root, threadRoot: root}))

    page = await openPage(chromium!, `${sandbox.url}/`)
    await waitFor(() => page!.evaluate<boolean>(`document.readyState === 'complete'`), {what: 'the page to load'})

    const thread = await page.evaluate<{
      rootText: string
      replyText: string | null
      scripts: number
      bold: number
    }>(`(() => {
      const root = document.querySelector('section[data-channel="x"] > ol.threads > li')
      return {
        rootText: root.querySelector(':scope > article .text').textContent,
        replyText: root.querySelector(':scope > ol.replies > li .text')?.textContent ?? null,
        scripts: document.querySelectorAll('#posts script, #posts img').length,
        bold: document.querySelectorAll('#posts b').length,
      }
    })()`)
    expect(thread.rootText).toBe(HOSTILE)
    expect(thread.replyText).toBe('Second part: the cause is known.')
    expect(thread.scripts).toBe(0)
    expect(thread.bold).toBe(0)
    expect(await page.evaluate('window.pwned ?? null')).toBeNull()

    // Once the page follows the posts, one arrives on another channel: it shows without a reload.
    await waitFor(() => sandbox.watchers > 0, {what: 'the page to follow /api/events'})
    await page.evaluate(`window.sameDocument = true`)
    const fedi = await adapterFor('mastodon', 'fedi')
    await fedi.post(request('fedi', 'mastodon', 'Live: calls are recovering.'))
    await waitFor(
      () =>
        page!.evaluate<boolean>(
          `[...document.querySelectorAll('section[data-channel="fedi"] .text')].some((e) => e.textContent === 'Live: calls are recovering.')`,
        ),
      {what: 'the new post to appear on the open page'},
    )
    expect(await page.evaluate('window.sameDocument')).toBe(true)
  })

  it('fits a phone screen and follows dark mode', async () => {
    const phone = await openPage(chromium!, `${sandbox.url}/`, {width: 360, height: 740})
    try {
      await waitFor(() => phone.evaluate<boolean>(`document.readyState === 'complete'`), {what: 'the page to load'})
      const widths = await phone.evaluate<{scroll: number; viewport: number}>(
        '({scroll: document.documentElement.scrollWidth, viewport: window.innerWidth})',
      )
      expect(widths.scroll).toBeLessThanOrEqual(widths.viewport)
      const background = () => phone.evaluate<string>('getComputedStyle(document.body).backgroundColor')
      expect(await background()).toBe('rgb(255, 255, 255)')
      await phone.send('Emulation.setEmulatedMedia', {features: [{name: 'prefers-color-scheme', value: 'dark'}]})
      expect(await background()).toBe('rgb(18, 19, 22)')
    } finally {
      await phone.close()
    }
  })
})

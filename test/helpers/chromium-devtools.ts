import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Readable, Writable} from 'node:stream'
import {HEADLESS_FLAGS} from '../site/chromium.js'

/*
 * Drives headless Chromium over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
 * the browser reads commands on fd 3 and writes replies on fd 4, each a JSON message
 * ended by a NUL byte), so a test can size the window, emulate a colour scheme, press
 * keys, read the accessibility tree and take screenshots: no WebSocket, no package.
 * https://chromedevtools.github.io/devtools-protocol/
 */

type Json = Record<string, unknown>

interface Pending {
  resolve: (value: Json) => void
  reject: (error: Error) => void
  method: string
}

export class Browser {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Set<(message: Json) => void>()
  private buffer = ''

  private constructor(
    private readonly child: ChildProcess,
    private readonly input: Writable,
    output: Readable,
    private readonly profile: string,
  ) {
    output.setEncoding('utf8')
    output.on('data', (chunk: string) => {
      this.buffer += chunk
      for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
        const message = JSON.parse(this.buffer.slice(0, end)) as Json
        this.buffer = this.buffer.slice(end + 1)
        this.dispatch(message)
      }
    })
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited during ${p.method}`))
      this.pending.clear()
    })
  }

  static launch(bin: string): Browser {
    const profile = mkdtempSync(path.join(os.tmpdir(), 'candor-cdp-'))
    const child = spawn(
      bin,
      [
        ...HEADLESS_FLAGS,
        '--allow-file-access-from-files',
        `--user-data-dir=${profile}`,
        '--remote-debugging-pipe',
        'about:blank',
      ],
      {stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'], env: {...process.env, LANG: 'en_GB.UTF-8'}},
    )
    return new Browser(child, child.stdio[3] as Writable, child.stdio[4] as Readable, profile)
  }

  private dispatch(message: Json): void {
    const id = message.id as number | undefined
    if (id !== undefined && this.pending.has(id)) {
      const p = this.pending.get(id)!
      this.pending.delete(id)
      const error = message.error as {message?: string} | undefined
      if (error) p.reject(new Error(`${p.method}: ${error.message}`))
      else p.resolve((message.result as Json) ?? {})
      return
    }
    for (const l of this.listeners) l(message)
  }

  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject, method})
      this.input.write(`${JSON.stringify({id, method, params, ...(sessionId && {sessionId})})}\0`)
    })
  }

  /** The next event `method` of a session that `matches`, or a rejection after `timeoutMs`. */
  waitForEvent(method: string, sessionId: string, timeoutMs = 30_000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener)
        reject(new Error(`no ${method} within ${timeoutMs} ms`))
      }, timeoutMs)
      const listener = (message: Json) => {
        if (message.method !== method || message.sessionId !== sessionId) return
        clearTimeout(timer)
        this.listeners.delete(listener)
        resolve((message.params as Json) ?? {})
      }
      this.listeners.add(listener)
    })
  }

  async newPage(): Promise<Page> {
    const {targetId} = (await this.send('Target.createTarget', {url: 'about:blank'})) as {targetId: string}
    const {sessionId} = (await this.send('Target.attachToTarget', {targetId, flatten: true})) as {sessionId: string}
    const page = new Page(this, sessionId)
    await page.send('Page.enable')
    await page.send('Runtime.enable')
    return page
  }

  async close(): Promise<void> {
    const exited =
      this.child.exitCode !== null || this.child.signalCode !== null
        ? Promise.resolve()
        : new Promise((resolve) => this.child.once('exit', resolve))
    try {
      await Promise.race([this.send('Browser.close'), exited])
    } catch {
      // already gone
    }
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
    await exited
    try {
      // Chromium's helper processes may still be writing to the profile for a moment.
      rmSync(this.profile, {recursive: true, force: true, maxRetries: 10})
    } catch {
      // A leftover temporary profile is harmless.
    }
  }
}

export class Page {
  constructor(
    private readonly browser: Browser,
    readonly sessionId: string,
  ) {}

  send(method: string, params: Json = {}): Promise<Json> {
    return this.browser.send(method, params, this.sessionId)
  }

  /** A window `width` × `height` CSS pixels wide (a phone below 600: touch, mobile viewport). */
  async setViewport(width: number, height: number): Promise<void> {
    await this.send('Emulation.setDeviceMetricsOverride', {width, height, deviceScaleFactor: 1, mobile: width < 600})
  }

  async setColorScheme(scheme: 'light' | 'dark'): Promise<void> {
    await this.send('Emulation.setEmulatedMedia', {features: [{name: 'prefers-color-scheme', value: scheme}]})
  }

  async setJavaScript(enabled: boolean): Promise<void> {
    await this.send('Emulation.setScriptExecutionDisabled', {value: !enabled})
  }

  async goto(url: string): Promise<void> {
    const loaded = this.browser.waitForEvent('Page.loadEventFired', this.sessionId)
    await this.send('Page.navigate', {url})
    await loaded
  }

  /** The value of a JavaScript expression in the page (awaited, returned by value). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', {expression, returnByValue: true, awaitPromise: true})) as {
      result: {value: T}
      exceptionDetails?: {text: string; exception?: {description?: string}}
    }
    if (r.exceptionDetails)
      throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`)
    return r.result.value
  }

  /** Presses a key as a person would (Tab, Shift+Tab, Escape, Enter). */
  async press(
    key: 'Tab' | 'Escape' | 'Enter' | 'ArrowLeft' | 'ArrowRight' | 'Home' | 'End',
    opts: {shift?: boolean} = {},
  ): Promise<void> {
    const codes = {Tab: 9, Escape: 27, Enter: 13, ArrowLeft: 37, ArrowRight: 39, Home: 36, End: 35}
    const base = {key, code: key, windowsVirtualKeyCode: codes[key], modifiers: opts.shift ? 8 : 0}
    await this.send('Input.dispatchKeyEvent', {type: 'rawKeyDown', ...base})
    if (key === 'Enter') await this.send('Input.dispatchKeyEvent', {type: 'char', text: '\r', ...base})
    await this.send('Input.dispatchKeyEvent', {type: 'keyUp', ...base})
  }

  /** The accessible names Chromium computed for every element matching `selector`, in document order. */
  async accessibleNames(selector: string): Promise<string[]> {
    const {root} = (await this.send('DOM.getDocument', {depth: 0})) as {root: {nodeId: number}}
    const {nodeIds} = (await this.send('DOM.querySelectorAll', {nodeId: root.nodeId, selector})) as {
      nodeIds: number[]
    }
    const names: string[] = []
    for (const nodeId of nodeIds) {
      const {nodes} = (await this.send('Accessibility.getPartialAXTree', {nodeId, fetchRelatives: false})) as {
        nodes: Array<{name?: {value?: string}}>
      }
      names.push(String(nodes[0]?.name?.value ?? ''))
    }
    return names
  }

  /** A PNG of the whole page at the current width. */
  async screenshot(): Promise<Buffer> {
    const metrics = (await this.send('Page.getLayoutMetrics')) as {cssContentSize: {width: number; height: number}}
    const {width, height} = metrics.cssContentSize
    const {data} = (await this.send('Page.captureScreenshot', {
      format: 'png',
      captureBeyondViewport: true,
      clip: {x: 0, y: 0, width: Math.ceil(width), height: Math.ceil(height), scale: 1},
    })) as {data: string}
    return Buffer.from(data, 'base64')
  }
}

/** A page of its own browser, at `url` and `size`: for tests that look at one page and close it. */
export interface OpenPage {
  evaluate<T>(expression: string): Promise<T>
  send(method: string, params?: Json): Promise<Json>
  close(): Promise<void>
}

export async function openPage(bin: string, url: string, size = {width: 1280, height: 900}): Promise<OpenPage> {
  const browser = Browser.launch(bin)
  try {
    const page = await browser.newPage()
    await page.setViewport(size.width, size.height)
    await page.goto(url)
    return {
      evaluate: (expression) => page.evaluate(expression),
      send: (method, params) => page.send(method, params),
      close: () => browser.close(),
    }
  } catch (error) {
    await browser.close()
    throw error
  }
}

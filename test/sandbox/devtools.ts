/**
 * Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
 * JSON messages ending in NUL on file descriptors 3 and 4), so a test can look at a page
 * while it stays open, e.g. to see it update itself. No WebSocket or package needed.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Readable, Writable} from 'node:stream'

export interface BrowserPage {
  /** Evaluates an expression in the page and returns its value (JSON-serialisable). */
  evaluate<T>(expression: string): Promise<T>
  /** Sends any DevTools command to the page's session. */
  send(method: string, params?: Record<string, unknown>): Promise<unknown>
  close(): Promise<void>
}

export async function openPage(bin: string, url: string, size = {width: 1280, height: 900}): Promise<BrowserPage> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'candor-devtools-'))
  const child = spawn(
    bin,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--no-first-run',
      '--no-default-browser-check',
      `--window-size=${size.width},${size.height}`,
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
    {stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe']},
  )
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const toBrowser = child.stdio[3] as Writable
  const fromBrowser = child.stdio[4] as Readable
  let nextId = 1
  const waiting = new Map<number, {resolve: (v: unknown) => void; reject: (e: Error) => void}>()
  let buffer = ''
  fromBrowser.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    let end: number
    while ((end = buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffer.slice(0, end)) as {id?: number; result?: unknown; error?: {message: string}}
      buffer = buffer.slice(end + 1)
      const w = message.id === undefined ? undefined : waiting.get(message.id)
      if (!w) continue
      waiting.delete(message.id!)
      if (message.error) w.reject(new Error(message.error.message))
      else w.resolve(message.result)
    }
  })
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  child.on('close', () => {
    for (const w of waiting.values()) w.reject(new Error(`chromium exited: ${stderr.slice(-2000)}`))
    waiting.clear()
  })

  function command(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<unknown> {
    const id = nextId++
    return new Promise((resolve, reject) => {
      waiting.set(id, {resolve, reject})
      toBrowser.write(`${JSON.stringify({id, method, params, ...(sessionId && {sessionId})})}\0`)
    })
  }

  const {targetId} = (await command('Target.createTarget', {url: 'about:blank'})) as {targetId: string}
  const {sessionId} = (await command('Target.attachToTarget', {targetId, flatten: true})) as {sessionId: string}
  const send = (method: string, params?: Record<string, unknown>) => command(method, params, sessionId)
  await send('Page.enable')
  await send('Emulation.setDeviceMetricsOverride', {
    width: size.width,
    height: size.height,
    deviceScaleFactor: 1,
    mobile: size.width < 600,
  })
  await send('Page.navigate', {url})

  return {
    send,
    async evaluate<T>(expression: string): Promise<T> {
      const answer = (await send('Runtime.evaluate', {expression, returnByValue: true, awaitPromise: true})) as {
        result: {value?: unknown}
        exceptionDetails?: {text: string}
      }
      if (answer.exceptionDetails) throw new Error(`in the page: ${answer.exceptionDetails.text}`)
      return answer.result.value as T
    },
    async close() {
      await command('Browser.close').catch(() => {})
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
      rmSync(profile, {recursive: true, force: true})
    },
  }
}

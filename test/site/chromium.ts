import {spawn} from 'node:child_process'
import {accessSync, constants, mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Debian's Chromium (what `.ci/run` installs), else a `chromium` on the PATH. */
export function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_BIN,
    '/usr/bin/chromium',
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'chromium')),
  ]
  for (const c of candidates) {
    if (!c) continue
    try {
      accessSync(c, constants.X_OK)
      return c
    } catch {
      // not here
    }
  }
  return undefined
}

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1'

export interface ChromiumRun {
  code: number
  stdout: string
  stderr: string
}

/** Headless Chromium with no sandbox (containers), no network chatter and nothing of a first run. */
export const HEADLESS_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-first-run',
  '--no-default-browser-check',
  '--hide-scrollbars',
]

/**
 * Runs headless Chromium once on a URL with a fresh, empty profile, no network
 * chatter and no sandbox (containers), and returns what it printed.
 */
export function runChromium(bin: string, url: string, args: string[], timeoutMs = 90_000): Promise<ChromiumRun> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'candor-chromium-'))
  const flags = [...HEADLESS_FLAGS, `--user-data-dir=${profile}`, ...args, url]
  return new Promise((resolve, reject) => {
    const child = spawn(bin, flags, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, LANG: 'en_GB.UTF-8'}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      rmSync(profile, {recursive: true, force: true})
      resolve({code: code ?? -1, stdout, stderr})
    })
  })
}

/** Saves a PNG of the page at the given window size; `dark` asks for prefers-color-scheme: dark. */
export async function screenshot(
  bin: string,
  url: string,
  file: string,
  size: {width: number; height: number},
  opts: {dark?: boolean} = {},
): Promise<void> {
  const run = await runChromium(bin, url, [
    `--screenshot=${file}`,
    `--window-size=${size.width},${size.height}`,
    ...(opts.dark ? ['--force-dark-mode'] : []),
  ])
  if (run.code !== 0) throw new Error(`chromium exited ${run.code}: ${run.stderr.slice(-2000)}`)
}

/** The DOM after load, serialised (what `--dump-dom` prints). */
export async function dumpDom(bin: string, url: string, args: string[] = []): Promise<string> {
  const run = await runChromium(bin, url, ['--dump-dom', '--virtual-time-budget=5000', ...args])
  if (run.code !== 0) throw new Error(`chromium exited ${run.code}: ${run.stderr.slice(-2000)}`)
  return run.stdout
}

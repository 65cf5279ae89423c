/**
 * `candor sandbox` as a person runs it (the built CLI in dist/: `npm run build` first): it
 * prints where it listens, serves until Ctrl-C, exits 0, and keeps nothing unless --dir.
 */
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {CHANNELS} from '../../src/channels/registry.js'
import {BIN, runCli} from '../helpers/cli.js'
import {waitFor, within} from '../helpers/wait.js'

interface Running {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

const running: Running[] = []
const temps: string[] = []
afterEach(() => {
  for (const r of running.splice(0)) r.child.kill('SIGKILL')
  for (const t of temps.splice(0)) rmSync(t, {recursive: true, force: true})
})

function temp(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'candor-sandbox-cli-'))
  temps.push(dir)
  return dir
}

function start(args: string[], cwd: string): Running {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: undefined,
    DEBUG: undefined,
  }
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
  const child = spawn(process.execPath, [BIN, 'sandbox', ...args], {cwd, env: env as NodeJS.ProcessEnv})
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const r = {child, stdout: () => out, stderr: () => err, exited}
  running.push(r)
  return r
}

async function info(r: Running): Promise<{url: string; smtp: {host: string; port: number}}> {
  const line = await waitFor(
    () =>
      r
        .stdout()
        .split('\n')
        .find((l) => l.startsWith('{')),
    {
      what: `the sandbox's JSON line (stderr: ${r.stderr()})`,
      timeoutMs: 20_000,
    },
  )
  return JSON.parse(line) as {url: string; smtp: {host: string; port: number}}
}

/** A post through the sandbox's Mastodon, as the adapter sends it. */
async function postToot(url: string, channel: string, text: string): Promise<void> {
  const {env} = CHANNELS.mastodon.kind.sandbox!({url, smtp: {host: '127.0.0.1', port: 1}, channel, dir: ''})
  const res = await fetch(`${env.API_URL}/api/v1/statuses`, {
    method: 'POST',
    headers: {authorization: `Bearer ${env.ACCESS_TOKEN}`, 'content-type': 'application/json'},
    body: JSON.stringify({status: text}),
  })
  expect(res.status).toBe(200)
}

describe('candor sandbox (the command)', () => {
  it('prints its URL and SMTP port, serves /api/posts, and stops on Ctrl-C with exit 0, keeping nothing', async () => {
    const cwd = temp()
    const r = start(['--port', '0', '--json'], cwd)
    const {url, smtp} = await info(r)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(smtp.host).toBe('127.0.0.1')
    expect(smtp.port).toBeGreaterThan(0)
    expect(await (await fetch(`${url}/api/posts`)).json()).toEqual([])
    await postToot(url, 'fedi', 'Calls to Acme Voice are failing.')
    const posts = (await (await fetch(`${url}/api/posts`)).json()) as Array<{channel: string; text: string}>
    expect(posts.map((p) => [p.channel, p.text])).toEqual([['fedi', 'Calls to Acme Voice are failing.']])

    r.child.kill('SIGINT')
    expect(await within(r.exited, {what: 'the sandbox to stop after SIGINT'})).toBe(0)
    expect(readdirSync(cwd)).toEqual([])
    await expect(fetch(`${url}/api/posts`)).rejects.toThrow()
  })

  it('prints how to use it in words', async () => {
    const r = start(['--port', '0'], temp())
    const line = await waitFor(() => /--sandbox (http:\/\/127\.0\.0\.1:\d+)/.exec(r.stdout())?.[1], {
      what: 'the usage line',
      timeoutMs: 20_000,
    })
    expect(r.stdout()).toContain(`${line}/api/posts`)
    expect(r.stdout()).toMatch(/SMTP: +127\.0\.0\.1:\d+/)
    r.child.kill('SIGINT')
    expect(await within(r.exited, {what: 'the sandbox to stop'})).toBe(0)
  })

  it('with --dir, keeps the posts and shows them again on the next start', async () => {
    const dir = path.join(temp(), 'kept')
    const first = start(['--port', '0', '--json', '--dir', dir], temp())
    const {url} = await info(first)
    await postToot(url, 'fedi', 'Kept between runs.')
    await waitFor(
      () => existsSync(path.join(dir, 'posts.json')) && readFileSync(path.join(dir, 'posts.json'), 'utf8'),
      {
        what: 'posts.json',
      },
    )
    first.child.kill('SIGINT')
    expect(await within(first.exited, {what: 'the first sandbox to stop'})).toBe(0)

    const second = start(['--port', '0', '--json', '--dir', dir], temp())
    const again = await info(second)
    const posts = (await (await fetch(`${again.url}/api/posts`)).json()) as Array<{text: string; earlier?: boolean}>
    expect(posts).toEqual([expect.objectContaining({text: 'Kept between runs.', earlier: true})])
    second.child.kill('SIGINT')
    expect(await within(second.exited, {what: 'the second sandbox to stop'})).toBe(0)
  })

  it('says in one line that a port is taken, and exits non-zero', async () => {
    const r = start(['--port', '0', '--json'], temp())
    const {url} = await info(r)
    const port = new URL(url).port
    const result = await runCli(['sandbox', '--port', port], {cwd: temp()})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`Error: HTTP port ${port} on 127.0.0.1 is already in use`)
    expect(result.stderr).toMatch(/Try this: .*--port/)
    r.child.kill('SIGINT')
    expect(await within(r.exited, {what: 'the sandbox to stop'})).toBe(0)
  })
})

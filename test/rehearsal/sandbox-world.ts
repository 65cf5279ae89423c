/**
 * A world for rehearsal tests: a stand-in for `candor sandbox` (its `GET /api/info`), an X
 * imitation behind it, another X imitation standing in for the real platform (which must
 * never hear from a rehearsal), and an environment full of real-looking credentials
 * pointing at that "real" one. The channel kinds' sandbox hooks are the other half of
 * issue 20: tests install small ones of their own (`withHook`) and restore the kind after.
 */
import {mkdirSync} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {CHANNEL_KINDS} from '../../src/channels/registry.js'
import type {SandboxChannel, SandboxTarget} from '../../src/channels/kind.js'
import {startFakeX, type FakeX, type FakeXCredentials} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, xEnv} from '../helpers/x-incident.js'

export const SANDBOX_X_CREDENTIALS: FakeXCredentials = {
  appKey: 'sandbox-app-key',
  appSecret: 'sandbox-app-secret',
  accessToken: 'sandbox-access-token',
  accessSecret: 'sandbox-access-secret',
}

export interface SandboxInfoServer {
  url: string
  /** Requests to /api/info so far. */
  asked: number
  close(): Promise<void>
}

/** Answers `GET /api/info` as `candor sandbox` does (the contract of src/channels/kind.ts). */
export async function startSandboxInfo(smtpPort = 2525): Promise<SandboxInfoServer> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api/info') {
      info.asked++
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify({url: info.url, smtp: {host: '127.0.0.1', port: smtpPort}}))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const info: SandboxInfoServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return info
}

type Hook = (target: SandboxTarget) => SandboxChannel
type HookedType = 'x' | 'markdown' | 'site'

const installed: Array<() => void> = []

/** Gives a channel kind a sandbox hook for this test (replacing its own, if it has one). */
export function withHook(type: HookedType, hook: Hook | undefined): void {
  const kind = CHANNEL_KINDS[type] as {sandbox?: Hook}
  const had = Object.hasOwn(kind, 'sandbox')
  const before = kind.sandbox
  if (hook) kind.sandbox = hook
  else delete kind.sandbox
  installed.push(() => {
    if (had) kind.sandbox = before
    else delete kind.sandbox
  })
}

export function restoreHooks(): void {
  for (const restore of installed.splice(0).reverse()) restore()
}

export interface RehearsalWorld {
  dir: string
  stateDir: string
  /** The blog folder the playbook names: a rehearsal must write nothing here. */
  realBlog: string
  /** Stands in for the real X: a rehearsal must send it nothing. */
  realX: FakeX
  /** The sandbox's X imitation. */
  sandboxX: FakeX
  info: SandboxInfoServer
  /** The real environment: credentials for the real X, its API URL, hosts trusted. */
  realEnv: Record<string, string>
  /** Every target the hooks were given. */
  targets: SandboxTarget[]
  playbook: string
  close(): Promise<void>
}

/** A playbook with an X channel and a Markdown blog, both pointed at the "real" places. */
export async function rehearsalWorld(): Promise<RehearsalWorld> {
  const {writeFileSync} = await import('node:fs')
  const dir = tempDir('candor-rehearsal-')
  const realX = await startFakeX({credentials: X_CREDENTIALS})
  const sandboxX = await startFakeX({credentials: SANDBOX_X_CREDENTIALS})
  const info = await startSandboxInfo()
  const realBlog = path.join(dir, 'blog')
  mkdirSync(realBlog)
  const playbook = path.join(dir, 'incident.yaml')
  writeFileSync(
    playbook,
    `name: incident
facts:
  service: { required: true }
  impact: { required: true }
channels:
  x: { type: x, api_url: "${realX.url}" }
  blog: { type: markdown, dir: "${realBlog}" }
phases:
  investigating:
    next_update: 30m
    posts:
      x: { text: "We are investigating problems with {{service}}: {{impact}}." }
      blog: { text: "We are investigating problems with {{service}}." }
  resolved:
    posts:
      x: { text: "{{service}} works again." }
      blog: { text: "{{service}} works again." }
`,
  )
  const targets: SandboxTarget[] = []
  withHook('x', (t) => {
    targets.push(t)
    return {
      env: {
        API_URL: sandboxX.url,
        APP_KEY: SANDBOX_X_CREDENTIALS.appKey,
        APP_SECRET: SANDBOX_X_CREDENTIALS.appSecret,
        ACCESS_TOKEN: SANDBOX_X_CREDENTIALS.accessToken,
        ACCESS_SECRET: SANDBOX_X_CREDENTIALS.accessSecret,
      },
    }
  })
  withHook('markdown', (t) => {
    targets.push(t)
    return {env: {}, options: {dir: t.dir}}
  })
  return {
    dir,
    stateDir: path.join(dir, 'state'),
    realBlog,
    realX,
    sandboxX,
    info,
    realEnv: {
      ...xEnv('X'),
      CANDOR_X_API_URL: realX.url,
      CANDOR_TRUSTED_HOSTS: '127.0.0.1, localhost, .x.com',
      CANDOR_SANDBOX: 'http://127.0.0.1:1',
    },
    targets,
    playbook,
    close: async () => {
      restoreHooks()
      await Promise.all([realX.close(), sandboxX.close(), info.close()])
    },
  }
}

/**
 * Protocol fidelity of `candor sandbox`: every real adapter, given only what its kind's
 * `sandbox` hook hands it (an endpoint on the sandbox and placeholder credentials), posts,
 * threads and deletes through the sandbox, and /api/posts shows it under the playbook's
 * channel name. The imitations stay as strict as the platforms.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {envPrefix} from '../../src/channels/env-prefix.js'
import type {SandboxTarget} from '../../src/channels/kind.js'
import {CHANNELS, type ChannelType} from '../../src/channels/registry.js'
import type {ChannelConfig} from '../../src/domain/playbook/model.js'
import {type Sandbox, type SandboxPost, startSandbox} from '../../src/infrastructure/sandbox/sandbox-server.js'
import type {ChannelAdapter, PostRequest} from '../../src/services/publish/adapter.js'
import {postRequest, signal, TIMEOUT} from '../publish/adapters/requests.js'

let sandbox: Sandbox
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'candor-sandbox-fidelity-'))
  sandbox = await startSandbox({port: 0})
})
afterAll(async () => {
  await sandbox?.close()
  rmSync(dir, {recursive: true, force: true})
})

/** The adapter a rehearsal builds: the playbook's options under the hook's, the hook's environment only. */
async function rehearsalAdapter(
  type: ChannelType,
  name: string,
  playbookOptions: Record<string, unknown>,
): Promise<ChannelAdapter> {
  const {kind, adapter} = CHANNELS[type]
  const target: SandboxTarget = {url: sandbox.url, smtp: sandbox.smtp, channel: name, dir}
  const hook = kind.sandbox!(target)
  const channel: ChannelConfig = {name, type, kind, options: {...playbookOptions, ...hook.options}}
  // The placeholder credentials pass the kind's own checks, as preflight makes them.
  for (const set of kind.credentials(channel.options as never)) {
    if (set.every((f) => hook.env[f])) {
      expect(kind.credentialProblem?.(hook.env, envPrefix(name))).toBeUndefined()
    }
  }
  const sets = kind.credentials(channel.options as never)
  expect(sets.length === 0 || sets.some((set) => set.every((f) => hook.env[f]))).toBe(true)
  const env = Object.fromEntries(Object.entries(hook.env).map(([k, v]) => [envPrefix(name) + k, v]))
  const {createAdapter} = (await adapter()) as {createAdapter: (ctx: unknown) => ChannelAdapter}
  return createAdapter({channel, credentials: hook.env, timeoutMs: TIMEOUT, env})
}

function request(name: string, type: string, text: string, extra: Partial<PostRequest> = {}): PostRequest {
  return postRequest(
    {
      channel: name,
      type,
      text,
      limit: null,
      incident: {id: `sandbox-${name}`},
      post: {title: 'Calls failing on Acme Voice', subject: '[Acme] Voice: investigating', html: `<p>${text}</p>`},
      idempotencyKey: `candor-sandbox-${name}-${text.length}-${Math.random()}`,
    },
    extra,
  )
}

async function postsOf(name: string): Promise<SandboxPost[]> {
  const res = await fetch(`${sandbox.url}/api/posts`)
  expect(res.headers.get('content-type')).toMatch(/application\/json/)
  return ((await res.json()) as SandboxPost[]).filter((p) => p.channel === name)
}

/** Each channel type, with the options a real playbook would give it (the hook overrides its endpoints). */
const CASES: Array<{type: ChannelType; name: string; options: Record<string, unknown>; deletes: boolean}> = [
  {type: 'x', name: 'x', options: {}, deletes: true},
  {type: 'mastodon', name: 'fedi', options: {instance: 'https://mastodon.social'}, deletes: true},
  {type: 'bluesky', name: 'sky', options: {}, deletes: true},
  {type: 'facebook', name: 'fb-page', options: {page_id: '1122334455'}, deletes: true},
  {type: 'slack', name: 'team-chat', options: {channel: 'C0123ABCD'}, deletes: true},
  {type: 'slack', name: 'hook-chat', options: {}, deletes: false},
  {type: 'discord', name: 'community', options: {}, deletes: true},
  {type: 'webhook', name: 'pager', options: {url: 'https://hooks.acme.example/candor'}, deletes: false},
  {type: 'statuspage', name: 'status', options: {page_id: 'acmevoice01', component_ids: ['voice']}, deletes: true},
  {type: 'email', name: 'mail', options: {from: 'status@acme.test', to: ['customers@acme.test']}, deletes: false},
]

describe('candor sandbox: every real adapter against it', () => {
  for (const c of CASES) {
    it(`${c.type} (${c.name}): posts, a threaded reply${c.deletes ? ', a deletion' : ''}`, async () => {
      const adapter = await rehearsalAdapter(c.type, c.name, c.options)
      const first = await adapter.post(
        request(c.name, c.type, 'Calls to Acme Voice are failing. Next update by 14:30.'),
      )
      const second = await adapter.post(
        request(c.name, c.type, 'We found the cause: a failed database upgrade.', {
          replyTo: first,
          threadRoot: first,
          incident: {id: `sandbox-${c.name}`, update: 2, phase: 'identified', facts: {}},
        }),
      )
      const posts = await postsOf(c.name)
      expect(posts.map((p) => p.type)).toEqual([c.type, c.type])
      const [a, b] = posts as [SandboxPost, SandboxPost]
      expect(a.text).toContain('Calls to Acme Voice are failing.')
      expect(b.text).toContain('a failed database upgrade')
      expect(a.reply_to).toBeNull()
      expect(Number.isNaN(Date.parse(a.at))).toBe(false)
      // A thread where the platform threads (Discord's and Facebook's posts stand alone, and so
      // do a Slack incoming webhook's).
      const threads = !['discord', 'facebook'].includes(c.type) && !(c.type === 'slack' && !c.options.channel)
      if (threads) expect(b.reply_to).toBe(a.id)
      else expect(b.reply_to).toBeNull()
      if (c.type !== 'slack' || c.options.channel) expect([first.id, second.id]).toContain(a.id)

      if (c.deletes) {
        await adapter.delete!(c.type === 'statuspage' ? first : second, signal())
        const after = await postsOf(c.name)
        expect(after.some((p) => p.deleted)).toBe(true)
      }
    })
  }

  it('covers every channel type: each kind has a sandbox hook', () => {
    const types = Object.keys(CHANNELS) as ChannelType[]
    expect(types.filter((t) => !CHANNELS[t].kind.sandbox)).toEqual([])
    expect(new Set(CASES.map((c) => c.type))).toEqual(new Set(types.filter((t) => t !== 'markdown' && t !== 'site')))
  })

  it('keeps each imitation strict: an over-long X post is refused, and nothing is listed', async () => {
    const adapter = await rehearsalAdapter('x', 'x-strict', {})
    await expect(adapter.post(request('x-strict', 'x', 'a'.repeat(281)))).rejects.toThrow(/X answered 400/)
    expect(await postsOf('x-strict')).toEqual([])
  })

  it('refuses credentials other than the placeholders (a Mastodon token)', async () => {
    const {kind} = CHANNELS.mastodon
    const hook = kind.sandbox!({url: sandbox.url, smtp: sandbox.smtp, channel: 'fedi-bad', dir})
    const res = await fetch(`${hook.env.API_URL}/api/v1/statuses`, {
      method: 'POST',
      headers: {authorization: 'Bearer not-the-placeholder', 'content-type': 'application/json'},
      body: JSON.stringify({status: 'hello'}),
    })
    expect(res.status).toBe(401)
  })

  it("writes Markdown posts under the rehearsal folder, never into the playbook's blog", async () => {
    const adapter = await rehearsalAdapter('markdown', 'blog', {dir: 'content/posts'})
    await adapter.post(request('blog', 'markdown', 'Calls to Acme Voice are failing.'))
    const written = readdirSync(path.join(dir, 'blog'))
    expect(written).toHaveLength(1)
    expect(readFileSync(path.join(dir, 'blog', written[0]!), 'utf8')).toContain('Calls to Acme Voice are failing.')
    expect(existsSync('content/posts')).toBe(false)
    expect(CHANNELS.site.kind.sandbox!({url: sandbox.url, smtp: sandbox.smtp, channel: 'site', dir}).options).toEqual({
      dir: `${dir}/site`,
    })
  })

  it('answers /api/info with its URL and SMTP listener', async () => {
    const info = (await (await fetch(`${sandbox.url}/api/info`)).json()) as unknown
    expect(info).toEqual({url: sandbox.url, smtp: {host: '127.0.0.1', port: sandbox.smtp.port}})
  })

  it('answers only to its own host names (no DNS rebinding)', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.get(`${sandbox.url}/api/posts`, {headers: {host}}, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
      })
    const {port} = new URL(sandbox.url)
    expect(await status(`attacker.example:${port}`)).toBe(421)
    expect(await status(`localhost:${port}`)).toBe(200)
  })

  it('refuses a path without a channel name', async () => {
    const res = await fetch(`${sandbox.url}/2/x/%3Cscript%3E/2/tweets`, {method: 'POST'})
    expect(res.status).toBe(404)
  })
})

import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {incidentPlaybook, loadIncident, openIncident} from '../../src/services/incident/service.js'
import {incidentChannels} from '../../src/services/publish/rehearsal.js'
import {publishUpdate, retryFailed, type PublishDeps} from '../../src/services/publish/publish.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import {approveDraft} from '../../src/services/publish/drafts.js'
import {rehearsalWorld, withHook, type RehearsalWorld} from './sandbox-world.js'

/**
 * A rehearsal reaches only the sandbox, whatever the real environment holds: credentials
 * for the real platform, CANDOR_X_API_URL naming it, CANDOR_TRUSTED_HOSTS trusting it,
 * and a playbook pointing at it. The "real" X here is a loopback fake that must receive nothing.
 */

const worlds: RehearsalWorld[] = []
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()))
})

async function setup(opts: {sandbox?: string} = {}) {
  const w = await rehearsalWorld()
  worlds.push(w)
  const store = new FileIncidentStore(w.stateDir)
  const open = (rehearsal: boolean, id: string) =>
    openIncident(store, {
      playbook: w.playbook,
      id,
      facts: {service: 'Acme Voice', impact: 'Calls fail'},
      actor: 'alice',
      ...(rehearsal && {rehearsal: {sandbox: opts.sandbox ?? w.info.url}}),
    })
  const deps: PublishDeps = {
    store,
    actor: 'alice',
    env: w.realEnv,
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 2000,
    retries: 0,
  }
  const publish = (incident: string, phase = 'investigating', extra: PublishDeps | object = {}) =>
    publishUpdate({incident, phase, facts: {}, yes: true, interactive: false}, {...deps, ...extra})
  return {w, store, open, deps, publish}
}

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}

describe('a rehearsal publishes only to the sandbox', () => {
  it('sends nothing to the real platform and writes nothing into the real blog, whatever the environment holds', async () => {
    const {w, open, publish} = await setup()
    await open(true, 'drill-1')
    const result = await publish('drill-1')
    expect(result.deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['x', 'published'],
      ['blog', 'published'],
    ])
    expect(w.realX.requests).toEqual([])
    expect(filesUnder(w.realBlog)).toEqual([])
    expect(w.sandboxX.tweets.map((t) => t.text)).toEqual(['We are investigating problems with Acme Voice: Calls fail.'])
    // The blog's post went where the hook's options said: the state directory's sandbox folder.
    const sandboxBlog = path.join(w.stateDir, 'sandbox', 'drill-1', 'blog')
    expect(filesUnder(sandboxBlog)).toHaveLength(1)
    expect(readFileSync(path.join(sandboxBlog, filesUnder(sandboxBlog)[0]), 'utf8')).toContain('Acme Voice')
    // The hooks were told where the sandbox is, its SMTP listener (asked once), and the folder.
    expect(w.targets).toContainEqual({
      url: w.info.url,
      smtp: {host: '127.0.0.1', port: 2525},
      channel: 'x',
      dir: path.join(w.stateDir, 'sandbox', 'drill-1', 'x'),
    })
    expect(w.info.asked).toBe(1)
  })

  it('a real incident in the same environment does reach the real platform (the environment above is a working one)', async () => {
    const {w, open, publish} = await setup()
    await open(false, 'real-1')
    await publish('real-1')
    expect(w.realX.tweets).toHaveLength(1)
    expect(filesUnder(w.realBlog)).toHaveLength(1)
    expect(w.sandboxX.requests).toEqual([])
    expect(w.info.asked).toBe(0)
  })

  it('retry and retract of a rehearsal go to the sandbox too', async () => {
    const {w, open, publish, deps} = await setup()
    await open(true, 'drill-2')
    w.sandboxX.fail({status: 503})
    const first = await publish('drill-2')
    expect(first.deliveries.find((d) => d.channel === 'x')?.status).toBe('failed')
    const retried = await retryFailed({incident: 'drill-2'}, deps)
    expect(retried.updates[0].deliveries.map((d) => [d.channel, d.status])).toEqual([['x', 'published']])
    const retracted = await retractUpdate({incident: 'drill-2', update: 1, channels: ['x']}, deps)
    expect(retracted.retractions.map((r) => [r.channel, r.status])).toEqual([['x', 'deleted']])
    expect(w.sandboxX.requests.map((r) => r.method)).toContain('DELETE')
    expect(w.realX.requests).toEqual([])
  })

  it('a draft approved by a second person is sent to the sandbox', async () => {
    const {w, open, publish, deps} = await setup()
    const {appendFileSync} = await import('node:fs')
    appendFileSync(w.playbook, 'approval: { required: 2 }\n')
    await open(true, 'drill-3')
    const drafted = await publish('drill-3')
    const draft = drafted.pending!.draft
    const approved = await approveDraft({draft, yes: true, interactive: false}, {...deps, actor: 'bob'})
    expect(approved.published?.deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['x', 'published'],
      ['blog', 'published'],
    ])
    expect(w.sandboxX.tweets).toHaveLength(1)
    expect(w.realX.requests).toEqual([])
    expect(filesUnder(w.realBlog)).toEqual([])
  })

  it('refuses a hook that would leave the sandbox (an endpoint elsewhere, or none: the platform default)', async () => {
    const {w, open, publish, store} = await setup()
    await open(true, 'drill-4')
    const keys = {APP_KEY: 'k', APP_SECRET: 's', ACCESS_TOKEN: 't', ACCESS_SECRET: 'u'}
    // (.invalid never resolves: were the guard gone, this test would still reach no one.)
    withHook('x', () => ({env: {API_URL: 'https://api.x.invalid', ...keys}}))
    await expect(publish('drill-4')).rejects.toMatchObject({
      code: 'sandbox_escape',
      message: expect.stringContaining('channel "x" (x) would leave the sandbox for api.x.invalid'),
    })
    // No endpoint at all would mean the platform's default (api.x.com): refused before any adapter is built.
    withHook('x', () => ({env: keys}))
    const {state: opened} = await loadIncident(store, 'drill-4')
    await expect(
      incidentChannels(opened, {playbook: incidentPlaybook(opened), env: w.realEnv}, {store}),
    ).rejects.toMatchObject({code: 'sandbox_escape', message: expect.stringContaining('api.x.com')})
    expect(w.realX.requests).toEqual([])
    expect(w.sandboxX.requests).toEqual([])
    const {state} = await loadIncident(new FileIncidentStore(w.stateDir), 'drill-4')
    expect(state.updates).toEqual([])
  })

  it('names the channel and its type when its kind has no sandbox hook', async () => {
    const {w, open, publish} = await setup()
    await open(true, 'drill-5')
    withHook('x', undefined)
    await expect(publish('drill-5')).rejects.toMatchObject({
      code: 'sandbox_unsupported',
      message: expect.stringMatching(/channel "x" \(x\) can't be rehearsed/),
    })
    expect(w.realX.requests).toEqual([])
  })

  it('says how to start the sandbox when none answers, and sends nothing', async () => {
    const {w, open, publish} = await setup()
    await w.info.close()
    await open(true, 'drill-6')
    const error = await publish('drill-6').catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'sandbox_not_running'})
    expect((error as Error).message).toContain(`no sandbox at ${w.info.url}; start it with \`candor sandbox\``)
    expect(w.realX.requests).toEqual([])
    expect(w.sandboxX.requests).toEqual([])
  })

  it('a journal whose rehearsal mark is damaged is still a rehearsal: refused, never sent for real', async () => {
    const {w, open, publish, store} = await setup({sandbox: 'https://x.com'})
    await open(true, 'drill-7')
    expect((await loadIncident(store, 'drill-7')).state.rehearsal).toEqual({sandbox: 'https://x.com'})
    await expect(publish('drill-7')).rejects.toMatchObject({code: 'sandbox_url_invalid'})
    // A mark with no URL at all (`"rehearsal": true`): still refused, never sent for real.
    const {readFileSync, writeFileSync} = await import('node:fs')
    const file = path.join(w.stateDir, 'incidents', 'drill-7.jsonl')
    const [first, ...rest] = readFileSync(file, 'utf8').split('\n')
    writeFileSync(file, [JSON.stringify({...JSON.parse(first), rehearsal: true}), ...rest].join('\n'), {mode: 0o600})
    await expect(publish('drill-7')).rejects.toMatchObject({
      code: 'sandbox_url_invalid',
      message: 'incident drill-7 is a rehearsal, but its journal names no sandbox URL',
    })
    expect(w.realX.requests).toEqual([])
  })
})

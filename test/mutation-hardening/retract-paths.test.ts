/**
 * Retract (services/publish/retract.ts) on the paths `retract-edges.test.ts` leaves open, written
 * from the mutants that survived it: which updates the warning about a deleted thread root counts
 * (multi-part roots, later updates that lack the channel or never got out, updates that are not
 * the root), a channel retracted before and left half-sent, a channel type with no way to delete
 * and no hint, the abort signal reaching the platform, and the status site rebuilt after a
 * retraction still showing the other incidents.
 *
 * Most cases use hand-written journals and stop at the confirmation, which shows the warnings and
 * deletes nothing: no platform is needed to see what retract would warn about.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import type {NewEvent} from '../../src/services/incident/events.js'
import {openIncident} from '../../src/services/incident/service.js'
import {publishUpdate, type PublishDeps} from '../../src/services/publish/publish.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import {writePlaybook} from '../helpers/cli.js'
import {threadWorld, type ThreadWorld} from '../helpers/thread-world.js'
import {Barrier} from '../helpers/wait.js'
import {folderChannelPlaybook} from '../helpers/folder-channel.js'
import {restoreHooks, startSandboxInfo, withHook, type SandboxInfoServer} from '../rehearsal/sandbox-world.js'
import {xEnv} from '../helpers/x-incident.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

// 32 bytes, base64: a webhook secret preflight accepts.
const HOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`

/**
 * An incident on X (threads) and a signed webhook (cannot delete, and no hint how to), whose
 * journal the test writes. X's API URL is loopback and never called: every case here stops
 * before deleting, or deletes nothing on X.
 */
async function journalWorld() {
  const {dir, playbook} = writePlaybook(`name: incident
facts:
  service: { required: true }
channels:
  x: { type: x, api_url: "http://127.0.0.1:9" }
  hook: { type: webhook, url: "http://127.0.0.1:9/hook" }
phases:
  investigating:
    posts:
      x: { text: "{{service}} is down." }
      hook: { text: "{{service}} is down." }
`)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const {id} = await openIncident(store, {playbook, facts: {service: 'Acme'}, actor: 'alice'})
  const env = {...xEnv('X'), CANDOR_HOOK_SECRET: HOOK_SECRET}
  const deps = {store, actor: 'alice', env}

  /** Update `update`, rendered with `parts` parts on each channel named, and approved. */
  const rendered = async (update: number, channels: Record<string, number>) => {
    const names = Object.keys(channels)
    const events: NewEvent[] = [
      {
        type: 'rendered',
        by: 'alice',
        update,
        phase: 'investigating',
        posts: names.map((channel) => ({
          channel,
          type: channel === 'x' ? 'x' : 'webhook',
          parts: Array.from({length: channels[channel]}, (_, i) => ({
            text: `${update}.${i + 1}`,
            length: 3,
            limit: 280,
          })),
        })),
      },
      {type: 'approved', by: 'alice', update, channels: names, declined: []},
    ]
    for (const e of events) await store.append(id, e)
  }
  /** A part's delivery result: published with a remote (`${channel}-${update}.${part}`) or without, or failed. */
  const result = (update: number, channel: string, part: number, how: 'published' | 'no-remote' | 'failed') =>
    store.append(id, {
      type: 'delivery_result',
      by: 'alice',
      update,
      channel,
      part,
      status: how === 'failed' ? 'failed' : 'published',
      ...(how === 'published' && {remote: {id: `${channel}-${update}.${part}`}}),
      ...(how !== 'published' && {error: how === 'failed' ? 'refused' : 'assumed sent by alice'}),
    })
  const deleted = (update: number, channel: string, part: number) =>
    store.append(id, {type: 'retraction', by: 'alice', update, channel, part, status: 'deleted'})

  /** What retract would show before deleting `update` on X: its warnings (nothing is deleted). */
  const warningsFor = async (update: number) => {
    let warnings: string[] | undefined
    await expect(
      retractUpdate(
        {
          incident: id,
          update,
          channels: ['x'],
          confirm: async (summary) => {
            warnings = summary.warnings
            return false
          },
        },
        deps,
      ),
    ).rejects.toMatchObject({code: 'aborted'})
    return warnings
  }
  const retractions = async () =>
    (await store.read(id)).events.flatMap((e) =>
      e.type === 'retraction' ? [[e.channel, e.part, e.status, e.error ?? null]] : [],
    )
  return {id, deps, rendered, result, deleted, warningsFor, retractions}
}

const orphanWarning = (update: number, later: string) =>
  `x: update ${update} starts the incident's thread; ${later} to a deleted post (retract ${later.startsWith('update ') ? 'it' : 'them'} too to take the whole thread down)`

describe('the warning about replies left under a deleted thread root', () => {
  it('a root split into several parts starts the thread as a whole', async () => {
    const w = await journalWorld()
    await w.rendered(1, {x: 2})
    await w.result(1, 'x', 1, 'published')
    await w.result(1, 'x', 2, 'published')
    await w.rendered(2, {x: 1})
    await w.result(2, 'x', 1, 'published')
    expect(await w.warningsFor(1)).toEqual([orphanWarning(1, 'update 2 will stay up as a reply')])
  })

  it('no warning for an update that does not start the thread, even with later ones', async () => {
    const w = await journalWorld()
    for (const update of [1, 2, 3]) {
      await w.rendered(update, {x: 1})
      await w.result(update, 'x', 1, 'published')
    }
    expect(await w.warningsFor(2)).toEqual([])
  })

  it('the root is the first post on that channel: earlier updates without the channel are passed over', async () => {
    const w = await journalWorld()
    await w.rendered(1, {hook: 1})
    await w.result(1, 'hook', 1, 'published')
    await w.rendered(2, {x: 1, hook: 1})
    await w.result(2, 'x', 1, 'published')
    await w.rendered(3, {x: 1})
    await w.result(3, 'x', 1, 'published')
    expect(await w.warningsFor(2)).toEqual([orphanWarning(2, 'update 3 will stay up as a reply')])
  })

  it('counts later updates with a part up on the channel; not those without the channel or with nothing up', async () => {
    const w = await journalWorld()
    await w.rendered(1, {x: 1})
    await w.result(1, 'x', 1, 'published')
    // Only on the webhook.
    await w.rendered(2, {hook: 1})
    await w.result(2, 'hook', 1, 'published')
    // Refused by X: nothing of it is up.
    await w.rendered(3, {x: 1})
    await w.result(3, 'x', 1, 'failed')
    // Half up: its first part is a reply in the thread.
    await w.rendered(4, {x: 2})
    await w.result(4, 'x', 1, 'published')
    await w.result(4, 'x', 2, 'failed')
    await w.rendered(5, {x: 1})
    await w.result(5, 'x', 1, 'published')
    expect(await w.warningsFor(1)).toEqual([orphanWarning(1, 'updates 4, 5 will stay up as replies')])
  })

  it('a part settled as sent without a remote (assumed sent) is no root, and does not stop the check', async () => {
    const w = await journalWorld()
    await w.rendered(1, {x: 2})
    await w.result(1, 'x', 1, 'no-remote')
    await w.result(1, 'x', 2, 'published')
    await w.rendered(2, {x: 1})
    await w.result(2, 'x', 1, 'published')
    // Update 1's second part is the first post Candor knows on X: update 1 starts the thread.
    expect(await w.warningsFor(1)).toEqual([orphanWarning(1, 'update 2 will stay up as a reply')])
  })
})

describe('retract on channels with nothing left to delete, or no way to', () => {
  it('a channel retracted before is already-retracted, even with a part that never got out', async () => {
    const w = await journalWorld()
    await w.rendered(1, {x: 2})
    await w.result(1, 'x', 1, 'published')
    await w.result(1, 'x', 2, 'failed')
    await w.deleted(1, 'x', 1)
    const result = await retractUpdate({incident: w.id, update: 1}, w.deps)
    expect(result.retractions).toEqual([{channel: 'x', status: 'already-retracted', ids: []}])
  })

  it('a channel type that cannot delete, with no hint, says so in plain words and journals it', async () => {
    const w = await journalWorld()
    await w.rendered(1, {hook: 1})
    await w.result(1, 'hook', 1, 'published')
    const result = await retractUpdate({incident: w.id, update: 1}, w.deps)
    const error = 'Webhook does not let Candor delete posts; remove it by hand'
    expect(result.retractions).toEqual([{channel: 'hook', status: 'unsupported', ids: [], error}])
    expect(await w.retractions()).toEqual([['hook', 1, 'unsupported', error]])
  })
})

describe('retract holding the lock', () => {
  it('takes the lock as `retract`: a command waiting for the incident is told who is retracting', async () => {
    const w = await journalWorld()
    await w.rendered(1, {x: 1})
    await w.result(1, 'x', 1, 'published')
    let answer!: (yes: boolean) => void
    let asking!: () => void
    const atConfirm = new Promise<void>((resolve) => (asking = resolve))
    const first = retractUpdate(
      {
        incident: w.id,
        update: 1,
        confirm: () => {
          asking()
          return new Promise<boolean>((resolve) => (answer = resolve))
        },
      },
      w.deps,
    )
    // The first retract holds the lock while it waits at its confirmation.
    await atConfirm
    const owners: unknown[] = []
    const second = retractUpdate(
      {incident: w.id, update: 1, confirm: async () => false},
      {
        ...w.deps,
        actor: 'bob',
        onLockWait: (owner) => {
          owners.push(owner)
          answer(false)
        },
      },
    )
    await expect(first).rejects.toMatchObject({code: 'aborted'})
    await expect(second).rejects.toMatchObject({code: 'aborted'})
    expect(owners).toEqual([expect.objectContaining({command: 'retract', by: 'alice'})])
  })
})

describe('retract against the platform', () => {
  // The signal reaching a request in flight is retract-interrupt.test.ts's ("cuts off a deletion that outlasts the grace").
  it('deletes nothing and journals nothing once interrupted (Ctrl-C before the first deletion)', async () => {
    const w: ThreadWorld = await threadWorld()
    closers.push(() => w.close())
    await w.publish('investigating')
    const result = await retractUpdate(
      {incident: w.id, update: 1},
      {store: w.deps.store, actor: 'alice', env: w.deps.env, signal: AbortSignal.abort()},
    )
    expect(result.retractions.map((r) => [r.channel, r.status, r.ids])).toEqual([
      ['bluesky', 'interrupted', []],
      ['slack', 'interrupted', []],
    ])
    expect(w.bluesky.posts.map((p) => p.deleted ?? false)).toEqual([false])
    expect(w.slack.messages.map((m) => m.deleted ?? false)).toEqual([false])
    expect((await w.deps.store.read(w.id)).events.filter((e) => e.type === 'retraction')).toEqual([])
  })

  it('the status site, rebuilt without the retracted update, still shows every other incident', async () => {
    const world = folderChannelPlaybook('site', {
      investigating: 'Investigating {{service}}.',
      identified: 'Found the cause of the {{service}} problems.',
    })
    const {playbook, folder: site, store} = world
    const deps: PublishDeps = {...world.deps, backoffMs: 5}
    const open = async (service: string) => (await openIncident(store, {playbook, facts: {service}, actor: 'alice'})).id
    const publish = (incident: string, phase: string) =>
      publishUpdate({incident, phase, facts: {}, yes: true, interactive: false}, deps)
    const voice = await open('Acme Voice')
    const mail = await open('Acme Mail')
    await publish(voice, 'investigating')
    await publish(mail, 'investigating')
    await publish(voice, 'identified')
    const page = (incident: string) => {
      const file = path.join(site, 'incidents', `${incident}.html`)
      return existsSync(file) ? readFileSync(file, 'utf8') : ''
    }
    expect(page(voice)).toContain('Found the cause of the Acme Voice problems.')

    const result = await retractUpdate({incident: voice, update: 2}, {store, actor: 'alice', env: {}})
    expect(result.retractions.map((r) => [r.channel, r.status])).toEqual([['status', 'deleted']])
    expect(page(voice)).toContain('Investigating Acme Voice.')
    expect(page(voice)).not.toContain('Found the cause')
    expect(page(mail)).toContain('Investigating Acme Mail.')
  })
})

describe('the fan-out of a retract', () => {
  it('has a deletion in flight on every channel at once', async () => {
    const w: ThreadWorld = await threadWorld()
    closers.push(() => w.close())
    await w.publish('investigating')
    const barrier = new Barrier(['bluesky', 'slack'], {what: 'a deletion on both channels', timeoutMs: 5000})
    // Bluesky signs in (a POST) before it deletes: either request is the channel's arrival.
    w.bluesky.inFlight.hold((r) => (r.method === 'POST' ? barrier.arrive('bluesky') : undefined))
    w.slack.inFlight.hold((r) => (r.path.endsWith('chat.delete') ? barrier.arrive('slack') : undefined))
    const result = await retractUpdate(
      {incident: w.id, update: 1},
      {store: w.deps.store, actor: 'alice', env: w.deps.env},
    )
    barrier.assertMet()
    expect(result.retractions.map((r) => [r.channel, r.status])).toEqual([
      ['bluesky', 'deleted'],
      ['slack', 'deleted'],
    ])
  })
})

describe('retract in a rehearsal', () => {
  it("rebuilds the rehearsal's own status site, which keeps the rehearsal's other updates", async () => {
    const info: SandboxInfoServer = await startSandboxInfo()
    closers.push(async () => {
      restoreHooks()
      await info.close()
    })
    withHook('site', (t) => ({env: {}, options: {dir: t.dir}}))
    const {dir, playbook} = writePlaybook('')
    writeFileSync(
      playbook,
      `name: status
facts:
  service: {}
channels:
  site: { type: site, dir: "${path.join(dir, 'public')}" }
phases:
  investigating:
    posts:
      site: { text: "We are looking at {{service}}." }
  identified:
    posts:
      site: { text: "We found what broke {{service}}." }
`,
    )
    const stateDir = path.join(dir, 'state')
    const store = new FileIncidentStore(stateDir)
    const deps: PublishDeps = {store, actor: 'dana', env: {}, reporter: {progress() {}}}
    await openIncident(store, {
      playbook,
      id: 'drill',
      facts: {service: 'Voice'},
      actor: 'dana',
      rehearsal: {sandbox: info.url},
    })
    for (const phase of ['investigating', 'identified'])
      await publishUpdate({incident: 'drill', phase, facts: {}, yes: true, interactive: false}, deps)
    const page = path.join(stateDir, 'sandbox', 'drill', 'site', 'incidents', 'drill.html')
    expect(readFileSync(page, 'utf8')).toContain('We found what broke Voice.')

    const result = await retractUpdate({incident: 'drill', update: 2}, {store, actor: 'dana', env: {}})
    expect(result.retractions.map((r) => [r.channel, r.status])).toEqual([['site', 'deleted']])
    expect(existsSync(page) ? readFileSync(page, 'utf8') : 'no page').toContain('We are looking at Voice.')
    expect(readFileSync(page, 'utf8')).not.toContain('We found what broke Voice.')
  })
})

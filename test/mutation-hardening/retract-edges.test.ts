/**
 * Retract (services/publish/retract.ts) at its edges, in process: a platform that cannot
 * delete (Slack's incoming webhook), the warning about later updates left as replies (one
 * and several), `--channel` choosing some channels, channels with nothing published, an
 * incident with no updates yet, masked errors. Fake X and Slack servers, the file store.
 */
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {startFakeSlack, type FakeSlack} from '../../src/infrastructure/sandbox/fakes/slack-api.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {openIncident} from '../../src/services/incident/service.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, xEnv} from '../helpers/x-incident.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

/** An incident posting to X and to Slack through an incoming webhook; `updates` updates published. */
async function world(updates: number) {
  const dir = tempDir()
  const x: FakeX = await startFakeX({credentials: X_CREDENTIALS})
  const q: FakeX = await startFakeX({credentials: X_CREDENTIALS})
  const slack: FakeSlack = await startFakeSlack({botToken: 'xoxb-1111-2222-SecretBotToken'})
  closers.push(
    () => x.close(),
    () => q.close(),
    () => slack.close(),
  )
  // quiet refuses every post: it is part of update 1 with nothing published.
  q.fail({status: 401}, 100, {method: 'POST', path: '/2/tweets'})
  const file = path.join(dir, 'incident.yaml')
  const phases = ['investigating', 'identified', 'monitoring', 'resolved']
  writeFileSync(
    file,
    `name: incident
facts:
  service: { required: true }
channels:
  x: { type: x, api_url: "${x.url}" }
  chat: { type: slack }
  quiet: { type: x, api_url: "${q.url}" }
phases:
${phases
  .map(
    (p) => `  ${p}:
    posts:
      x: { text: "${p}: {{service}}" }
      chat: { text: "${p}: {{service}}" }
${p === 'investigating' ? '      quiet: { text: "never sent" }\n' : ''}`,
  )
  .join('')}`,
  )
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const {id} = await openIncident(store, {playbook: file, facts: {service: 'Acme'}, actor: 'alice'})
  const env = {...xEnv('X'), ...xEnv('QUIET'), CANDOR_CHAT_WEBHOOK_URL: slack.webhookUrl}
  const deps = {store, actor: 'alice', env, reporter: {progress() {}}, backoffMs: 5, timeoutMs: 2000}
  for (const phase of phases.slice(0, updates))
    await publishUpdate({incident: id, phase, facts: {}, yes: true, interactive: false}, deps)
  const retractions = async () =>
    (await store.read(id)).events.flatMap((e) =>
      e.type === 'retraction' ? [[e.channel, e.part, e.status, e.error ?? null]] : [],
    )
  return {x, slack, store, id, deps: {store, actor: 'alice', env}, retractions}
}

describe('retract at its edges', () => {
  it('says plainly where the platform cannot delete, and journals it', async () => {
    const w = await world(1)
    const result = await retractUpdate({incident: w.id, update: 1, channels: ['chat']}, w.deps)
    const error =
      'Slack does not let Candor delete posts in webhook mode (use a bot token and channel to make posts deletable); remove it by hand'
    expect(result).toEqual({
      incident: w.id,
      update: 1,
      phase: 'investigating',
      retractions: [{channel: 'chat', status: 'unsupported', ids: [], error}],
      warnings: [],
    })
    expect(await w.retractions()).toEqual([['chat', 1, 'unsupported', error]])
    // X was not chosen: nothing deleted there.
    expect(w.x.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0)
  })

  it('all channels when none is chosen (an empty --channel list too), each with its own outcome', async () => {
    const w = await world(1)
    const result = await retractUpdate({incident: w.id, update: 1, channels: []}, w.deps)
    expect(result.retractions.map((r) => [r.channel, r.status])).toEqual([
      ['x', 'deleted'],
      ['chat', 'unsupported'],
    ])
    expect(result.retractions[0].ids).toEqual([w.x.tweets[0]?.id ?? expect.any(String)])
  })

  it('names every unknown channel asked for, and the channels there are', async () => {
    const w = await world(1)
    await expect(
      retractUpdate({incident: w.id, update: 1, channels: ['x', 'mail', 'pager']}, w.deps),
    ).rejects.toMatchObject({
      code: 'unknown_channel',
      message: 'update 1 has no post on mail, pager',
      suggestions: ['Channels of update 1: x, chat, quiet'],
    })
  })

  it('reports a chosen channel with nothing published as nothing, deleting nothing', async () => {
    const w = await world(1)
    // quiet refused update 1.
    const result = await retractUpdate({incident: w.id, update: 1, channels: ['quiet']}, w.deps)
    expect(result).toMatchObject({retractions: [{channel: 'quiet', status: 'nothing', ids: []}], warnings: []})
    expect(await w.retractions()).toEqual([])
  })

  it('an incident with no updates says so', async () => {
    const w = await world(0)
    await expect(retractUpdate({incident: w.id, update: 1}, w.deps)).rejects.toMatchObject({
      code: 'unknown_update',
      message: `incident ${w.id} has no update 1`,
      suggestions: ['Updates: none yet'],
    })
  })

  it('warns, in the plural, that several later updates stay up as replies', async () => {
    const w = await world(3)
    const result = await retractUpdate({incident: w.id, update: 1, channels: ['x']}, w.deps)
    expect(result.warnings).toEqual([
      "x: update 1 starts the incident's thread; updates 2, 3 will stay up as replies to a deleted post (retract them too to take the whole thread down)",
    ])
    // With update 1 gone, update 2 starts what is left of the thread: one reply left.
    expect((await retractUpdate({incident: w.id, update: 2, channels: ['x']}, w.deps)).warnings).toEqual([
      "x: update 2 starts the incident's thread; update 3 will stay up as a reply to a deleted post (retract it too to take the whole thread down)",
    ])
    // The newest: nothing after it.
    expect((await retractUpdate({incident: w.id, update: 3, channels: ['x']}, w.deps)).warnings).toEqual([])
  })

  it('does not warn on a channel whose posts do not thread', async () => {
    const w = await world(2)
    const result = await retractUpdate({incident: w.id, update: 1, channels: ['chat']}, w.deps)
    expect(result.warnings).toEqual([])
  })

  it('asks before deleting, showing the posts and warnings; deletes nothing when told no', async () => {
    const w = await world(2)
    const asked: unknown[] = []
    await expect(
      retractUpdate(
        {
          incident: w.id,
          update: 1,
          confirm: async (summary) => {
            asked.push(summary)
            return false
          },
        },
        w.deps,
      ),
    ).rejects.toMatchObject({code: 'aborted', exit: 4, message: 'nothing was deleted: not confirmed'})
    expect(asked).toEqual([
      {
        update: 1,
        phase: 'investigating',
        posts: [
          {channel: 'x', ids: [w.x.tweets[0].id]},
          {channel: 'chat', ids: [expect.any(String)]},
        ],
        warnings: [
          expect.stringMatching(/^x: update 1 starts the incident's thread; update 2 will stay up as a reply/),
        ],
      },
    ])
    expect(await w.retractions()).toEqual([])
  })

  it('names the missing credentials and deletes nothing', async () => {
    const w = await world(1)
    await expect(
      retractUpdate({incident: w.id, update: 1}, {...w.deps, env: {CANDOR_CHAT_WEBHOOK_URL: w.slack.webhookUrl}}),
    ).rejects.toMatchObject({
      code: 'credentials_missing',
      message:
        'nothing was deleted: missing credentials: set CANDOR_X_APP_KEY, CANDOR_X_APP_SECRET, CANDOR_X_ACCESS_TOKEN, CANDOR_X_ACCESS_SECRET',
    })
    expect(await w.retractions()).toEqual([])
  })

  it('journals a failed deletion with the error it reports', async () => {
    const w = await world(1)
    w.x.fail({status: 401}, 1, {method: 'DELETE', path: '/2/tweets/:id'})
    const result = await retractUpdate({incident: w.id, update: 1, channels: ['x']}, w.deps)
    expect(result.retractions[0]).toMatchObject({channel: 'x', status: 'failed', ids: []})
    expect(result.retractions[0].error).toBeTruthy()
    expect(await w.retractions()).toEqual([['x', 1, 'failed', result.retractions[0].error]])
  })
})

import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../src/channels/registry.js'
import {openIncident} from '../../src/services/incident/service.js'
import {createAdapter} from '../../src/channels/bluesky/adapter.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {publishUpdate, retryFailed} from '../../src/services/publish/publish.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import {startFakeStatuspage} from '../../src/infrastructure/sandbox/fakes/statuspage-api.js'
import {writePlaybook} from '../helpers/cli.js'
import {APP_PASSWORD, BOT_TOKEN, threadWorld, type ThreadWorld} from '../helpers/thread-world.js'
import {postRequest} from './adapters/requests.js'

let current: ThreadWorld | undefined
afterEach(async () => current?.close())
const world = async () => (current = await threadWorld())

describe('threading after the first update is retracted', () => {
  it('Bluesky keeps the deleted first post as root and replies to the newest post still up; Slack starts a new thread', async () => {
    const w = await world()
    await w.publish('investigating')
    await w.publish('identified')
    const retracted = await retractUpdate(
      {incident: w.id, update: 1},
      {store: w.deps.store, actor: 'alice', env: w.deps.env},
    )
    expect(retracted.retractions.map((r) => r.status)).toEqual(['deleted', 'deleted'])
    await w.publish('monitoring')
    await w.publish('resolved')

    // Bluesky: every later post's root is update 1's post (deleted, still a valid reference), never a reply.
    const [first, second, third, fourth] = w.bluesky.posts
    expect(first!.deleted).toBe(true)
    expect(third!.record.reply).toEqual({
      root: {uri: first!.uri, cid: first!.cid},
      parent: {uri: second!.uri, cid: second!.cid},
    })
    expect(fourth!.record.reply).toEqual({
      root: {uri: first!.uri, cid: first!.cid},
      parent: {uri: third!.uri, cid: third!.cid},
    })

    // Slack: update 1's message is gone, so update 3 starts a thread and update 4 goes into it.
    const [s1, s2, s3, s4] = w.slack.messages
    expect(s1!.deleted).toBe(true)
    expect(s2!.threadTs).toBe(s1!.ts)
    expect(s3!.threadTs).toBeUndefined()
    expect(s4!.threadTs).toBe(s3!.ts)
  })

  it('a retried part keeps the same root', async () => {
    const w = await world()
    await w.publish('investigating')
    await w.publish('identified')
    await retractUpdate({incident: w.id, update: 1}, {store: w.deps.store, actor: 'alice', env: w.deps.env})
    w.bluesky.fail({status: 400, error: 'InvalidRequest', message: 'try later'}, 1, {
      nsid: 'com.atproto.repo.createRecord',
    })
    const r = await publishUpdate(
      {incident: w.id, phase: 'monitoring', facts: {}, yes: true, interactive: false},
      w.deps,
    )
    expect(r.deliveries.find((d) => d.channel === 'bluesky')!.status).toBe('failed')
    const retried = await retryFailed({incident: w.id}, w.deps)
    expect(retried.updates[0]!.deliveries.map((d) => d.status)).toEqual(['published'])
    const [first, second, third] = w.bluesky.posts
    expect(third!.record.reply).toEqual({
      root: {uri: first!.uri, cid: first!.cid},
      parent: {uri: second!.uri, cid: second!.cid},
    })
  })
})

describe('the fakes refuse a reply taken for a root', () => {
  it('Bluesky: a root that is itself a reply', async () => {
    const w = await world()
    await w.publish('investigating')
    await w.publish('identified')
    const adapter = createAdapter({
      channel: {name: 'bluesky', type: 'bluesky', kind: CHANNEL_KINDS.bluesky, options: {api_url: w.bluesky.url}},
      credentials: {IDENTIFIER: 'acme-status.bsky.social', APP_PASSWORD},
      timeoutMs: 5000,
    })
    const reply = w.bluesky.posts[1]!
    const ref = {id: reply.uri, ref: {cid: reply.cid}}
    const e = await adapter
      .post(postRequest({channel: 'bluesky', type: 'bluesky', text: 'x', limit: 300}, {replyTo: ref, threadRoot: ref}))
      .catch((error: Error) => error)
    expect(String((e as Error).message)).toContain('is itself a reply')
  })

  it("Slack: a reply's ts as thread_ts", async () => {
    const w = await world()
    await w.publish('investigating')
    await w.publish('identified')
    const reply = w.slack.messages[1]!
    const res = await fetch(`${w.slack.apiUrl}/chat.postMessage`, {
      method: 'POST',
      headers: {authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json'},
      body: JSON.stringify({channel: 'C0INCIDENTS', text: 'x', thread_ts: reply.ts}),
    })
    expect(await res.json()).toEqual({ok: false, error: 'invalid_thread_ts'})
  })
})

describe('Statuspage after its first update is retracted', () => {
  it('opens a new incident instead of updating the deleted one', async () => {
    const fake = await startFakeStatuspage({apiKey: 'sp-key-0123456789'})
    try {
      const {dir, playbook} = writePlaybook(
        `name: incident
facts:
  service: { required: true }
channels:
  status: { type: statuspage, page_id: ${fake.pageId}, api_url: "${fake.url}", title: "{{service}} outage" }
phases:
  investigating:
    posts:
      status: { text: "We are investigating problems with {{service}}." }
  identified:
    posts:
      status: { text: "We found the cause." }
  monitoring:
    posts:
      status: { text: "A fix is live." }
`,
      )
      const store = new FileIncidentStore(path.join(dir, 'state'))
      const incident = await openIncident(store, {playbook, facts: {service: 'Acme Voice'}, actor: 'alice'})
      const deps = {
        store,
        actor: 'alice',
        env: {CANDOR_STATUS_API_KEY: 'sp-key-0123456789'},
        reporter: {progress: () => {}},
        backoffMs: 5,
        timeoutMs: 5000,
      }
      const publish = async (phase: string) =>
        (await publishUpdate({incident: incident.id, phase, facts: {}, yes: true, interactive: false}, deps))
          .deliveries[0]
      expect(await publish('investigating')).toMatchObject({status: 'published'})
      expect(await publish('identified')).toMatchObject({status: 'published'})
      const retracted = await retractUpdate({incident: incident.id, update: 1}, {store, actor: 'alice', env: deps.env})
      expect(retracted.retractions[0]!.status).toBe('deleted')
      expect(await publish('monitoring')).toMatchObject({status: 'published'})
      expect(fake.incidents.map((i) => i.deleted)).toEqual([true, false])
    } finally {
      await fake.close()
    }
  })
})

import {afterEach, describe, expect, it} from 'vitest'
import {loadIncident} from '../../src/services/incident/service.js'
import {publishUpdate, retryFailed} from '../../src/services/publish/publish.js'
import {threadWorld, type ThreadWorld} from '../helpers/thread-world.js'

let current: ThreadWorld | undefined
afterEach(async () => current?.close())

/** The microseconds a TID claims (its top 53 bits after the sign bit). */
const micros = (tid: string) =>
  [...tid].reduce((v, c) => (v << 5n) | BigInt('234567abcdefghijklmnopqrstuvwxyz'.indexOf(c)), 0n) >> 10n

describe('bluesky record keys through the publisher', () => {
  it('each part is posted under a timestamp TID journaled before the request; posts sort in time order', async () => {
    const w = (current = await threadWorld())
    const start = BigInt(Date.now()) * 1000n
    await w.publish('investigating')
    await w.publish('identified')
    const end = BigInt(Date.now()) * 1000n + 1000n
    const {state} = await loadIncident(w.deps.store, w.id)
    const attempts = state.events.filter((e) => e.type === 'delivery_attempt' && e.channel === 'bluesky')
    const keys = attempts.map((e) => (e.type === 'delivery_attempt' ? e.post_key : undefined))
    expect(keys).toEqual(w.bluesky.posts.map((p) => p.rkey))
    for (const key of keys) {
      expect(micros(key!)).toBeGreaterThanOrEqual(start)
      expect(micros(key!)).toBeLessThanOrEqual(end)
    }
    expect([...keys].sort()).toEqual(keys)
  })

  it('a retry after a lost answer asks for the same key and finds the post: never a second one', async () => {
    const w = (current = await threadWorld())
    await w.publish('investigating')
    w.bluesky.fail({kind: 'lose-answer'}, 1, {nsid: 'com.atproto.repo.createRecord'})
    w.bluesky.fail({status: 503}, 1, {nsid: 'com.atproto.repo.getRecord'})
    const r = await publishUpdate(
      {incident: w.id, phase: 'identified', facts: {}, yes: true, interactive: false, channels: ['bluesky']},
      {...w.deps, retries: 1},
    )
    expect(r.deliveries[0]!.status).toBe('failed')
    expect(w.bluesky.posts).toHaveLength(2)
    const retried = await retryFailed({incident: w.id}, w.deps)
    expect(retried.updates.flatMap((u) => u.deliveries.map((d) => d.status))).toEqual(['published'])
    expect(w.bluesky.posts).toHaveLength(2)
    const {state} = await loadIncident(w.deps.store, w.id)
    const keys = new Set(
      state.events.flatMap((e) => (e.type === 'delivery_attempt' && e.update === 2 ? [e.post_key] : [])),
    )
    expect([...keys]).toEqual([w.bluesky.posts[1]!.rkey])
    expect(state.lastPosts.get('bluesky')!.id).toBe(w.bluesky.posts[1]!.uri)
  })
})

describe('the Bluesky fake checks record keys', () => {
  it('refuses a key that is not a TID (13 base32-sortable characters, top bit clear)', async () => {
    const w = (current = await threadWorld())
    const session = (await (
      await fetch(`${w.bluesky.url}/xrpc/com.atproto.server.createSession`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({identifier: 'acme-status.bsky.social', password: 'abcd-efgh-ijkl-mnop'}),
      })
    ).json()) as {accessJwt: string; did: string}
    const create = async (rkey: string) =>
      (
        await fetch(`${w.bluesky.url}/xrpc/com.atproto.repo.createRecord`, {
          method: 'POST',
          headers: {'content-type': 'application/json', authorization: `Bearer ${session.accessJwt}`},
          body: JSON.stringify({
            repo: session.did,
            collection: 'app.bsky.feed.post',
            rkey,
            record: {$type: 'app.bsky.feed.post', text: `key ${rkey}`, createdAt: new Date().toISOString()},
          }),
        })
      ).status
    for (const bad of ['not-a-tid', '3JZFCIJPJ2Z2A', 'kjzfcijpj2z2a', '3jzfcijpj2z2', '3jzfcijpj2z2a1'])
      expect(await create(bad), bad).toBe(400)
    expect(await create('3jzfcijpj2z2a')).toBe(200)
  })
})

import {RichText} from '@atproto/api'
import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import {createAdapter, facetsOf} from '../../../src/channels/bluesky/adapter.js'
import {startFakeBluesky, type FakeBluesky} from '../../../src/infrastructure/sandbox/fakes/bluesky-api.js'
import {postRequest} from './requests.js'

const APP_PASSWORD = 'abcd-efgh-ijkl-mnop'
const ACCOUNTS: Record<string, string> = {
  'alice.bsky.social': 'did:plc:alice2222222222222222222',
  'ops.acme.com': 'did:plc:opsacme33333333333333333',
  'jörg.test': 'did:plc:never',
  'bob.test': 'did:web:bob.test',
}

/** The official client's facets for `text` (the oracle), with the same handles resolvable. */
async function official(text: string) {
  const agent = {
    com: {
      atproto: {
        identity: {
          resolveHandle: async ({handle}: {handle: string}) => {
            const did = ACCOUNTS[handle.toLowerCase()]
            if (!did) throw new Error('Unable to resolve handle')
            return {data: {did}}
          },
        },
      },
    },
  }
  const rt = new RichText({text})
  await rt.detectFacets(agent as never)
  return (
    (rt.facets ?? [])
      .map(({index, features}) => ({index, features}))
      // An unresolvable handle: the official client keeps a facet with an empty DID, Candor leaves plain text.
      .filter(
        (f) => !f.features.some((x) => x.$type === 'app.bsky.richtext.facet#mention' && !(x as {did: string}).did),
      )
      // Cashtags ($ACME) are tags to the official client; Candor tags only #hashtags.
      .filter(
        (f) =>
          !f.features.some(
            (x) => x.$type === 'app.bsky.richtext.facet#tag' && String((x as {tag: string}).tag).startsWith('$'),
          ),
      )
  )
}

const ours = (text: string) => facetsOf(text, async (handle) => ACCOUNTS[handle.toLowerCase()])

const TEXTS = [
  'Outage update for @alice.bsky.social and @ops.acme.com: calls fail. #AcmeOutage #status',
  '🚨 Störung: @alice.bsky.social sieht es auch. Mehr: https://status.acme.com/i/42 #Störung',
  '(@bob.test) and @nobody.bsky.social and @not-a-handle and email me@acme.com #1 #42nd #tag!!! #🔥',
  '日本語の投稿 #障害 @alice.bsky.social、詳細は status.acme.com へ',
  '＃全角タグ and #a_b-c, #end.',
  '#' + 'x'.repeat(64) + ' #' + 'y'.repeat(65) + ' ok',
  'no facets at all, only a # and an @ alone',
  'mid#tag and mid@alice.bsky.social are not facets; (#paren) is not a tag either',
  '@ALICE.BSKY.SOCIAL shouting, @alice.bsky.social. #Tag\u200Bzero #tag\ufe0f',
]

describe('bluesky facets match the official RichText.detectFacets', () => {
  for (const text of TEXTS) {
    it(JSON.stringify(text.slice(0, 50)), async () => {
      expect(await ours(text)).toEqual(await official(text))
    })
  }
})

let fake: FakeBluesky
afterEach(async () => fake?.close())

async function adapter() {
  fake = await startFakeBluesky({
    appPassword: APP_PASSWORD,
    handle: 'acme-status.bsky.social',
    accounts: {'alice.bsky.social': ACCOUNTS['alice.bsky.social']!},
  })
  return createAdapter({
    channel: {name: 'main', type: 'bluesky', kind: CHANNEL_KINDS.bluesky, options: {api_url: fake.url}},
    credentials: {IDENTIFIER: 'acme-status.bsky.social', APP_PASSWORD},
    timeoutMs: 5000,
  })
}

describe('bluesky mentions and hashtags on the wire', () => {
  it('resolves mentioned handles to DIDs, tags hashtags, and leaves an unresolvable handle as plain text', async () => {
    const bsky = await adapter()
    const text = '🚨 @alice.bsky.social @ghost.bsky.social Calls fail. #AcmeOutage'
    await bsky.post(postRequest({channel: 'main', type: 'bluesky', text, limit: 300}))
    const record = fake.posts[0]!.record
    const bytes = Buffer.from(text)
    expect(
      record.facets!.map((f) => [bytes.subarray(f.index.byteStart, f.index.byteEnd).toString(), f.features[0]]),
    ).toEqual([
      ['@alice.bsky.social', {$type: 'app.bsky.richtext.facet#mention', did: ACCOUNTS['alice.bsky.social']}],
      ['#AcmeOutage', {$type: 'app.bsky.richtext.facet#tag', tag: 'AcmeOutage'}],
    ])
    const resolves = fake.requests.filter((r) => r.nsid === 'com.atproto.identity.resolveHandle').map((r) => r.path)
    expect(resolves.sort()).toEqual([
      '/xrpc/com.atproto.identity.resolveHandle?handle=alice.bsky.social',
      '/xrpc/com.atproto.identity.resolveHandle?handle=ghost.bsky.social',
    ])
  })

  it('a failing resolveHandle never fails the post', async () => {
    const bsky = await adapter()
    fake.fail({status: 503}, 1, {nsid: 'com.atproto.identity.resolveHandle'})
    await bsky.post(postRequest({channel: 'main', type: 'bluesky', text: 'Hi @alice.bsky.social', limit: 300}))
    expect(fake.posts[0]!.record.facets).toBeUndefined()
  })

  it('the fake refuses facets at UTF-16 indices and a mention that does not cover its handle', async () => {
    await adapter()
    const session = (await (
      await fetch(`${fake.url}/xrpc/com.atproto.server.createSession`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({identifier: 'acme-status.bsky.social', password: APP_PASSWORD}),
      })
    ).json()) as {accessJwt: string; did: string}
    const create = async (text: string, facets: unknown) => {
      const res = await fetch(`${fake.url}/xrpc/com.atproto.repo.createRecord`, {
        method: 'POST',
        headers: {'content-type': 'application/json', authorization: `Bearer ${session.accessJwt}`},
        body: JSON.stringify({
          repo: session.did,
          collection: 'app.bsky.feed.post',
          record: {$type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString(), facets},
        }),
      })
      return {status: res.status, body: (await res.json()) as {message?: string}}
    }
    const text = 'Störung #Tag'
    const utf16 = text.indexOf('#')
    const wrong = await create(text, [
      {
        index: {byteStart: utf16 - 1, byteEnd: utf16 + 3},
        features: [{$type: 'app.bsky.richtext.facet#tag', tag: 'Tag'}],
      },
    ])
    expect(wrong.status).toBe(400)
    const right = await create(text, [
      {
        index: {byteStart: utf16 + 1, byteEnd: utf16 + 5},
        features: [{$type: 'app.bsky.richtext.facet#tag', tag: 'Tag'}],
      },
    ])
    expect(right.status).toBe(200)
    const split = await create('ö https://a.example', [
      {
        index: {byteStart: 1, byteEnd: 20},
        features: [{$type: 'app.bsky.richtext.facet#link', uri: 'https://a.example'}],
      },
    ])
    expect(split.body.message).toContain('UTF-8 character boundaries')
    const mention = await create('Hi @alice.bsky.social', [
      {
        index: {byteStart: 0, byteEnd: 2},
        features: [{$type: 'app.bsky.richtext.facet#mention', did: ACCOUNTS['alice.bsky.social']}],
      },
    ])
    expect(mention.body.message).toContain('covers "Hi"')
  })
})

import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {RemotePost} from '../../../src/services/incident/events.js'
import type {ChannelAdapter, PostRequest} from '../../../src/services/publish/adapter.js'
import {createAdapter, statusText} from '../../../src/channels/mastodon/adapter.js'
import {
  startFakeMastodon,
  type FakeMastodon,
  type StartFakeMastodonOptions,
} from '../../../src/infrastructure/sandbox/fakes/mastodon-api.js'
import {deliveryFailure, postRequest, TIMEOUT} from './requests.js'

const TOKEN = 'mastodon-token-Zx81qP0sKd'

let fake: FakeMastodon
afterEach(async () => fake?.close())

async function setup(
  options: Record<string, unknown> = {},
  fakeOptions: Partial<StartFakeMastodonOptions> = {},
  token = TOKEN,
  timeoutMs = TIMEOUT,
) {
  fake = await startFakeMastodon({accessToken: TOKEN, domain: 'mastodon.example', ...fakeOptions})
  return createAdapter({
    channel: {
      name: 'main',
      type: 'mastodon',
      kind: CHANNEL_KINDS.mastodon,
      options: {instance: 'https://mastodon.example', api_url: fake.url, ...options},
    },
    credentials: {ACCESS_TOKEN: token},
    timeoutMs,
  })
}

let seq = 0
/** Each request gets its own idempotency key, as parts of different updates do. */
function request(text: string, extra: Partial<PostRequest> = {}): PostRequest {
  seq++
  return postRequest(
    {
      channel: 'main',
      type: 'mastodon',
      text,
      limit: 500,
      incident: {id: 'db-outage'},
      idempotencyKey: `candor-db-outage-1-main-${seq}`,
    },
    extra,
  )
}

const failure = (p: Promise<unknown>) => deliveryFailure(p, [TOKEN])

describe('mastodon adapter', () => {
  it('posts a status with the bearer token, idempotency key, visibility and language', async () => {
    const adapter = await setup({visibility: 'unlisted', language: 'en'})
    const remote = await adapter.post(
      request('API latency is elevated. Details: https://status.acme.com/i/42', {
        idempotencyKey: 'candor-db-outage-1-main-1',
      }),
    )

    expect(fake.requests).toHaveLength(1)
    const sent = fake.requests[0]!
    expect(sent.method).toBe('POST')
    expect(sent.path).toBe('/api/v1/statuses')
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(sent.headers['idempotency-key']).toBe('candor-db-outage-1-main-1')
    expect(sent.headers['content-type']).toBe('application/json')
    expect(sent.body).toEqual({
      status: 'API latency is elevated. Details: https://status.acme.com/i/42',
      visibility: 'unlisted',
      language: 'en',
    })

    expect(fake.statuses).toEqual([
      expect.objectContaining({
        text: 'API latency is elevated. Details: https://status.acme.com/i/42',
        visibility: 'unlisted',
        language: 'en',
        deleted: false,
      }),
    ])
    expect(remote).toEqual({id: fake.statuses[0]!.id, url: `https://mastodon.example/@acme/${fake.statuses[0]!.id}`})
  })

  it('leaves out visibility and falls back to the locale for the language', async () => {
    const adapter = await setup({locale: 'de-DE'})
    await adapter.post(request('Wir untersuchen eine Störung.'))
    expect(fake.requests[0]!.body).toEqual({status: 'Wir untersuchen eine Störung.', language: 'de'})
  })

  it('threads parts and later updates under the previous post', async () => {
    const adapter = await setup()
    const first = await adapter.post(request('Update 1, part 1/2', {part: 1, parts: 2}))
    const second = await adapter.post(
      request('Update 1, part 2/2', {part: 2, parts: 2, replyTo: first, threadRoot: first}),
    )
    const third = await adapter.post(
      request('Update 2: fixed', {
        incident: {id: 'db-outage', update: 2, phase: 'resolved', facts: {}},
        replyTo: second,
        threadRoot: first,
      }),
    )

    expect(fake.requests.map((r) => (r.body as {in_reply_to_id?: string}).in_reply_to_id)).toEqual([
      undefined,
      first.id,
      second.id,
    ])
    expect(fake.statuses.map((s) => [s.id, s.inReplyToId])).toEqual([
      [first.id, undefined],
      [second.id, first.id],
      [third.id, second.id],
    ])
  })

  it('does not post twice when a retry repeats the idempotency key of a post whose answer was lost', async () => {
    const adapter = await setup()
    fake.fail({kind: 'lose-answer'}) // the status is created, the connection drops before the answer
    const lost = await failure(
      adapter.post(request('We are investigating.', {idempotencyKey: 'candor-db-outage-1-main-1'})),
    )
    expect(lost.retry).toBe('transient')
    expect(fake.statuses).toHaveLength(1)

    const retried = await adapter.post(request('We are investigating.', {idempotencyKey: 'candor-db-outage-1-main-1'}))
    expect(retried.id).toBe(fake.statuses[0]!.id)
    expect(fake.statuses).toHaveLength(1)
    expect(fake.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'candor-db-outage-1-main-1',
      'candor-db-outage-1-main-1',
    ])

    // A different key is a different post.
    await adapter.post(request('We are investigating.', {idempotencyKey: 'candor-db-outage-1-main-2'}))
    expect(fake.statuses).toHaveLength(2)
  })

  it('rejects a wrong token with a clear message naming the variable, never the token', async () => {
    const adapter = await setup({}, {}, 'not-the-right-token')
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('never')
    expect(e.message).toBe(
      'Mastodon rejected the access token (401: The access token is invalid); check CANDOR_MAIN_ACCESS_TOKEN',
    )
    expect(e.message).not.toContain('not-the-right-token')
    expect(fake.statuses).toHaveLength(0)
  })

  it('explains a token without the write scope', async () => {
    const adapter = await setup({}, {scopes: ['read']})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('never')
    expect(e.message).toContain('Mastodon answered 403: This action is outside the authorized scopes')
    expect(e.message).toContain('write:statuses')
  })

  it("passes Mastodon's validation error through as final", async () => {
    const adapter = await setup({}, {maxCharacters: 20})
    const e = await failure(adapter.post(request('This status is longer than twenty characters.')))
    expect(e.retry).toBe('never')
    expect(e.message).toBe('Mastodon answered 422: Validation failed: Text character limit of 20 exceeded')
  })

  it('fails for good when the post it replies to is gone', async () => {
    const adapter = await setup()
    const first = await adapter.post(request('first'))
    await adapter.delete!(first, new AbortController().signal)
    const e = await failure(adapter.post(request('second', {replyTo: first, threadRoot: first})))
    expect(e.retry).toBe('never')
    expect(e.message).toBe('Mastodon answered 404: The post you are trying to reply to does not appear to exist.')
  })

  it('waits for the rate limit until X-RateLimit-Reset', async () => {
    const adapter = await setup()
    fake.fail({status: 429, resetInSeconds: 120})
    const before = Date.now()
    const e = await failure(adapter.post(request('hello')))
    const after = Date.now()
    expect(e.retry).toBe('rate-limit')
    expect(e.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 120_000)
    expect(e.retryAt!.getTime()).toBeLessThanOrEqual(after + 120_000)
    expect(e.message).toBe('Mastodon rate limit reached (429)')
    expect(fake.statuses).toHaveLength(0)
  })

  it.each([500, 502, 503] as const)('retries after a %i', async (status) => {
    const adapter = await setup()
    fake.fail({status})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('transient')
    expect(e.message).toMatch(new RegExp(`^Mastodon answered ${status}`))
    expect(e.message).not.toContain('<html>')
    // And the retry goes through.
    await adapter.post(request('hello'))
    expect(fake.statuses).toHaveLength(1)
  })

  it('gives up on a request that hangs past the timeout, as transient', async () => {
    const adapter = await setup({}, {}, TOKEN, 500)
    fake.fail({kind: 'hang'})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('transient')
    expect(e.message).toMatch(/^Mastodon did not answer within/)
  })

  it('treats a reset connection as transient', async () => {
    const adapter = await setup()
    fake.fail({kind: 'reset'})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('transient')
    expect(e.message).toMatch(/^could not reach Mastodon/)
  })

  it('says so when the caller interrupts, and that is final', async () => {
    const adapter = await setup()
    fake.fail({kind: 'hang'})
    const controller = new AbortController()
    const pending = adapter.post(request('hello', {signal: controller.signal}))
    controller.abort()
    const e = await failure(pending)
    expect(e.retry).toBe('never')
    expect(e.message).toBe('interrupted while talking to Mastodon')
  })

  it('deletes a status, and reports one that is not there', async () => {
    const adapter = await setup()
    const remote = await adapter.post(request('wrong information'))
    await adapter.delete!(remote, new AbortController().signal)
    expect(fake.requests.at(-1)).toMatchObject({method: 'DELETE', path: `/api/v1/statuses/${remote.id}`})
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(fake.statuses[0]!.deleted).toBe(true)

    const again = await failure(adapter.delete!(remote, new AbortController().signal))
    expect(again.retry).toBe('never')
    expect(again.message).toBe('Mastodon answered 404: Record not found')
  })

  it('says who it posts as, with the instance domain', async () => {
    const adapter = await setup()
    expect(await adapter.whoami!(new AbortController().signal)).toBe('@acme@mastodon.example')
    expect(fake.requests).toEqual([
      expect.objectContaining({method: 'GET', path: '/api/v1/accounts/verify_credentials'}),
    ])
    expect(fake.statuses).toHaveLength(0)
  })

  it('whoami fails clearly with a wrong token', async () => {
    const adapter = await setup({}, {}, 'revoked-token-1234')
    const e = await failure(adapter.whoami!(new AbortController().signal))
    expect(e.retry).toBe('never')
    expect(e.message).toContain('CANDOR_MAIN_ACCESS_TOKEN')
    expect(e.message).not.toContain('revoked-token-1234')
  })

  it('talks to the instance itself when there is no api_url', async () => {
    fake = await startFakeMastodon({accessToken: TOKEN})
    const adapter: ChannelAdapter = createAdapter({
      channel: {name: 'main', type: 'mastodon', kind: CHANNEL_KINDS.mastodon, options: {instance: fake.url}},
      credentials: {ACCESS_TOKEN: TOKEN},
      timeoutMs: TIMEOUT,
    })
    const remote: RemotePost = await adapter.post(request('hello'))
    expect(remote.url).toBe(`${fake.url}/@acme/${remote.id}`)
    expect(await adapter.whoami!(new AbortController().signal)).toBe(`@acme@${new URL(fake.url).host}`)
  })

  it('describes the target without a secret and without a request', async () => {
    const adapter = await setup({visibility: 'unlisted'})
    const target = adapter.describeTarget()
    expect(target).toBe(
      `Mastodon account of CANDOR_MAIN_ACCESS_TOKEN on https://mastodon.example via ${fake.url}, unlisted`,
    )
    expect(target).not.toContain(TOKEN)
    expect(fake.requests).toHaveLength(0)
  })

  describe('after an interrupted send', () => {
    const TEXT = `R&D's <api> is "slow" again.\nDetails: https://status.acme.com/incidents/2026-11-25-db-outage\n\nNext update by 15:00 UTC.`

    function freshAdapter(fakeToken = TOKEN): ChannelAdapter {
      // A new adapter is what `candor retry` has: a new process, nothing remembered.
      return createAdapter({
        channel: {
          name: 'main',
          type: 'mastodon',
          kind: CHANNEL_KINDS.mastodon,
          options: {instance: 'https://mastodon.example', api_url: fake.url},
        },
        credentials: {ACCESS_TOKEN: fakeToken},
        timeoutMs: TIMEOUT,
      })
    }

    it('is idempotent: the same part sent again, even by a new process, leaves one status', async () => {
      const adapter = await setup()
      expect(adapter.idempotent).toBe(true)
      const first = await adapter.post(request(TEXT, {idempotencyKey: 'candor-db-outage-1-main-1'}))
      const again = await freshAdapter().post(request(TEXT, {idempotencyKey: 'candor-db-outage-1-main-1'}))
      expect(again).toEqual(first)
      expect(fake.statuses).toHaveLength(1)
    })

    it('finds a status whose answer was lost by its text, also after the key expired', async () => {
      const adapter = await setup()
      await adapter.post(request('An older status about something else https://status.acme.com/old'))
      fake.fail({kind: 'lose-answer'}, 1, {method: 'POST', path: '/api/v1/statuses'})
      await failure(adapter.post(request(TEXT, {idempotencyKey: 'candor-db-outage-1-main-1'})))
      expect(fake.statuses).toHaveLength(2)
      fake.forgetIdempotencyKeys()

      const before = fake.requests.length
      const found = await freshAdapter().findPublished!(request(TEXT, {idempotencyKey: 'candor-db-outage-1-main-1'}))
      const lost = fake.statuses[1]!
      expect(found).toEqual({id: lost.id, url: `https://mastodon.example/@acme/${lost.id}`})
      const lookups = fake.requests.slice(before)
      expect(lookups.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /api/v1/accounts/verify_credentials',
        'GET /api/v1/accounts/109348000000000001/statuses?limit=40&exclude_reblogs=true',
      ])
      expect(lookups.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true)
      expect(fake.statuses).toHaveLength(2)
    })

    it('reads the text back out of Mastodon’s HTML', () => {
      expect(statusText('<p>R&amp;D&#39;s &lt;api&gt; &quot;x&quot;<br />line</p><p>next &#x1F525;</p>')).toBe(
        `R&D's <api> "x"\nline\n\nnext 🔥`,
      )
      expect(
        statusText(
          '<p>see <a href="https://a.example/very/long/path/that/is/cut/short/here"><span class="invisible">https://</span><span class="ellipsis">a.example/very/long/path/that/</span><span class="invisible">is/cut/short/here</span></a></p>',
        ),
      ).toBe('see https://a.example/very/long/path/that/is/cut/short/here')
    })

    it('finds nothing when the status never arrived, and only matches a reply under the same post', async () => {
      const adapter = await setup()
      const root = await adapter.post(request('We are investigating.'))
      const elsewhere = await adapter.post(request('We are investigating.'))
      await adapter.post(request('Update: fixed.', {replyTo: elsewhere}))
      fake.fail({kind: 'reset'}, 1, {method: 'POST', path: '/api/v1/statuses'})
      await failure(adapter.post(request('Update: fixed.', {replyTo: root})))

      expect(await freshAdapter().findPublished!(request('Update: fixed.', {replyTo: root}))).toBeNull()
      expect(await freshAdapter().findPublished!(request('Something never said.'))).toBeNull()
      expect(fake.statuses.map((s) => s.text)).toEqual([
        'We are investigating.',
        'We are investigating.',
        'Update: fixed.',
      ])
    })

    it('fails the lookup without the read:statuses scope, so retry relies on the idempotency key', async () => {
      await setup({}, {scopes: ['write:statuses', 'read:accounts']})
      const e = await failure(freshAdapter().findPublished!(request(TEXT)))
      expect(e.retry).toBe('never')
      expect(e.message).toContain('Mastodon answered 403: This action is outside the authorized scopes')
      expect(e.message).toContain('read:statuses')
    })
  })
})

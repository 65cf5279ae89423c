import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {RenderedPostRecord} from '../../../src/services/incident/events.js'
import type {ChannelAdapter, PostRequest} from '../../../src/services/publish/adapter.js'
import {createAdapter, GRAPH_VERSION} from '../../../src/channels/facebook/adapter.js'
import {startFakeFacebook, type FakeFacebook} from '../../../src/infrastructure/sandbox/fakes/facebook-api.js'
import {deliveryFailure, HANG_TIMEOUT, postRequest, TIMEOUT} from './requests.js'

const TOKEN = 'EAAPageTokenZ9x81kq0Lmn'
const fakes: FakeFacebook[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

async function setup(
  opts: {token?: string; apiPath?: string; timeoutMs?: number} = {},
): Promise<{fake: FakeFacebook; adapter: ChannelAdapter}> {
  const fake = await startFakeFacebook({pageToken: TOKEN, userToken: 'EAAUserTokenQ2'})
  fakes.push(fake)
  const adapter = createAdapter({
    channel: {
      name: 'facebook',
      type: 'facebook',
      kind: CHANNEL_KINDS.facebook,
      options: {api_url: fake.url + (opts.apiPath ?? '/v21.0'), page_id: fake.pageId},
    },
    credentials: {PAGE_TOKEN: opts.token ?? TOKEN},
    timeoutMs: opts.timeoutMs ?? TIMEOUT,
  })
  return {fake, adapter}
}

const request = (text: string, extra: Partial<PostRequest> = {}, post: Partial<RenderedPostRecord> = {}) =>
  postRequest({channel: 'facebook', type: 'facebook', text, limit: 63206, post}, extra)
const failure = (p: Promise<unknown>) => deliveryFailure(p, [TOKEN])

describe('facebook adapter', () => {
  it('posts message and link to the Page feed with the token in the body, never in the URL', async () => {
    const {fake, adapter} = await setup()
    const remote = await adapter.post(
      request('We are investigating problems with Acme Voice.', {}, {link: 'https://status.acme.test/voice-1'}),
    )
    expect(remote).toEqual({id: fake.posts[0]!.id, url: `https://www.facebook.com/${fake.posts[0]!.id}`})
    expect(remote.id).toMatch(new RegExp(`^${fake.pageId}_\\d+$`))
    const req = fake.requests[0]!
    expect(req.method).toBe('POST')
    expect(req.path).toBe(`/v21.0/${fake.pageId}/feed`)
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(req.body).toEqual({
      message: 'We are investigating problems with Acme Voice.',
      link: 'https://status.acme.test/voice-1',
      access_token: TOKEN,
    })
    expect(fake.requests.every((r) => !r.path.includes(TOKEN))).toBe(true)
  })

  it("speaks the current Graph API version by default, and the channel's graph_version when set", async () => {
    const fake = await startFakeFacebook({pageToken: TOKEN, userToken: 'EAAUserTokenQ2'})
    fakes.push(fake)
    const adapter = (options: Record<string, unknown>) =>
      createAdapter({
        channel: {
          name: 'fb',
          type: 'facebook',
          kind: CHANNEL_KINDS.facebook,
          options: {api_url: fake.url, page_id: fake.pageId, ...options},
        },
        credentials: {PAGE_TOKEN: TOKEN},
        timeoutMs: TIMEOUT,
      })
    await adapter({}).post(request('One.'))
    await adapter({graph_version: 'v25.0'}).post(request('Two.'))
    await adapter({api_url: `${fake.url}/v23.0`}).post(request('Three.'))
    await adapter({api_url: `${fake.url}/v23.0/`, graph_version: 'v25.0'}).post(request('Four.'))
    expect(fake.requests.map((r) => r.path.split('/')[1])).toEqual([GRAPH_VERSION, 'v25.0', 'v23.0', 'v25.0'])
    expect(GRAPH_VERSION).toBe('v26.0')
  })

  it('counts the 63,206-character limit in code points, as Facebook does: an emoji is one character', async () => {
    const {fake, adapter} = await setup()
    const emoji = '🙂'.repeat(63206)
    expect(CHANNEL_KINDS.facebook.measure!(emoji)).toBe(63206)
    await adapter.post(request(emoji))
    expect(fake.posts).toHaveLength(1)
    const e = await failure(adapter.post(request(`${emoji}!`)))
    expect(e).toMatchObject({
      retry: 'never',
      message: 'Facebook answered 400: (#100) Param message must be at most 63206 characters long. (code 100)',
    })
  })

  it('a redirect is a failed delivery naming where it points, not followed', async () => {
    const {fake, adapter} = await setup()
    fake.fail({kind: 'redirect', status: 307, location: `${fake.url}/v21.0/${fake.pageId}/feed`})
    const e = await failure(adapter.post(request('Investigating.')))
    expect(e).toMatchObject({
      retry: 'never',
      message: `Facebook answered 307 redirecting to ${fake.url}/v21.0/${fake.pageId}/feed; Candor does not follow redirects: point the channel at the new URL`,
    })
    expect(fake.requests).toHaveLength(1)
    expect(fake.posts).toHaveLength(0)
  })

  it('makes each update a new post: replyTo and threadRoot are ignored', async () => {
    const {fake, adapter} = await setup()
    const first = await adapter.post(request('Investigating.'))
    const second = await adapter.post(
      request('Identified: a failed upgrade.', {
        replyTo: first,
        threadRoot: first,
        incident: {id: 'voice-1', update: 2, phase: 'identified', facts: {}},
      }),
    )
    expect(second.id).not.toBe(first.id)
    expect(fake.posts.map((p) => [p.message, p.link, p.deleted])).toEqual([
      ['Investigating.', undefined, false],
      ['Identified: a failed upgrade.', undefined, false],
    ])
    expect(fake.requests.map((r) => r.path)).toEqual([`/v21.0/${fake.pageId}/feed`, `/v21.0/${fake.pageId}/feed`])
  })

  it('a bad token is final and names the variable to fix', async () => {
    const {fake, adapter} = await setup({token: 'EAAwrong'})
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('never')
    expect(e.message).toBe(
      'Facebook rejected the Page token (400): Invalid OAuth access token - Cannot parse access token (code 190); check CANDOR_FACEBOOK_PAGE_TOKEN',
    )
    fake.fail({kind: 'bad-token'})
    const ok = createAdapter({
      channel: {
        name: 'fb',
        type: 'facebook',
        kind: CHANNEL_KINDS.facebook,
        options: {api_url: fake.url, page_id: fake.pageId},
      },
      credentials: {PAGE_TOKEN: TOKEN},
      timeoutMs: TIMEOUT,
    })
    const expired = await failure(ok.post(request('hello')))
    expect(expired).toMatchObject({retry: 'never', message: expect.stringContaining('Session has expired')})
    expect(fake.posts).toHaveLength(0)
  })

  it.each([4, 17, 32, 613, 80001] as const)(
    'throttling code %i (a 400/403, not a 429) waits for estimated_time_to_regain_access',
    async (code) => {
      const {fake, adapter} = await setup()
      fake.fail({kind: 'throttle', code, regainMinutes: 7})
      const before = Date.now()
      const e = await failure(adapter.post(request('hello')))
      expect(e.retry).toBe('rate-limit')
      expect(e.message).toContain(`(code ${code}`)
      const waitMs = e.retryAt!.getTime() - before
      expect(waitMs).toBeGreaterThanOrEqual(7 * 60_000 - 1000)
      expect(waitMs).toBeLessThanOrEqual(7 * 60_000 + 5000)
      expect(fake.posts).toHaveLength(0)
    },
  )

  it('throttling without a regain estimate waits a few minutes', async () => {
    const {fake, adapter} = await setup()
    fake.fail({kind: 'throttle', code: 32})
    const before = Date.now()
    const e = await failure(adapter.post(request('hello')))
    expect(e.retry).toBe('rate-limit')
    expect(e.retryAt!.getTime() - before).toBeGreaterThanOrEqual(60_000)
  })

  it('a duplicate (506) and a policy block (368) are final and say so', async () => {
    const {fake, adapter} = await setup()
    await adapter.post(request('Same text.'))
    const dup = await failure(adapter.post(request('Same text.')))
    expect(dup).toMatchObject({
      retry: 'never',
      message: 'Facebook refused a duplicate post (506): the same text is already on the Page',
    })
    fake.fail({kind: 'policy'})
    const policy = await failure(adapter.post(request('Other text.')))
    expect(policy.retry).toBe('never')
    expect(policy.message).toMatch(
      /^Facebook blocked the post as against its policies \(368\): It looks like you were misusing/,
    )
    expect(fake.posts).toHaveLength(1)
  })

  it('5xx, a hang past the timeout and a reset connection are transient', async () => {
    const {fake, adapter} = await setup()
    fake.fail({status: 500})
    expect(await failure(adapter.post(request('a')))).toMatchObject({
      retry: 'transient',
      message: 'Facebook answered 500: An unknown error has occurred. (code 1)',
    })
    fake.fail({status: 503})
    expect((await failure(adapter.post(request('b')))).retry).toBe('transient')
    fake.fail({kind: 'hang'})
    const impatient = createAdapter({
      channel: {
        name: 'fb',
        type: 'facebook',
        kind: CHANNEL_KINDS.facebook,
        options: {api_url: fake.url, page_id: fake.pageId},
      },
      credentials: {PAGE_TOKEN: TOKEN},
      timeoutMs: HANG_TIMEOUT,
    })
    expect(await failure(impatient.post(request('c')))).toMatchObject({
      retry: 'transient',
      message: expect.stringContaining('did not answer'),
    })
    fake.fail({kind: 'reset'})
    expect(await failure(adapter.post(request('d')))).toMatchObject({
      retry: 'transient',
      message: expect.stringContaining('could not reach Facebook'),
    })
    expect(fake.posts).toHaveLength(0)
  })

  it('deletes a post with the token in the Authorization header', async () => {
    const {fake, adapter} = await setup()
    const remote = await adapter.post(request('To be retracted.'))
    await adapter.delete!(remote, new AbortController().signal)
    expect(fake.posts[0]!.deleted).toBe(true)
    const del = fake.requests.at(-1)!
    expect(del).toMatchObject({method: 'DELETE', path: `/v21.0/${remote.id}`})
    expect(del.headers.authorization).toBe(`Bearer ${TOKEN}`)
    const again = await failure(adapter.delete!(remote, new AbortController().signal))
    expect(again).toMatchObject({retry: 'never', message: expect.stringContaining('Unsupported delete request')})
  })

  it('whoami names the Page, and warns when the token is not the Page’s', async () => {
    const {fake, adapter} = await setup({apiPath: ''})
    expect(await adapter.whoami!(new AbortController().signal)).toBe(`Acme Status (Page ${fake.pageId})`)
    expect(fake.requests[0]).toMatchObject({method: 'GET', path: `/${GRAPH_VERSION}/me?fields=id,name`})
    const user = createAdapter({
      channel: {
        name: 'fb',
        type: 'facebook',
        kind: CHANNEL_KINDS.facebook,
        options: {api_url: fake.url, page_id: fake.pageId},
      },
      credentials: {PAGE_TOKEN: 'EAAUserTokenQ2'},
      timeoutMs: TIMEOUT,
    })
    expect(await user.whoami!(new AbortController().signal)).toContain(`not Page ${fake.pageId}`)
  })

  it('describes the target without a secret or a network call', async () => {
    const {fake, adapter} = await setup()
    expect(adapter.describeTarget()).toBe(`Facebook Page ${fake.pageId} via ${fake.url}/v21.0`)
    expect(fake.requests).toHaveLength(0)
  })

  describe('after an interrupted send', () => {
    const TEXT = 'Identified: a failed upgrade of the call routers. Next update at 15:00 UTC.'

    it('finds a post whose answer was lost by its exact message among the Page’s latest posts', async () => {
      const {fake, adapter} = await setup()
      await adapter.post(request('Investigating problems with Acme Voice.'))
      fake.fail({kind: 'lose-answer'}, 1, {method: 'POST', path: '/:page/feed'})
      const lost = await failure(adapter.post(request(TEXT, {}, {link: 'https://status.acme.test/voice-1'})))
      expect(lost.retry).toBe('transient')
      expect(fake.posts).toHaveLength(2)

      const before = fake.requests.length
      const found = await adapter.findPublished!(request(TEXT))
      expect(found).toEqual({id: fake.posts[1]!.id, url: `https://www.facebook.com/${fake.posts[1]!.id}`})
      const lookup = fake.requests.slice(before)
      expect(lookup.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET /v21.0/${fake.pageId}/posts?fields=id%2Cmessage%2Ccreated_time&limit=25`,
      ])
      expect(lookup[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`)
      expect(fake.posts).toHaveLength(2)
    })

    it('finds nothing when the post never arrived: a similar or retracted message does not count', async () => {
      const {fake, adapter} = await setup()
      await adapter.post(request(TEXT.replace('15:00', '14:30')))
      const retracted = await adapter.post(request(TEXT + ' '))
      await adapter.delete!(retracted, new AbortController().signal)
      fake.fail({kind: 'reset'}, 1, {method: 'POST', path: '/:page/feed'})
      await failure(adapter.post(request(TEXT)))
      expect(await adapter.findPublished!(request(TEXT))).toBeNull()
      expect(await adapter.findPublished!(request(TEXT + ' '))).toBeNull()
      expect(fake.posts.filter((p) => !p.deleted).map((p) => p.message)).toEqual([TEXT.replace('15:00', '14:30')])
    })

    it('a lookup that fails is an error (throttled here), not "not there"', async () => {
      const {fake, adapter} = await setup()
      fake.fail({kind: 'throttle', code: 32, regainMinutes: 3}, 1, {method: 'GET', path: '/:page/posts'})
      const e = await failure(adapter.findPublished!(request(TEXT)))
      expect(e.retry).toBe('rate-limit')
    })
  })
})

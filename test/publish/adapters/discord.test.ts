import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {ChannelAdapter, PostRequest} from '../../../src/services/publish/adapter.js'
import {createAdapter} from '../../../src/channels/discord/adapter.js'
import {startFakeDiscord, type FakeDiscord} from '../../../src/infrastructure/sandbox/fakes/discord-api.js'
import {deliveryFailure, HANG_TIMEOUT, postRequest, signal, TIMEOUT} from './requests.js'

const TOKEN = 'WebhookSecretToken_abcDEF123-xyz'
const fakes: FakeDiscord[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

async function start(): Promise<FakeDiscord> {
  const fake = await startFakeDiscord({token: TOKEN})
  fakes.push(fake)
  return fake
}

function adapterFor(webhookUrl: string, options: Record<string, unknown> = {}, timeoutMs = TIMEOUT): ChannelAdapter {
  return createAdapter({
    channel: {name: 'discord', type: 'discord', kind: CHANNEL_KINDS.discord, options},
    credentials: {WEBHOOK_URL: webhookUrl},
    timeoutMs,
  })
}

/** The real Discord URL, sent to the fake through api_url (origin replaced, path kept). */
function viaApiUrl(fake: FakeDiscord, options: Record<string, unknown> = {}): ChannelAdapter {
  return adapterFor(`https://discord.com/api/webhooks/${fake.webhookId}/${TOKEN}`, {api_url: fake.url, ...options})
}

const request = (text: string, extra: Partial<PostRequest> = {}) =>
  postRequest({channel: 'discord', type: 'discord', text, limit: 2000}, extra)
const failure = (p: Promise<unknown>) => deliveryFailure(p, [TOKEN, '/webhooks/'])

describe('discord adapter', () => {
  it('executes the webhook with wait=true, allowed_mentions {parse: []}, username and avatar', async () => {
    const fake = await start()
    const adapter = viaApiUrl(fake, {username: 'Acme Status', avatar_url: 'https://acme.test/logo.png'})
    const remote = await adapter.post(request('We are investigating problems with Acme Voice.'))
    const message = fake.messages[0]!
    expect(remote).toEqual({
      id: message.id,
      ref: {channel_id: fake.channelId},
      url: `https://discord.com/channels/${fake.guildId}/${fake.channelId}/${message.id}`,
    })
    const req = fake.requests[0]!
    expect(req).toMatchObject({method: 'POST', path: `/api/webhooks/${fake.webhookId}/${TOKEN}?wait=true`})
    expect(req.body).toEqual({
      content: 'We are investigating problems with Acme Voice.',
      username: 'Acme Status',
      avatar_url: 'https://acme.test/logo.png',
      allowed_mentions: {parse: []},
    })
    // The guild id for the URL comes from the webhook object, once.
    await adapter.post(request('Second.'))
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'POST'])
  })

  it('a fact with @everyone, @here or a user mention pings nobody', async () => {
    const fake = await start()
    await adapterFor(fake.webhookUrl).post(request('Impact: @everyone @here <@123456789012345678> cannot log in'))
    expect(fake.messages[0]).toMatchObject({
      content: 'Impact: @everyone @here <@123456789012345678> cannot log in',
      allowedMentions: {parse: []},
      pinged: false,
    })
  })

  it('makes each update a new message: replyTo and threadRoot are ignored', async () => {
    const fake = await start()
    const adapter = adapterFor(fake.webhookUrl)
    const first = await adapter.post(request('Investigating.'))
    await adapter.post(
      request('Identified.', {
        replyTo: first,
        threadRoot: first,
        incident: {id: 'voice-1', update: 2, phase: 'identified', facts: {}},
      }),
    )
    expect(fake.messages.map((m) => [m.content, m.deleted])).toEqual([
      ['Investigating.', false],
      ['Identified.', false],
    ])
    const posts = fake.requests.filter((r) => r.method === 'POST')
    expect(posts.every((r) => r.path === `/api/webhooks/${fake.webhookId}/${TOKEN}?wait=true`)).toBe(true)
    expect(posts[1]!.body).not.toHaveProperty('thread_id')
  })

  it('a wrong webhook token or id is final and names the variable, never the URL', async () => {
    const fake = await start()
    const wrong = await failure(adapterFor(fake.webhookUrl.replace(TOKEN, 'nope')).post(request('a')))
    expect(wrong).toMatchObject({
      retry: 'never',
      message:
        'Discord rejected the webhook (401 Invalid Webhook Token (code 50027)); check CANDOR_DISCORD_WEBHOOK_URL',
    })
    const unknown = await failure(adapterFor(fake.webhookUrl.replace(fake.webhookId, '42')).post(request('b')))
    expect(unknown).toMatchObject({retry: 'never', message: expect.stringContaining('Unknown Webhook (code 10015)')})
    expect(await failure(adapterFor('::not a url::').post(request('c')))).toMatchObject({
      retry: 'never',
      message: 'CANDOR_DISCORD_WEBHOOK_URL is not a valid URL',
    })
    expect(fake.messages).toHaveLength(0)
  })

  it('500, 502 and 504 may come after the message was posted; 503 says it was not', async () => {
    const fake = await start()
    const adapter = adapterFor(fake.webhookUrl)
    fake.fail({kind: 'gateway-error', status: 502})
    expect(await failure(adapter.post(request('a')))).toMatchObject({
      retry: 'transient',
      mayHaveArrived: true,
      message: expect.stringMatching(/^Discord answered 502/),
    })
    fake.fail({kind: 'gateway-error', status: 504})
    expect(await failure(adapter.post(request('b')))).toMatchObject({retry: 'transient', mayHaveArrived: true})
    fake.fail({status: 500})
    expect(await failure(adapter.post(request('c')))).toMatchObject({retry: 'transient', mayHaveArrived: true})
    fake.fail({status: 503})
    expect(await failure(adapter.post(request('d')))).toMatchObject({retry: 'transient', mayHaveArrived: false})
    // The gateway errors came after Discord posted the message.
    expect(fake.messages.map((m) => m.content)).toEqual(['a', 'b'])
  })

  it('Invalid Form Body names the field and is final', async () => {
    const fake = await start()
    const e = await failure(adapterFor(fake.webhookUrl).post(request('x'.repeat(2001))))
    expect(e).toMatchObject({
      retry: 'never',
      message: 'Discord answered 400: Invalid Form Body (code 50035): content: Must be 2000 or fewer in length.',
    })
  })

  it('429 waits for the body’s retry_after, not the rounded Retry-After', async () => {
    const fake = await start()
    fake.fail({status: 429, retryAfter: 64.57})
    const before = Date.now()
    const e = await failure(adapterFor(fake.webhookUrl).post(request('a')))
    expect(e.retry).toBe('rate-limit')
    const waitMs = e.retryAt!.getTime() - before
    expect(waitMs).toBeGreaterThanOrEqual(64_570 - 100)
    expect(waitMs).toBeLessThan(65_000)
    expect(fake.messages).toHaveLength(0)
  })

  it('a redirect is a failed delivery naming where it points, never followed with a GET', async () => {
    const fake = await start()
    // Following it would GET the webhook object, whose id would be recorded as the message's.
    fake.fail({status: 301, location: fake.webhookUrl})
    const e = await failure(adapterFor(fake.webhookUrl).post(request('a')))
    expect(e).toMatchObject({
      retry: 'never',
      message: `Discord answered 301 redirecting to ${fake.url} (same path); Candor does not follow redirects: point the channel at the new URL`,
    })
    expect(fake.requests.map((r) => r.method)).toEqual(['POST'])
    expect(fake.messages).toHaveLength(0)
  })

  it('5xx, a hang past the timeout and a reset are transient', async () => {
    const fake = await start()
    const adapter = adapterFor(fake.webhookUrl)
    fake.fail({status: 502})
    expect(await failure(adapter.post(request('a')))).toMatchObject({
      retry: 'transient',
      message: 'Discord answered 502: Service Unavailable',
    })
    fake.fail({kind: 'hang'})
    expect(await failure(adapterFor(fake.webhookUrl, {}, HANG_TIMEOUT).post(request('b')))).toMatchObject({
      retry: 'transient',
      message: expect.stringContaining('did not answer'),
    })
    fake.fail({kind: 'reset'})
    expect(await failure(adapter.post(request('c')))).toMatchObject({
      retry: 'transient',
      message: expect.stringContaining('could not reach Discord'),
    })
    expect(fake.messages).toHaveLength(0)
  })

  it('a failed guild lookup only costs the URL', async () => {
    const fake = await start()
    fake.fail({status: 503}, 1, {method: 'GET'})
    const adapter = adapterFor(fake.webhookUrl)
    const remote = await adapter.post(request('Out anyway.'))
    expect(remote).toEqual({id: fake.messages[0]!.id, ref: {channel_id: fake.channelId}})
    // The lookup is tried again next time.
    expect((await adapter.post(request('Next.'))).url).toMatch(/^https:\/\/discord\.com\/channels\//)
  })

  it('deletes a message (204) and says when it is already gone', async () => {
    const fake = await start()
    const adapter = viaApiUrl(fake)
    const remote = await adapter.post(request('Oops.'))
    await adapter.delete!(remote, signal())
    expect(fake.messages[0]!.deleted).toBe(true)
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/api/webhooks/${fake.webhookId}/${TOKEN}/messages/${remote.id}`,
    })
    expect(await failure(adapter.delete!(remote, signal()))).toMatchObject({
      retry: 'never',
      message: 'Discord answered 404: Unknown Message (code 10008)',
    })
  })

  it('whoami names the webhook and its channel', async () => {
    const fake = await start()
    expect(await viaApiUrl(fake).whoami!(signal())).toBe(
      `Candor status (channel ${fake.channelId}, server ${fake.guildId})`,
    )
    expect(fake.requests[0]).toMatchObject({method: 'GET', path: `/api/webhooks/${fake.webhookId}/${TOKEN}`})
    expect((await failure(adapterFor(fake.webhookUrl.replace(TOKEN, 'bad')).whoami!(signal()))).retry).toBe('never')
  })

  it('describes the target by webhook id, never the token', async () => {
    const fake = await start()
    const text = viaApiUrl(fake).describeTarget()
    expect(text).toBe(`Discord webhook ${fake.webhookId} via ${fake.url}`)
    expect(text).not.toContain(TOKEN)
    expect(fake.requests).toHaveLength(0)
  })
})

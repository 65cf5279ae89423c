import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {RemotePost} from '../../../src/services/incident/events.js'
import type {ChannelAdapter, PostRequest} from '../../../src/services/publish/adapter.js'
import {createAdapter, escapeSlackText} from '../../../src/channels/slack/adapter.js'
import {startFakeSlack, type FakeSlack} from '../../../src/infrastructure/sandbox/fakes/slack-api.js'
import {deliveryFailure, HANG_TIMEOUT, postRequest, signal, TIMEOUT} from './requests.js'

const BOT_TOKEN = 'xoxb-1111-2222-SecretBotToken'
const fakes: FakeSlack[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

async function start(): Promise<FakeSlack> {
  const fake = await startFakeSlack({
    botToken: BOT_TOKEN,
    channels: [
      {id: 'C0INCIDENTS', name: 'incidents'},
      {id: 'C0LOBBY', name: 'lobby', member: false},
    ],
  })
  fakes.push(fake)
  return fake
}

function bot(fake: FakeSlack, opts: {token?: string; channel?: string; timeoutMs?: number} = {}): ChannelAdapter {
  return createAdapter({
    channel: {
      name: 'slack',
      type: 'slack',
      kind: CHANNEL_KINDS.slack,
      options: {api_url: fake.apiUrl, channel: opts.channel ?? 'C0INCIDENTS'},
    },
    credentials: {BOT_TOKEN: opts.token ?? BOT_TOKEN},
    timeoutMs: opts.timeoutMs ?? TIMEOUT,
  })
}

function webhook(url: string, timeoutMs = TIMEOUT): ChannelAdapter {
  return createAdapter({
    channel: {name: 'slack-hook', type: 'slack', kind: CHANNEL_KINDS.slack, options: {}},
    credentials: {WEBHOOK_URL: url},
    timeoutMs,
  })
}

const request = (text: string, extra: Partial<PostRequest> = {}) =>
  postRequest({channel: 'slack', type: 'slack', text, limit: 40000}, extra)
const failure = (p: Promise<unknown>) => deliveryFailure(p, [BOT_TOKEN, 'xyzSecretWebhookToken42'])

describe('slack adapter, bot mode', () => {
  it('posts with chat.postMessage, a Bearer token and JSON, and returns ts, channel and permalink', async () => {
    const fake = await start()
    const remote = await bot(fake, {channel: '#incidents'}).post(
      request('We are investigating problems with Acme Voice.'),
    )
    const message = fake.messages[0]!
    expect(remote).toEqual({
      id: message.ts,
      ref: {channel: 'C0INCIDENTS'},
      url: `https://acme.slack.com/archives/C0INCIDENTS/p${message.ts.replace('.', '')}`,
    })
    const req = fake.requests[0]!
    expect(req).toMatchObject({method: 'POST', path: '/api/chat.postMessage'})
    expect(req.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`)
    expect(req.headers['content-type']).toMatch(/^application\/json/)
    expect(req.body).toEqual({channel: '#incidents', text: 'We are investigating problems with Acme Voice.'})
  })

  it('escapes &, < and > so <!channel>, <!here>, <@U…>, <#C…> and <!subteam^…> ping nobody', async () => {
    const fake = await start()
    const fact = 'Ping <!channel> <!here> <!everyone> <@U123> <#C123> <!subteam^S1|@oncall> & <https://evil.test|click>'
    await bot(fake).post(request(`Impact: ${fact}`))
    const sent = (fake.requests[0]!.body as {text: string}).text
    expect(sent).toBe(
      'Impact: Ping &lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;@U123&gt; &lt;#C123&gt; &lt;!subteam^S1|@oncall&gt; &amp; &lt;https://evil.test|click&gt;',
    )
    expect(sent).not.toMatch(/<[!@#]/)
    expect(escapeSlackText('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d')
  })

  it('threads every later update under the incident’s first message (flat thread)', async () => {
    const fake = await start()
    const adapter = bot(fake)
    const first = await adapter.post(request('Investigating.'))
    const second = await adapter.post(
      request('Identified.', {
        replyTo: first,
        threadRoot: first,
        incident: {id: 'voice-1', update: 2, phase: 'identified', facts: {}},
      }),
    )
    const third = await adapter.post(
      request('Resolved.', {
        replyTo: second,
        threadRoot: first,
        incident: {id: 'voice-1', update: 3, phase: 'resolved', facts: {}},
      }),
    )
    expect(fake.messages.map((m) => [m.text, m.threadTs])).toEqual([
      ['Investigating.', undefined],
      ['Identified.', first.id],
      ['Resolved.', first.id],
    ])
    const posts = fake.requests.filter((r) => r.path === '/api/chat.postMessage').map((r) => r.body)
    expect(posts[1]).toMatchObject({thread_ts: first.id, channel: 'C0INCIDENTS'})
    expect(posts[2]).toMatchObject({thread_ts: first.id})
    expect(third.url).toContain(`thread_ts=${first.id}`)
  })

  it('does not use a webhook post as a thread root', async () => {
    const fake = await start()
    const root: RemotePost = {id: 'candor-voice-1-1-slack-1', ref: {mode: 'webhook'}}
    await bot(fake).post(request('Now in bot mode.', {threadRoot: root, replyTo: root}))
    expect(fake.requests[0]!.body).toEqual({channel: 'C0INCIDENTS', text: 'Now in bot mode.'})
  })

  it('a wrong token, an unknown channel or a channel without the bot is final', async () => {
    const fake = await start()
    const auth = await failure(bot(fake, {token: 'xoxb-wrong'}).post(request('a')))
    expect(auth).toMatchObject({
      retry: 'never',
      message: 'Slack rejected the bot token (invalid_auth); check CANDOR_SLACK_BOT_TOKEN',
    })
    expect(await failure(bot(fake, {channel: 'C0NOPE'}).post(request('b')))).toMatchObject({
      retry: 'never',
      message: expect.stringMatching(/^Slack answered channel_not_found/),
    })
    expect(await failure(bot(fake, {channel: 'C0LOBBY'}).post(request('c')))).toMatchObject({
      retry: 'never',
      message: expect.stringMatching(/^Slack answered not_in_channel/),
    })
    expect(fake.messages).toHaveLength(0)
  })

  it('429 waits for Retry-After; a ratelimited body too', async () => {
    const fake = await start()
    fake.fail({status: 429, retryAfter: 30}, 1, {path: '/api/chat.postMessage'})
    const before = Date.now()
    const e = await failure(bot(fake).post(request('a')))
    expect(e.retry).toBe('rate-limit')
    expect(e.retryAt!.getTime() - before).toBeGreaterThanOrEqual(29_000)
    expect(e.retryAt!.getTime() - before).toBeLessThanOrEqual(35_000)
    fake.fail({kind: 'error', error: 'ratelimited'})
    expect((await failure(bot(fake).post(request('b')))).retry).toBe('rate-limit')
    expect(fake.messages).toHaveLength(0)
  })

  it('5xx, internal_error, a hang and a reset are transient', async () => {
    const fake = await start()
    const adapter = bot(fake)
    fake.fail({status: 503})
    expect(await failure(adapter.post(request('a')))).toMatchObject({
      retry: 'transient',
      message: expect.stringMatching(/^Slack answered 503/),
    })
    fake.fail({kind: 'error', error: 'internal_error'})
    expect(await failure(adapter.post(request('b')))).toMatchObject({
      retry: 'transient',
      message: 'Slack answered internal_error',
    })
    fake.fail({kind: 'hang'})
    expect(await failure(bot(fake, {timeoutMs: HANG_TIMEOUT}).post(request('c')))).toMatchObject({
      retry: 'transient',
      message: expect.stringContaining('did not answer'),
    })
    fake.fail({kind: 'reset'})
    expect(await failure(adapter.post(request('d')))).toMatchObject({
      retry: 'transient',
      message: expect.stringContaining('could not reach Slack'),
    })
    expect(fake.messages).toHaveLength(0)
  })

  it('a failed permalink lookup does not fail the published message', async () => {
    const fake = await start()
    fake.fail({status: 503}, 1, {path: '/api/chat.getPermalink'})
    const remote = await bot(fake).post(request('Published anyway.'))
    expect(remote).toEqual({id: fake.messages[0]!.ts, ref: {channel: 'C0INCIDENTS'}})
  })

  it('deletes with chat.delete in the message’s channel', async () => {
    const fake = await start()
    const adapter = bot(fake)
    const remote = await adapter.post(request('Oops.'))
    await adapter.delete!(remote, signal())
    expect(fake.messages[0]!.deleted).toBe(true)
    expect(fake.requests.at(-1)).toMatchObject({
      path: '/api/chat.delete',
      body: {channel: 'C0INCIDENTS', ts: remote.id},
    })
    expect(await failure(adapter.delete!(remote, signal()))).toMatchObject({
      retry: 'never',
      message: 'Slack answered message_not_found',
    })
    expect(await failure(adapter.delete!({id: 'candor-x', ref: {mode: 'webhook'}}, signal()))).toMatchObject({
      retry: 'never',
      message: expect.stringContaining('webhook'),
    })
  })

  it('whoami calls auth.test', async () => {
    const fake = await start()
    expect(await bot(fake).whoami!(signal())).toBe('@candor in Acme')
    expect(fake.requests[0]).toMatchObject({method: 'POST', path: '/api/auth.test'})
    expect(await failure(bot(fake, {token: 'xoxb-nope'}).whoami!(signal()))).toMatchObject({retry: 'never'})
  })

  it('describes the target without a secret', async () => {
    const fake = await start()
    const text = bot(fake).describeTarget()
    expect(text).toBe(`Slack channel C0INCIDENTS as the bot of CANDOR_SLACK_BOT_TOKEN via ${fake.apiUrl}`)
    expect(fake.requests).toHaveLength(0)
  })
})

describe('slack adapter, incoming webhook mode', () => {
  it('posts {text} to the webhook URL, escaped, with no thread and no api_url', async () => {
    const fake = await start()
    const adapter = webhook(fake.webhookUrl)
    const first = await adapter.post(request('Heads up <!channel>: Acme Voice is down & we are on it.'))
    expect(first).toEqual({id: 'candor-voice-1-1-slack-1', ref: {mode: 'webhook'}})
    const second = await adapter.post(
      request('Update.', {replyTo: first, threadRoot: first, idempotencyKey: 'candor-voice-1-2-slack-1'}),
    )
    expect(second.id).toBe('candor-voice-1-2-slack-1')
    expect(fake.requests.map((r) => r.body)).toEqual([
      {text: 'Heads up &lt;!channel&gt;: Acme Voice is down &amp; we are on it.'},
      {text: 'Update.'},
    ])
    expect(fake.messages.map((m) => [m.via, m.threadTs])).toEqual([
      ['webhook', undefined],
      ['webhook', undefined],
    ])
    expect(adapter.delete).toBeUndefined()
    expect(adapter.whoami).toBeUndefined()
    expect(adapter.describeTarget()).toBe('Slack incoming webhook of CANDOR_SLACK_HOOK_WEBHOOK_URL')
  })

  it('plain-text errors: a revoked or wrong webhook is final and names the variable, never the URL', async () => {
    const fake = await start()
    const wrong = await failure(webhook(fake.webhookUrl.replace('xyzSecretWebhookToken42', 'nope')).post(request('a')))
    expect(wrong).toMatchObject({
      retry: 'never',
      message: 'Slack answered 403: invalid_token; check CANDOR_SLACK_HOOK_WEBHOOK_URL',
    })
    fake.fail({kind: 'error', error: 'no_service'})
    expect(await failure(webhook(fake.webhookUrl).post(request('b')))).toMatchObject({
      retry: 'never',
      message: 'Slack answered 404: no_service; check CANDOR_SLACK_HOOK_WEBHOOK_URL',
    })
    fake.fail({kind: 'error', error: 'channel_is_archived'})
    expect(await failure(webhook(fake.webhookUrl).post(request('c')))).toMatchObject({
      retry: 'never',
      message: 'Slack answered 410: channel_is_archived',
    })
    expect(await failure(webhook('not a url').post(request('d')))).toMatchObject({
      retry: 'never',
      message: 'CANDOR_SLACK_HOOK_WEBHOOK_URL is not a valid URL',
    })
    expect(fake.messages).toHaveLength(0)
  })

  it('429, 5xx, hang and reset', async () => {
    const fake = await start()
    const adapter = webhook(fake.webhookUrl)
    fake.fail({status: 429, retryAfter: 12})
    const before = Date.now()
    const limited = await failure(adapter.post(request('a')))
    expect(limited.retry).toBe('rate-limit')
    expect(limited.retryAt!.getTime() - before).toBeGreaterThanOrEqual(11_000)
    expect(limited.retryAt!.getTime() - before).toBeLessThanOrEqual(15_000)
    fake.fail({status: 500})
    expect(await failure(adapter.post(request('b')))).toMatchObject({
      retry: 'transient',
      mayHaveArrived: true,
      message: 'Slack answered 500: rollup_error',
    })
    // 503: not processed, safe to send again; a gateway's 502 may come after the post was made.
    fake.fail({status: 503})
    expect(await failure(adapter.post(request('b')))).toMatchObject({retry: 'transient', mayHaveArrived: false})
    fake.fail({kind: 'gateway-error', status: 502})
    expect(await failure(adapter.post(request('e')))).toMatchObject({
      retry: 'transient',
      mayHaveArrived: true,
      message: expect.stringMatching(/^Slack answered 502/),
    })
    expect(fake.messages.map((m) => m.text)).toEqual(['e'])
    fake.messages.length = 0
    fake.fail({kind: 'hang'})
    expect((await failure(webhook(fake.webhookUrl, HANG_TIMEOUT).post(request('c')))).retry).toBe('transient')
    fake.fail({kind: 'reset'})
    expect((await failure(adapter.post(request('d')))).retry).toBe('transient')
    expect(fake.messages).toHaveLength(0)
  })
})

describe('slack adapter after an interrupted send', () => {
  const TEXT = 'Identified: the <b> & "edge" routers. Details: https://status.acme.test/voice-1'
  const update = (n: number) => ({id: 'voice-1', update: n, phase: n === 1 ? 'investigating' : 'identified', facts: {}})
  const permalink = (ts: string) => `https://acme.slack.com/archives/C0INCIDENTS/p${ts.replace('.', '')}`

  it('finds the first message whose answer was lost in the channel history, not a person’s paste of it', async () => {
    const fake = await start()
    fake.fail({kind: 'lose-answer'}, 1, {path: '/api/chat.postMessage'})
    await failure(bot(fake).post(request(TEXT)))
    const sent = fake.messages.find((m) => m.via === 'bot')!
    fake.say('C0INCIDENTS', escapeSlackText(TEXT)) // someone pasted the same words since: not the bot's message

    const before = fake.requests.length
    const found = await bot(fake).findPublished!(request(TEXT))
    expect(found).toEqual({id: sent.ts, ref: {channel: 'C0INCIDENTS'}, url: permalink(sent.ts)})
    const history = fake.requests.slice(before).find((r) => r.path === '/api/conversations.history')!
    expect(history.body).toEqual({channel: 'C0INCIDENTS', limit: '50'})
    expect(history.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`)
    expect(fake.messages.filter((m) => m.via === 'bot')).toHaveLength(1)
  })

  it('finds a later update in the incident’s thread, past the first page of replies', async () => {
    const fake = await start()
    const adapter = bot(fake)
    const root = await adapter.post(request('Investigating.'))
    for (let i = 0; i < 250; i++) fake.say('C0INCIDENTS', `any news? ${i}`, root.id)
    fake.fail({kind: 'lose-answer'}, 1, {path: '/api/chat.postMessage'})
    await failure(adapter.post(request(TEXT, {replyTo: root, threadRoot: root, incident: update(2)})))
    const sent = fake.messages.find((m) => m.via === 'bot' && m.threadTs)!

    const before = fake.requests.length
    const found = await bot(fake).findPublished!(request(TEXT, {replyTo: root, threadRoot: root, incident: update(2)}))
    expect(found).toMatchObject({id: sent.ts, ref: {channel: 'C0INCIDENTS'}})
    const pages = fake.requests.slice(before).filter((r) => r.path === '/api/conversations.replies')
    expect(pages.map((r) => (r.body as {ts: string}).ts)).toEqual([root.id, root.id])
    expect((pages[1]!.body as {cursor?: string}).cursor).toBeTruthy()
  })

  it('finds nothing when the message never arrived, at the top or in the thread', async () => {
    const fake = await start()
    const adapter = bot(fake)
    fake.fail({kind: 'reset'}, 1, {path: '/api/chat.postMessage'})
    await failure(adapter.post(request(TEXT)))
    expect(await bot(fake).findPublished!(request(TEXT))).toBeNull()

    const root = await adapter.post(request('Investigating.'))
    await adapter.post(request(TEXT, {incident: update(3)})) // the same words elsewhere: not in this thread
    fake.fail({kind: 'reset'}, 1, {path: '/api/chat.postMessage'})
    await failure(adapter.post(request(TEXT, {replyTo: root, threadRoot: root, incident: update(2)})))
    expect(
      await bot(fake).findPublished!(request(TEXT, {replyTo: root, threadRoot: root, incident: update(2)})),
    ).toBeNull()
  })

  it('does not guess without the incident’s thread: a later part that is not in the channel may be in a thread', async () => {
    const fake = await start()
    const e = await failure(bot(fake).findPublished!(request(TEXT, {incident: update(2)})))
    expect(e.retry).toBe('never')
    expect(e.message).toBe("cannot tell whether the message reached Slack without the incident's thread")
  })

  it('a token without a history scope fails the lookup and names the scope', async () => {
    const fake = await startFakeSlack({botToken: BOT_TOKEN, scopes: ['chat:write']})
    fakes.push(fake)
    const e = await failure(bot(fake).findPublished!(request(TEXT)))
    expect(e.message).toBe(
      'Slack answered missing_scope: conversations.history needs the bot token scope channels:history',
    )
  })

  it('webhook mode can neither look up nor repeat safely: retry asks the user', async () => {
    const fake = await start()
    const adapter = webhook(fake.webhookUrl)
    expect(adapter.findPublished).toBeUndefined()
    expect(adapter.idempotent).toBeFalsy()
  })
})

import {randomBytes} from 'node:crypto'
import {Webhook} from 'standardwebhooks'
import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {ChannelAdapter, DeliveryError, PostRequest} from '../../../src/services/publish/adapter.js'
import {createAdapter, signWebhook, webhookId} from '../../../src/channels/webhook/adapter.js'
import {checkCredentials} from '../../../src/services/publish/credentials.js'
import {
  startFakeWebhookReceiver,
  type FakeWebhookReceiver,
} from '../../../src/infrastructure/sandbox/fakes/webhook-receiver.js'
import {deliveryFailure, postRequest, TIMEOUT} from './requests.js'

let receiver: FakeWebhookReceiver
afterEach(async () => receiver?.close())

function adapterFor(
  r: FakeWebhookReceiver,
  opts: {options?: Record<string, unknown>; credentials?: Record<string, string>; timeoutMs?: number} = {},
): ChannelAdapter {
  return createAdapter({
    channel: {name: 'ops-hook', type: 'webhook', kind: CHANNEL_KINDS.webhook, options: opts.options ?? {}},
    credentials: opts.credentials ?? {URL: r.url, SECRET: r.secret},
    timeoutMs: opts.timeoutMs ?? TIMEOUT,
  })
}

function request(over: Partial<PostRequest> & {update?: number; phase?: string} = {}): PostRequest {
  const update = over.update ?? 1
  const phase = over.phase ?? 'investigating'
  const part = over.part ?? 1
  return postRequest(
    {
      channel: 'ops-hook',
      type: 'webhook',
      text: 'We are investigating failed calls on Acme Voice.',
      limit: null,
      incident: {update, phase, facts: {service: 'Acme Voice', regions: ['eu', 'us']}},
      post: {
        parts: [{text: 'x', length: 1, limit: null}],
        title: 'Acme Voice outage',
        link: 'https://status.acme.test/voice-1',
      },
      idempotencyKey: `candor-voice-1-${update}-ops-hook-${part}`,
    },
    {part, ...over},
  )
}

// Only the error's type: the failure tests below check its message themselves (noSecrets).
const failure = (p: Promise<unknown>) => deliveryFailure(p, [], {oneLine: false})

describe('webhook adapter', () => {
  it('POSTs a JSON body signed per Standard Webhooks, verified by an independent implementation', async () => {
    receiver = await startFakeWebhookReceiver()
    const remote = await adapterFor(receiver).post(request())

    expect(receiver.deliveries).toHaveLength(1)
    const [d] = receiver.deliveries
    expect(remote).toEqual({id: d.id})
    expect(d.id).toBe(webhookId('candor-voice-1-1-ops-hook-1'))
    expect(d.id).toMatch(/^msg_[A-Za-z0-9_-]{27}$/)
    expect(Math.abs(d.timestamp - Date.now() / 1000)).toBeLessThan(300)
    expect(d.payload).toEqual({
      type: 'candor.update',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      incident: {id: 'voice-1'},
      phase: 'investigating',
      update: 1,
      part: 1,
      parts: 1,
      text: 'We are investigating failed calls on Acme Voice.',
      title: 'Acme Voice outage',
      link: 'https://status.acme.test/voice-1',
      facts: {service: 'Acme Voice', regions: ['eu', 'us']},
    })
    const req = receiver.requests[0]
    expect(req.headers['content-type']).toBe('application/json')
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    // The signature covers the exact bytes received.
    expect(req.headers['webhook-signature']).toBe(signWebhook(receiver.secret, d.id, d.timestamp, req.body))
  })

  it('signs non-ASCII text over the UTF-8 bytes actually sent', async () => {
    receiver = await startFakeWebhookReceiver()
    await adapterFor(receiver).post(request({text: 'Störung behoben — ✅ 🎉'}))
    expect(receiver.deliveries[0].payload.text).toBe('Störung behoben — ✅ 🎉')
  })

  it('links each update to the previous message and the first one', async () => {
    receiver = await startFakeWebhookReceiver()
    const adapter = adapterFor(receiver)
    const first = await adapter.post(request())
    const second = await adapter.post(request({update: 2, phase: 'identified', replyTo: first, threadRoot: first}))
    const third = await adapter.post(request({update: 3, phase: 'resolved', replyTo: second, threadRoot: first}))
    expect(new Set([first.id, second.id, third.id]).size).toBe(3)
    const payloads = receiver.deliveries.map((d) => d.payload)
    expect(payloads.map((p) => [p.update, p.phase, p.reply_to, p.thread_root])).toEqual([
      [1, 'investigating', undefined, undefined],
      [2, 'identified', first.id, first.id],
      [3, 'resolved', second.id, first.id],
    ])
  })

  it('keeps webhook-id across a retry, so the receiver processes a lost acknowledgement once', async () => {
    receiver = await startFakeWebhookReceiver()
    const adapter = adapterFor(receiver)
    receiver.fail({kind: 'drop-response'})
    const error = await failure(adapter.post(request()))
    expect(error.retry).toBe('transient')
    const remote = await adapter.post(request())
    expect(receiver.requests.map((r) => [r.headers['webhook-id'], r.outcome])).toEqual([
      [remote.id, 'accepted'],
      [remote.id, 'duplicate'],
    ])
    expect(receiver.deliveries).toHaveLength(1)
  })

  it('takes the URL from the url option as well, and describes the target by its origin only', async () => {
    receiver = await startFakeWebhookReceiver()
    const fromOption = adapterFor(receiver, {options: {url: receiver.url}, credentials: {SECRET: receiver.secret}})
    await fromOption.post(request())
    expect(receiver.deliveries).toHaveLength(1)
    const secretPath = new URL(receiver.url).pathname
    for (const adapter of [fromOption, adapterFor(receiver)]) {
      const target = adapter.describeTarget()
      expect(target).toContain(receiver.origin)
      expect(target).not.toContain(secretPath)
    }
    expect(adapterFor(receiver).describeTarget()).toContain('CANDOR_OPS_HOOK_URL')
  })

  it('sends to api_url in place of the destination origin', async () => {
    receiver = await startFakeWebhookReceiver()
    const path = new URL(receiver.url).pathname
    const adapter = adapterFor(receiver, {
      options: {api_url: receiver.origin},
      credentials: {URL: `https://hooks.example.invalid${path}`, SECRET: receiver.secret},
    })
    await adapter.post(request())
    expect(receiver.deliveries).toHaveLength(1)
  })

  it('has neither delete nor whoami', async () => {
    receiver = await startFakeWebhookReceiver()
    const adapter = adapterFor(receiver)
    expect(adapter.delete).toBeUndefined()
    expect(adapter.whoami).toBeUndefined()
  })

  describe('failures', () => {
    const secrets = () => [receiver.secret, receiver.secret.replace(/^whsec_/, ''), new URL(receiver.url).pathname]
    const noSecrets = (e: DeliveryError) => {
      expect(e.message).not.toMatch(/\n/)
      for (const s of secrets()) expect(e.message).not.toContain(s)
    }

    it('a wrong secret: the receiver rejects the signature, never retried', async () => {
      receiver = await startFakeWebhookReceiver()
      const wrong = `whsec_${Buffer.from('not the shared secret at all').toString('base64')}`
      const e = await failure(adapterFor(receiver, {credentials: {URL: receiver.url, SECRET: wrong}}).post(request()))
      expect(e.retry).toBe('never')
      expect(e.message).toBe(`webhook ${receiver.origin} answered 400: No matching signature found`)
      expect(e.message).not.toContain(wrong)
      noSecrets(e)
      expect(receiver.deliveries).toHaveLength(0)
    })

    it('a secret that is not base64 fails before anything is sent', async () => {
      receiver = await startFakeWebhookReceiver()
      const e = await failure(
        adapterFor(receiver, {credentials: {URL: receiver.url, SECRET: 'hunter2 is my password'}}).post(request()),
      )
      expect(e.retry).toBe('never')
      expect(e.message).toBe(
        'CANDOR_OPS_HOOK_SECRET is not a Standard Webhooks secret (whsec_ followed by base64); make one with: echo "whsec_$(openssl rand -base64 32)"',
      )
      expect(receiver.requests).toHaveLength(0)
    })

    it('a secret shorter than 24 bytes is refused at preflight and by the adapter, with the command that makes a good one', async () => {
      const short = `whsec_${randomBytes(16).toString('base64')}`
      receiver = await startFakeWebhookReceiver({secret: short})
      const channel = {name: 'ops-hook', type: 'webhook' as const, kind: CHANNEL_KINDS.webhook, options: {}}
      const check = checkCredentials(channel, {CANDOR_OPS_HOOK_URL: receiver.url, CANDOR_OPS_HOOK_SECRET: short})
      const expected =
        'CANDOR_OPS_HOOK_SECRET holds 16 bytes after whsec_, fewer than the 24 a signing secret needs; make one with: echo "whsec_$(openssl rand -base64 32)" (and give the receiver the same)'
      expect(check).toMatchObject({ok: false, missing: [], problem: expected})
      expect(
        checkCredentials(channel, {
          CANDOR_OPS_HOOK_URL: receiver.url,
          CANDOR_OPS_HOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
        }),
      ).toMatchObject({ok: true})
      const e = await failure(adapterFor(receiver, {credentials: {URL: receiver.url, SECRET: short}}).post(request()))
      expect(e).toMatchObject({retry: 'never', message: expected})
      expect(e.message).not.toContain(short)
      expect(receiver.requests).toHaveLength(0)
    })

    it('an invalid URL fails without sending and without printing it', async () => {
      receiver = await startFakeWebhookReceiver()
      const adapter = adapterFor(receiver, {
        credentials: {URL: 'hooks.example.com/abc-secret-token', SECRET: receiver.secret},
      })
      const e = await failure(adapter.post(request()))
      expect(e).toMatchObject({retry: 'never', message: 'CANDOR_OPS_HOOK_URL is not a valid http(s) URL'})
      expect(adapter.describeTarget()).not.toContain('abc-secret-token')
    })

    it('a redirect is a failed delivery naming where it points, and is never followed', async () => {
      receiver = await startFakeWebhookReceiver()
      const moved = `${receiver.origin}/hooks/moved-secret-path`
      // 308 keeps method and body: following it would deliver the update and hide the move.
      receiver.fail({status: 308, location: receiver.url})
      receiver.fail({status: 301, location: moved})
      const adapter = adapterFor(receiver)
      const same = await failure(adapter.post(request()))
      expect(same).toMatchObject({retry: 'never', mayHaveArrived: false})
      expect(same.message).toBe(
        `webhook ${receiver.origin} answered 308 redirecting to ${receiver.origin} (same path); Candor does not follow redirects: point the channel at the new URL`,
      )
      const other = await failure(adapter.post(request({update: 2})))
      expect(other.message).toContain(`answered 301 redirecting to ${receiver.origin} (another path)`)
      expect(other.message).not.toContain('moved-secret-path')
      noSecrets(same)
      noSecrets(other)
      // Only the two POSTs: no GET or POST went to the Location.
      expect(receiver.requests.map((r) => [r.method, r.outcome])).toEqual([
        ['POST', 'fault'],
        ['POST', 'fault'],
      ])
      expect(receiver.deliveries).toHaveLength(0)
    })

    it('410: the receiver disabled the endpoint, never retried', async () => {
      receiver = await startFakeWebhookReceiver()
      receiver.fail({status: 410})
      const e = await failure(adapterFor(receiver).post(request()))
      expect(e.retry).toBe('never')
      expect(e.message).toBe(`webhook ${receiver.origin} answered 410 Gone: the receiver disabled this endpoint`)
    })

    it('429 with retry-after: waits exactly as long as asked', async () => {
      receiver = await startFakeWebhookReceiver()
      receiver.fail({status: 429, retryAfter: 30})
      const before = Date.now()
      const e = await failure(adapterFor(receiver).post(request()))
      expect(e.retry).toBe('rate-limit')
      expect(e.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 30_000)
      expect(e.retryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 30_000)
      noSecrets(e)
    })

    it('503 and 504 with retry-after are throttles too; 502 without one is transient', async () => {
      receiver = await startFakeWebhookReceiver()
      receiver.fail({status: 503, retryAfter: 120})
      receiver.fail({status: 504, retryAfter: 5})
      receiver.fail({status: 502})
      const adapter = adapterFor(receiver)
      const e503 = await failure(adapter.post(request()))
      expect(e503.retry).toBe('rate-limit')
      expect(e503.retryAt!.getTime() - Date.now()).toBeGreaterThan(100_000)
      expect((await failure(adapter.post(request()))).retry).toBe('rate-limit')
      const e502 = await failure(adapter.post(request()))
      expect(e502.retry).toBe('transient')
      expect(e502.message).toBe(`webhook ${receiver.origin} answered 502: Bad Gateway`)
    })

    it('500 is transient; other 4xx are final and quote the receiver', async () => {
      receiver = await startFakeWebhookReceiver()
      receiver.fail({status: 500})
      receiver.fail({status: 422, body: 'unknown event type candor.update'})
      const adapter = adapterFor(receiver)
      expect((await failure(adapter.post(request()))).retry).toBe('transient')
      const e = await failure(adapter.post(request()))
      expect(e).toMatchObject({
        retry: 'never',
        message: `webhook ${receiver.origin} answered 422: unknown event type candor.update`,
      })
    })

    it('a receiver that hangs past the timeout is transient', async () => {
      receiver = await startFakeWebhookReceiver()
      receiver.fail({kind: 'hang'})
      const e = await failure(adapterFor(receiver, {timeoutMs: 500}).post(request()))
      expect(e.retry).toBe('transient')
      expect(e.message).toBe(`webhook ${receiver.origin} did not answer within 500 ms`)
    })

    it('a reset connection is transient', async () => {
      receiver = await startFakeWebhookReceiver()
      receiver.fail({kind: 'reset'})
      const e = await failure(adapterFor(receiver).post(request()))
      expect(e.retry).toBe('transient')
      expect(e.message).toMatch(
        new RegExp(`^could not reach webhook ${receiver.origin} \\(connection (reset|closed)\\)$`),
      )
      noSecrets(e)
    })

    it('an aborted publish is not retried', async () => {
      receiver = await startFakeWebhookReceiver()
      receiver.fail({kind: 'hang'})
      const controller = new AbortController()
      const pending = adapterFor(receiver).post(request({signal: controller.signal}))
      setTimeout(() => controller.abort(), 50)
      expect((await failure(pending)).retry).toBe('never')
    })
  })

  describe('the fake receiver', () => {
    it('refuses stale timestamps even when the signature is right', async () => {
      receiver = await startFakeWebhookReceiver()
      const body = JSON.stringify({type: 'candor.update'})
      const old = new Date(Date.now() - 10 * 60_000)
      const headers = {
        'content-type': 'application/json',
        'webhook-id': 'msg_stale',
        'webhook-timestamp': String(Math.floor(old.getTime() / 1000)),
        'webhook-signature': new Webhook(receiver.secret).sign('msg_stale', old, body),
      }
      const res = await fetch(receiver.url, {method: 'POST', headers, body})
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({error: 'Message timestamp too old'})
      expect(receiver.deliveries).toHaveLength(0)
    })
  })
})

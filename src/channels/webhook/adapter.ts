import {createHash, createHmac} from 'node:crypto'
import type {RemotePost} from '../../services/incident/events.js'
import {
  DeliveryError,
  type AdapterFactory,
  type ChannelAdapter,
  type PostRequest,
} from '../../services/publish/adapter.js'
import {envPrefix} from '../env-prefix.js'
import {webhookSecretProblem} from './secret.js'
import {
  errorFromResponse,
  httpRequest,
  joinUrl,
  retryAtFromHeaders,
  type HttpResponse,
} from '../../infrastructure/http.js'
import {checkAdapterEndpoint, endpointSetting} from '../../services/publish/endpoint-trust.js'

/** Statuses after which a receiver may name the time to come back (Standard Webhooks "throttle"). */
const THROTTLE = new Set([429, 502, 503, 504])

/** The `webhook-id` of a part: derived from its idempotency key, so every retry carries the same id and receivers can dedupe. */
export function webhookId(idempotencyKey: string): string {
  return `msg_${createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 27)}`
}

/**
 * The Standard Webhooks `webhook-signature` value: `v1,` + base64 HMAC-SHA256 of
 * `{id}.{timestamp}.{body}`, keyed with the secret's bytes (base64 after `whsec_`).
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** What Candor POSTs for every part of every update (documented in docs/channels/webhook.md). */
export interface WebhookPayload {
  type: 'candor.update'
  /** ISO 8601 time the payload was built (the signed `webhook-timestamp` header is authoritative). */
  timestamp: string
  incident: {id: string}
  phase: string
  update: number
  part: number
  parts: number
  text: string
  title?: string
  link?: string
  facts: Record<string, unknown>
  /** `webhook-id` of the message this one follows (previous part, or the incident's last message). */
  reply_to?: string
  /** `webhook-id` of the incident's first message on this channel. */
  thread_root?: string
}

/** The body of one part, built fresh for each attempt (only `timestamp` differs between attempts). */
export function webhookPayload(req: PostRequest, now: Date): WebhookPayload {
  return {
    type: 'candor.update',
    timestamp: now.toISOString(),
    incident: {id: req.incident.id},
    phase: req.incident.phase,
    update: req.incident.update,
    part: req.part,
    parts: req.parts,
    text: req.text,
    ...(req.post.title && {title: req.post.title}),
    ...(req.post.link && {link: req.post.link}),
    facts: req.incident.facts,
    ...(req.replyTo && {reply_to: req.replyTo.id}),
    ...(req.threadRoot && {thread_root: req.threadRoot.id}),
  }
}

/** A receiver's error body as one short line: a JSON `error`/`message`, else the first line of text. */
function receiverDetail(res: HttpResponse): string {
  const body = res.json as {error?: unknown; message?: unknown} | undefined
  const fromJson =
    typeof body?.error === 'string' ? body.error : typeof body?.message === 'string' ? body.message : undefined
  const line = (fromJson ?? res.text)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return line.length > 200 ? `${line.slice(0, 197)}...` : line
}

function classify(platform: string, res: HttpResponse): DeliveryError {
  if (res.status === 410)
    return new DeliveryError(`${platform} answered 410 Gone: the receiver disabled this endpoint`, {retry: 'never'})
  if (THROTTLE.has(res.status)) {
    const retryAt = retryAtFromHeaders(res.headers)
    if (retryAt)
      return new DeliveryError(`${platform} asked to retry later (${res.status})`, {retry: 'rate-limit', retryAt})
  }
  return errorFromResponse(platform, res, receiverDetail(res))
}

function parseUrl(value: string | undefined): URL | undefined {
  try {
    return value ? new URL(value) : undefined
  } catch {
    return undefined
  }
}

export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  const prefix = envPrefix(channel.name)
  checkAdapterEndpoint({channel, credentials, env})
  const apiUrl = endpointSetting({channel, credentials, env}, 'api_url')
  const url = endpointSetting({channel, credentials, env}, 'url')
  const source = env?.[`${prefix}URL`] || credentials.URL ? `${prefix}URL` : 'the url option'
  const target = parseUrl(url)
  // api_url (a proxy or a test receiver) takes the place of the destination's scheme, host and port.
  const endpoint = parseUrl(
    target && apiUrl ? joinUrl(apiUrl, target.pathname + target.search) : (target?.href ?? apiUrl),
  )
  const valid = endpoint !== undefined && /^https?:$/.test(endpoint.protocol)
  // Only the origin is ever shown: the path of a webhook URL is often its secret.
  const platform = `webhook ${valid ? endpoint.origin : 'receiver'}`

  return {
    // Receivers dedupe by webhook-id (stable per part), so sending a part again is harmless.
    idempotent: true,
    describeTarget: () =>
      valid
        ? `signed POST to ${endpoint.origin} (URL from ${source})`
        : `webhook (${source} is not a valid http(s) URL)`,

    async post(request): Promise<RemotePost> {
      if (!valid) throw new DeliveryError(`${source} is not a valid http(s) URL`, {retry: 'never'})
      const secret = credentials.SECRET ?? ''
      // Preflight refuses these before anything is sent; retries and direct callers meet it here.
      const problem = webhookSecretProblem(secret, `${prefix}SECRET`)
      if (problem) throw new DeliveryError(problem, {retry: 'never'})
      const id = webhookId(request.idempotencyKey)
      const now = new Date()
      const timestamp = Math.floor(now.getTime() / 1000)
      // Sign exactly the string that is sent; fetch encodes it as UTF-8, as createHmac does.
      const body = JSON.stringify(webhookPayload(request, now))
      const res = await httpRequest(platform, {
        method: 'POST',
        url: endpoint.href,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(secret, id, timestamp, body),
        },
        body,
        timeoutMs,
        signal: request.signal,
        secretPath: true,
      })
      if (res.status >= 200 && res.status < 300) return {id}
      throw classify(platform, res)
    },
  }
}

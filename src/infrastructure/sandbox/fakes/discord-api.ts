/**
 * A fake Discord webhook API on loopback, for tests of the discord channel.
 *
 * Wire protocol as documented in docs/platform-fakes.md: `/api[/v10]/webhooks/{id}/{token}`
 * (the token in the path is the credential), execute with `POST ...?wait=true` → 200 message
 * object (204 without `wait`), `GET` the webhook, `DELETE .../messages/{id}` → 204. Errors
 * are `{"code", "message", "errors"?}` (50035 Invalid Form Body with nested `_errors`,
 * 50027 Invalid Webhook Token on 401, 10015 Unknown Webhook, 10008 Unknown Message);
 * rate limits are 429 with `{"message", "retry_after" (seconds, fractional), "global"}` plus
 * `Retry-After` and `X-RateLimit-*` headers. Every message records `allowed_mentions` and
 * whether it would have pinged anyone, so tests can prove it did not.
 *
 * Order per request: read and record it, then a queued fault (if one matches) wins over
 * everything else; then the webhook token; then routing.
 */
import type http from 'node:http'
import {
  answerFault,
  type AnswerFault,
  FakeHttpServer,
  type FakePlatform,
  FaultQueue,
  gatewayErrorPage,
  gatewayFault,
  type GatewayErrorFault,
  matchesRoute,
  parseJson,
  readRequest,
  type RecordedRequest,
  type RouteMatch,
  type FakeMount,
} from './fake-server.js'

export interface FakeDiscordMessage {
  id: string
  channelId: string
  content: string
  username?: string
  avatarUrl?: string
  /** As sent; undefined when the request had none. */
  allowedMentions?: unknown
  /** Whether Discord would have notified @everyone/@here or anyone mentioned, given allowed_mentions. */
  pinged: boolean
  deleted: boolean
}

export type FakeDiscordFault =
  | {status: 429; retryAfter: number; global?: boolean}
  | {status: 500 | 502 | 503}
  | {status: 401}
  /** A redirect to `location`, as a proxy or a moved endpoint would answer. */
  | {status: 301 | 302 | 307 | 308; location: string}
  | {kind: 'hang'}
  | {kind: 'reset'}
  /** Carries the request out, then Discord's proxy (Cloudflare) answers 500, 502 or 504 in its place. */
  | GatewayErrorFault

export type FakeDiscordRequest = RecordedRequest

export interface FakeDiscord extends FakePlatform<FakeDiscordFault, FakeDiscordRequest> {
  /** The secret webhook URL on this fake: `${url}/api/webhooks/{id}/{token}`. */
  webhookUrl: string
  webhookId: string
  channelId: string
  guildId: string
  messages: FakeDiscordMessage[]
  /** Queue a fault for the next `times` matching requests (default 1); `:name` path segments match any segment; the `/v10` prefix is ignored. */
  fail(fault: FakeDiscordFault, times?: number, match?: RouteMatch): void
}

export interface StartFakeDiscordOptions {
  /** Mounted on another server (`candor sandbox`) instead of listening on its own port. */
  mount?: FakeMount
  webhookId?: string
  token?: string
  name?: string
  channelId?: string
  guildId?: string
}

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** Whether a message would notify people: mass mentions and user/role mentions, filtered by allowed_mentions. */
function wouldPing(content: string, allowed: unknown): boolean {
  const mentionsEveryone = /@(everyone|here)\b/.test(content)
  const mentionsSomeone = /<@[!&]?\d+>/.test(content)
  if (allowed === undefined || allowed === null) return mentionsEveryone || mentionsSomeone
  const a = allowed as {parse?: string[]; users?: string[]; roles?: string[]}
  const parse = a.parse ?? []
  return (
    (mentionsEveryone && parse.includes('everyone')) ||
    (mentionsSomeone &&
      (parse.includes('users') || parse.includes('roles') || (a.users?.length ?? 0) > 0 || (a.roles?.length ?? 0) > 0))
  )
}

export async function startFakeDiscord(opts: StartFakeDiscordOptions = {}): Promise<FakeDiscord> {
  const webhookId = opts.webhookId ?? '1180000000000000001'
  const token = opts.token ?? 'WebhookSecretToken_abcDEF123-xyz'
  const channelId = opts.channelId ?? '1170000000000000002'
  const guildId = opts.guildId ?? '1160000000000000003'
  const name = opts.name ?? 'Candor status'
  const messages: FakeDiscordMessage[] = []
  const requests: FakeDiscordRequest[] = []
  const faults = new FaultQueue<FakeDiscordFault, RouteMatch>()
  /** Requests under a gateway-error fault: carried out, answered with the proxy's page. */
  const gatewayOf = new WeakMap<http.ServerResponse, GatewayErrorFault>()
  let nextId = 1_190_000_000_000_000_000n
  let remaining = 5

  function rateHeaders(): Record<string, string> {
    remaining = remaining <= 1 ? 5 : remaining - 1
    return {
      'x-ratelimit-bucket': 'a1b2c3d4e5f6',
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': ((Date.now() + 2000) / 1000).toFixed(3),
      'x-ratelimit-reset-after': '2.000',
    }
  }

  function faultReply(fault: AnswerFault<FakeDiscordFault>): Reply {
    switch (fault.status) {
      case 429:
        return {
          status: 429,
          body: {message: 'You are being rate limited.', retry_after: fault.retryAfter, global: fault.global ?? false},
          headers: {
            'retry-after': String(Math.ceil(fault.retryAfter)),
            'x-ratelimit-bucket': 'a1b2c3d4e5f6',
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset-after': fault.retryAfter.toFixed(3),
            'x-ratelimit-scope': fault.global ? 'global' : 'user',
            ...(fault.global && {'x-ratelimit-global': 'true'}),
          },
        }
      case 401:
        return {status: 401, body: {message: 'Invalid Webhook Token', code: 50027}}
      case 301:
      case 302:
      case 307:
      case 308:
        return {status: fault.status, headers: {location: fault.location}}
      default:
        return {
          status: fault.status,
          body: {message: fault.status === 500 ? 'Internal Server Error' : 'Service Unavailable', code: 0},
        }
    }
  }

  function execute(body: unknown, wait: boolean): Reply {
    if (typeof body !== 'object' || body === null)
      return {status: 400, body: {message: 'Cannot send an empty message', code: 50006}}
    const b = body as {
      content?: unknown
      username?: unknown
      avatar_url?: unknown
      allowed_mentions?: unknown
      embeds?: unknown
    }
    const content = typeof b.content === 'string' ? b.content : ''
    if (!content && !b.embeds) return {status: 400, body: {message: 'Cannot send an empty message', code: 50006}}
    if ([...content].length > 2000) {
      return {
        status: 400,
        body: {
          message: 'Invalid Form Body',
          code: 50035,
          errors: {content: {_errors: [{code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.'}]}},
        },
      }
    }
    const am = b.allowed_mentions
    if (
      am !== undefined &&
      (typeof am !== 'object' || am === null || ('parse' in am && !Array.isArray((am as {parse: unknown}).parse)))
    ) {
      return {
        status: 400,
        body: {
          message: 'Invalid Form Body',
          code: 50035,
          errors: {
            allowed_mentions: {
              _errors: [{code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType'}],
            },
          },
        },
      }
    }
    nextId += 4_194_304n
    const message: FakeDiscordMessage = {
      id: String(nextId),
      channelId,
      content,
      allowedMentions: b.allowed_mentions,
      pinged: wouldPing(content, b.allowed_mentions),
      deleted: false,
    }
    if (typeof b.username === 'string') message.username = b.username
    if (typeof b.avatar_url === 'string') message.avatarUrl = b.avatar_url
    messages.push(message)
    if (!wait) return {status: 204, headers: rateHeaders()}
    return {
      status: 200,
      headers: rateHeaders(),
      body: {
        id: message.id,
        type: 0,
        content,
        channel_id: channelId,
        author: {id: webhookId, username: message.username ?? name, avatar: null, discriminator: '0000', bot: true},
        attachments: [],
        embeds: [],
        mentions: [],
        mention_roles: [],
        pinned: false,
        mention_everyone: message.pinged && /@(everyone|here)\b/.test(content),
        tts: false,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        flags: 0,
        components: [],
        webhook_id: webhookId,
      },
    }
  }

  function send(res: http.ServerResponse, reply: Reply): void {
    if (!server.answerable(res)) return
    const gateway = gatewayOf.get(res)
    if (gateway) {
      // Carried out above; the proxy's page goes back instead of Discord's answer.
      const page = gatewayErrorPage(gateway)
      res.writeHead(page.status, {...page.headers, 'content-length': String(Buffer.byteLength(page.body))})
      return void res.end(page.body)
    }
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body)
    res.writeHead(reply.status, {
      ...(reply.body !== undefined && {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(payload)),
      }),
      via: '1.1 google',
      ...reply.headers,
    })
    res.end(payload)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {method, target, path: pathOnly, query: queryString, raw} = await readRequest(req)
    const p = pathOnly.replace(/^\/api\/v\d+\//, '/api/')
    // Only a JSON content type is parsed; anything else is kept as sent.
    const body = /json/.test(req.headers['content-type'] ?? '') ? parseJson(raw) : raw || undefined
    requests.push({method, path: target, headers: {...req.headers}, body})

    const fault = faults.take((match) => matchesRoute(match, method, p))
    if (!(await server.delay(req, fault, fake.latencyMs))) return
    const answer = answerFault(fault)
    if (answer) return send(res, faultReply(answer))
    const gateway = gatewayFault(fault)
    if (gateway) gatewayOf.set(res, gateway)

    const m = /^\/api\/webhooks\/([^/]+)\/([^/]+)(?:\/messages\/([^/]+))?$/.exec(p)
    if (!m) return send(res, {status: 404, body: {message: '404: Not Found', code: 0}})
    if (m[1] !== webhookId) return send(res, {status: 404, body: {message: 'Unknown Webhook', code: 10015}})
    if (m[2] !== token) return send(res, {status: 401, body: {message: 'Invalid Webhook Token', code: 50027}})
    const query = new URLSearchParams(queryString)
    if (m[3] !== undefined) {
      const message = messages.find((x) => x.id === m[3] && !x.deleted)
      if (!message) return send(res, {status: 404, body: {message: 'Unknown Message', code: 10008}})
      if (method === 'DELETE') {
        message.deleted = true
        return send(res, {status: 204, headers: rateHeaders()})
      }
      if (method === 'GET')
        return send(res, {
          status: 200,
          body: {id: message.id, content: message.content, channel_id: channelId},
          headers: rateHeaders(),
        })
      return send(res, {status: 405, body: {message: '405: Method Not Allowed', code: 0}})
    }
    if (method === 'POST') return send(res, execute(body, query.get('wait') === 'true'))
    if (method === 'GET') {
      return send(res, {
        status: 200,
        headers: rateHeaders(),
        body: {
          application_id: null,
          avatar: null,
          channel_id: channelId,
          guild_id: guildId,
          id: webhookId,
          name,
          type: 1,
          token,
        },
      })
    }
    return send(res, {status: 405, body: {message: '405: Method Not Allowed', code: 0}})
  }

  const server = await FakeHttpServer.start(
    {
      handle,
      onError: (res, error) => send(res, {status: 500, body: {message: String(error), code: 0}}),
      faults,
    },
    opts.mount,
  )
  const url = server.url

  const fake: FakeDiscord = {
    url,
    webhookUrl: `${url}/api/webhooks/${webhookId}/${token}`,
    webhookId,
    channelId,
    guildId,
    messages,
    requests,
    latencyMs: 0,
    inFlight: server.inFlight,
    fail: (fault, times, match) => faults.add(fault, times, match),
    close: () => server.close(),
  }
  return fake
}

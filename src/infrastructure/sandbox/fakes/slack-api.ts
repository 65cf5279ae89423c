/**
 * A fake Slack on loopback, for tests of the slack channel: the Web API under `/api/`
 * (chat.postMessage, chat.delete, chat.getPermalink, auth.test, conversations.history,
 * conversations.replies) and an incoming webhook under `/services/T…/B…/<secret>`.
 *
 * Wire protocol as in docs/channels/slack.md and docs/platform-fakes.md: the Web API takes
 * `Authorization: Bearer xoxb-…` (or a `token` form field), JSON or form bodies, and
 * answers HTTP 200 `{"ok": false, "error": "…"}` for every failure except rate limits
 * (429 + `Retry-After` seconds). The webhook answers `200 ok` or a plain-text error code
 * with its HTTP status (400 invalid_payload / no_text, 403 invalid_token / action_prohibited,
 * 404 channel_not_found / no_service, 410 channel_is_archived). Threads are flat: a reply's
 * `thread_ts` must be the parent's ts; a reply's own ts is refused (`invalid_thread_ts`). Messages read back show Slack's rendering: bare URLs
 * linked as `<https://…>`, the bot's `bot_id` (webhook posts have the webhook's); history
 * lists top-level messages newest first, replies list a thread oldest first, parent
 * included; both page with `cursor` and need a `*:history` scope (`missing_scope` otherwise).
 *
 * Order per request: read and record it, then a queued fault (if one matches) wins over
 * everything else; then authentication; then routing.
 */
import type http from 'node:http'
import {
  answerFault,
  type AnswerFault,
  FakeHttpServer,
  type FakePlatform,
  faultAction,
  FaultQueue,
  gatewayErrorPage,
  gatewayFault,
  type GatewayErrorFault,
  matchesRoute,
  parseBody,
  readRequest,
  type RecordedRequest,
  type RouteMatch,
  type FakeMount,
} from './fake-server.js'

export interface FakeSlackMessage {
  channel: string
  ts: string
  text: string
  /** The thread parent's ts, for replies. */
  threadTs?: string
  /** `user`: a person typed it (see `say`). */
  via: 'bot' | 'webhook' | 'user'
  deleted: boolean
}

export type FakeSlackFault =
  | {status: 429; retryAfter: number}
  | {status: 500 | 503}
  /** A Web API `{"ok": false, "error"}` answer (HTTP 200), or a webhook's plain-text error with its status. */
  | {kind: 'error'; error: string}
  | {kind: 'hang'}
  | {kind: 'reset'}
  /** Carries the request out, then resets the connection instead of answering: the client never learns it worked. */
  | {kind: 'lose-answer'}
  /** Carries the request out, then Slack's proxy answers 500, 502 or 504 in its place. */
  | GatewayErrorFault

export type FakeSlackRequest = RecordedRequest

export interface FakeSlack extends FakePlatform<FakeSlackFault, FakeSlackRequest> {
  /** `${url}/api`: the base for bot mode (api_url). */
  apiUrl: string
  /** The secret incoming-webhook URL (posts to `webhookChannel`). */
  webhookUrl: string
  messages: FakeSlackMessage[]
  /** A person posts `text` (already in Slack's markup) in a channel, or in a thread. */
  say(channel: string, text: string, threadTs?: string): FakeSlackMessage
  /** Queue a fault for the next `times` matching requests (default 1); `:name` path segments match any segment. */
  fail(fault: FakeSlackFault, times?: number, match?: RouteMatch): void
}

export interface StartFakeSlackOptions {
  /** Mounted on another server (`candor sandbox`) instead of listening on its own port. */
  mount?: FakeMount
  botToken: string
  /** Channels that exist: id → name; `member` false means the bot was not invited. */
  channels?: Array<{id: string; name: string; member?: boolean; archived?: boolean}>
  /** Channel the webhook posts to (default the first channel). */
  webhookChannel?: string
  team?: {id: string; name: string; domain: string}
  /** The bot token's scopes (default chat:write, channels:history, groups:history). */
  scopes?: string[]
  /**
   * A channel named by ID (or `#name`) that is not in `channels` is taken to exist (`candor
   * sandbox`, which cannot know the team's channels). Everything else stays as strict as Slack.
   */
  adopt?: boolean
}

interface Reply {
  status: number
  body?: unknown
  text?: string
  headers?: Record<string, string>
}

const WEBHOOK_STATUS: Record<string, number> = {
  invalid_payload: 400,
  no_text: 400,
  invalid_token: 403,
  action_prohibited: 403,
  posting_to_general_channel_denied: 403,
  team_disabled: 403,
  channel_not_found: 404,
  no_service: 404,
  user_not_found: 404,
  channel_is_archived: 410,
  rollup_error: 500,
}

export async function startFakeSlack(opts: StartFakeSlackOptions): Promise<FakeSlack> {
  const channels = opts.channels ?? [{id: 'C0INCIDENTS', name: 'incidents'}]
  const team = opts.team ?? {id: 'T0ACME', name: 'Acme', domain: 'acme'}
  const webhookChannel = opts.webhookChannel ?? channels[0]!.id
  const webhookPath = `/services/${team.id}/B0WEBHOOK/xyzSecretWebhookToken42`
  const messages: FakeSlackMessage[] = []
  const requests: FakeSlackRequest[] = []
  const faults = new FaultQueue<FakeSlackFault, RouteMatch>()
  const scopes = opts.scopes ?? ['chat:write', 'channels:history', 'groups:history']
  let counter = 0

  /** Unique, increasing ts values in Slack's "seconds.micro" form. */
  function nextTs(): string {
    counter += 1
    return `${Math.floor(Date.now() / 1000)}.${String(100000 + counter).padStart(6, '0')}`
  }

  const findChannel = (ref: unknown) =>
    typeof ref === 'string'
      ? (channels.find((c) => c.id === ref || c.name === ref.replace(/^#/, '')) ?? adopted(ref))
      : undefined

  /** With `adopt`, the channel a well-formed ID or `#name` names, made on first use. */
  function adopted(ref: string): (typeof channels)[number] | undefined {
    if (!opts.adopt) return undefined
    const byName = /^#([a-z0-9_-]{1,80})$/.exec(ref)
    if (!byName && !/^[CG][A-Z0-9]{2,20}$/.test(ref)) return undefined
    const channel = byName
      ? {id: `C0${channels.length}${byName[1]!.toUpperCase()}`, name: byName[1]!}
      : {id: ref, name: ref.toLowerCase()}
    channels.push(channel)
    return channel
  }
  const ok = (body: Record<string, unknown>): Reply => ({status: 200, body: {ok: true, ...body}})
  const err = (error: string): Reply => ({status: 200, body: {ok: false, error}})

  /** A message as the API shows it: URLs linked, the author's ids, thread fields on a parent. */
  function view(m: FakeSlackMessage) {
    const replies = messages.filter((r) => r.threadTs === m.ts && r.channel === m.channel && !r.deleted)
    const author =
      m.via === 'bot'
        ? {user: 'U0CANDOR', bot_id: 'B0CANDOR', app_id: 'A0CANDOR', team: team.id}
        : m.via === 'webhook'
          ? {subtype: 'bot_message', bot_id: 'B0WEBHOOK', username: 'incoming-webhook'}
          : {user: 'U0DANA', team: team.id}
    return {
      type: 'message',
      ...author,
      text: m.text.replace(/(^|[^<|])(https?:\/\/[^\s<>|]+)/gi, '$1<$2>'),
      ts: m.ts,
      ...(m.threadTs && {thread_ts: m.threadTs, parent_user_id: 'U0CANDOR'}),
      ...(replies.length > 0 && {thread_ts: m.ts, reply_count: replies.length, latest_reply: replies.at(-1)!.ts}),
    }
  }

  /** One page of `list` from `cursor` (an offset, base64), with Slack's paging fields. */
  function paged(list: FakeSlackMessage[], args: Record<string, unknown>, defaultLimit: number) {
    const limit = Math.min(1000, Math.max(1, Number(args.limit ?? defaultLimit) || defaultLimit))
    const from =
      typeof args.cursor === 'string' && args.cursor
        ? Number(
            Buffer.from(args.cursor, 'base64')
              .toString()
              .replace(/^offset:/, ''),
          )
        : 0
    const page = list.slice(from, from + limit)
    const more = from + limit < list.length
    return {
      messages: page.map(view),
      has_more: more,
      response_metadata: {next_cursor: more ? Buffer.from(`offset:${from + limit}`).toString('base64') : ''},
    }
  }

  /** The channel a read method names (an ID only, as Slack wants), or its error. */
  function readable(ref: unknown): {id: string} | Reply {
    const channel =
      typeof ref === 'string'
        ? (channels.find((c) => c.id === ref) ?? (ref.startsWith('#') ? undefined : adopted(ref)))
        : undefined
    if (!channel) return err('channel_not_found')
    if (!scopes.includes('channels:history'))
      return {
        status: 200,
        body: {ok: false, error: 'missing_scope', needed: 'channels:history', provided: scopes.join(',')},
      }
    if (channel.member === false) return err('not_in_channel')
    return channel
  }

  function faultReply(fault: AnswerFault<FakeSlackFault>, webhook: boolean): Reply {
    if ('kind' in fault)
      return webhook ? {status: WEBHOOK_STATUS[fault.error] ?? 400, text: fault.error} : err(fault.error)
    if (fault.status === 429) {
      return webhook
        ? {status: 429, text: 'rate_limited', headers: {'retry-after': String(fault.retryAfter)}}
        : {status: 429, body: {ok: false, error: 'ratelimited'}, headers: {'retry-after': String(fault.retryAfter)}}
    }
    return webhook
      ? {status: fault.status, text: fault.status === 500 ? 'rollup_error' : 'service_unavailable'}
      : {status: fault.status, text: `<html><body>${fault.status} Service Unavailable</body></html>`}
  }

  function webApi(method: string, args: Record<string, unknown>): Reply {
    switch (method) {
      case 'auth.test':
        return ok({
          url: `https://${team.domain}.slack.com/`,
          team: team.name,
          user: 'candor',
          team_id: team.id,
          user_id: 'U0CANDOR',
          bot_id: 'B0CANDOR',
          is_enterprise_install: false,
        })
      case 'chat.postMessage': {
        const channel = findChannel(args.channel)
        if (!channel) return err('channel_not_found')
        if (channel.member === false) return err('not_in_channel')
        if (channel.archived) return err('is_archived')
        const text = typeof args.text === 'string' ? args.text : ''
        if (!text && !args.blocks && !args.attachments) return err('no_text')
        if (text.length > 40000) return err('msg_too_long')
        let threadTs: string | undefined
        if (args.thread_ts !== undefined && args.thread_ts !== '') {
          const parent = messages.find((m) => m.channel === channel.id && m.ts === String(args.thread_ts) && !m.deleted)
          // UNVERIFIED: the error Slack gives for an unknown thread_ts; replies must not vanish silently here.
          if (!parent) return err('thread_not_found')
          // Slack: "Avoid using a reply's ts value; use its parent instead" (docs/channels/slack.md).
          // UNVERIFIED: the error name; Slack's own handling of a reply's ts is undocumented.
          if (parent.threadTs && parent.threadTs !== parent.ts) return err('invalid_thread_ts')
          threadTs = parent.ts
        }
        const message: FakeSlackMessage = {channel: channel.id, ts: nextTs(), text, via: 'bot', deleted: false}
        if (threadTs) message.threadTs = threadTs
        messages.push(message)
        return ok({
          channel: channel.id,
          ts: message.ts,
          message: {
            type: 'message',
            subtype: 'bot_message',
            text,
            user: 'U0CANDOR',
            bot_id: 'B0CANDOR',
            ts: message.ts,
            ...(threadTs && {thread_ts: threadTs}),
          },
        })
      }
      case 'chat.delete': {
        const channel = findChannel(args.channel)
        if (!channel) return err('channel_not_found')
        const message = messages.find((m) => m.channel === channel.id && m.ts === String(args.ts) && !m.deleted)
        if (!message) return err('message_not_found')
        if (message.via !== 'bot') return err('cant_delete_message')
        message.deleted = true
        return ok({channel: channel.id, ts: message.ts})
      }
      case 'conversations.history': {
        const channel = readable(args.channel)
        if ('status' in channel) return channel
        const top = messages.filter((m) => m.channel === channel.id && !m.deleted && !m.threadTs).reverse()
        return ok({...paged(top, args, 100), pin_count: 0, channel_actions_ts: null, channel_actions_count: 0})
      }
      case 'conversations.replies': {
        const channel = readable(args.channel)
        if ('status' in channel) return channel
        const parent = messages.find((m) => m.channel === channel.id && m.ts === String(args.ts) && !m.deleted)
        if (!parent) return err('thread_not_found')
        const thread = [
          parent,
          ...messages.filter((m) => m.channel === channel.id && m.threadTs === parent.ts && !m.deleted),
        ]
        return ok(paged(thread, args, 1000))
      }
      case 'chat.getPermalink': {
        const channel = findChannel(args.channel)
        if (!channel) return err('channel_not_found')
        const message = messages.find((m) => m.channel === channel.id && m.ts === String(args.message_ts) && !m.deleted)
        if (!message) return err('message_not_found')
        const link = `https://${team.domain}.slack.com/archives/${channel.id}/p${message.ts.replace('.', '')}`
        return ok({
          channel: channel.id,
          permalink: message.threadTs ? `${link}?thread_ts=${message.threadTs}&cid=${channel.id}` : link,
        })
      }
      default:
        return err('unknown_method')
    }
  }

  function webhook(body: unknown): Reply {
    if (typeof body !== 'object' || body === null) return {status: 400, text: 'invalid_payload'}
    const text = (body as {text?: unknown}).text
    if (typeof text !== 'string' || !text) return {status: 400, text: 'no_text'}
    messages.push({channel: webhookChannel, ts: nextTs(), text, via: 'webhook', deleted: false})
    return {status: 200, text: 'ok'}
  }

  function send(res: http.ServerResponse, reply: Reply): void {
    if (!server.answerable(res)) return
    const json = reply.body !== undefined
    const payload = json ? JSON.stringify(reply.body) : (reply.text ?? '')
    res.writeHead(reply.status, {
      'content-type': json ? 'application/json; charset=utf-8' : 'text/html',
      'content-length': String(Buffer.byteLength(payload)),
      'x-slack-req-id': Math.random().toString(16).slice(2),
      ...reply.headers,
    })
    res.end(payload)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {method, target, path: p, query: queryString, raw} = await readRequest(req)
    const body = parseBody(req.headers['content-type'], raw)
    requests.push({method, path: target, headers: {...req.headers}, body})
    const isWebhook = p.startsWith('/services/')

    const fault = faults.take((match) => matchesRoute(match, method, p))
    if (!(await server.delay(req, fault, fake.latencyMs))) return
    const faultAnswer = answerFault(fault)
    if (faultAnswer) return send(res, faultReply(faultAnswer, isWebhook))
    const loseAnswer = faultAction(fault) === 'lose-answer'
    const gateway = gatewayFault(fault)
    // lose-answer: carried out, then the connection drops before the answer; gateway-error:
    // carried out, then the proxy's error page goes back instead.
    const answer = (reply: Reply) => {
      if (loseAnswer) return void req.socket.destroy()
      if (!gateway) return send(res, reply)
      const page = gatewayErrorPage(gateway)
      send(res, {status: page.status, text: page.body, headers: page.headers})
    }

    if (isWebhook) {
      if (method !== 'POST') return answer({status: 405, text: 'invalid_method'})
      if (!p.startsWith(`/services/${team.id}/`)) return answer({status: 404, text: 'no_team'})
      if (p !== webhookPath) return answer({status: 403, text: 'invalid_token'})
      return answer(webhook(body))
    }
    const api = /^\/api\/([a-zA-Z.]+)$/.exec(p)
    if (!api) return answer({status: 404, text: '<html><body>Not Found</body></html>'})
    const args: Record<string, unknown> = {
      ...Object.fromEntries(new URLSearchParams(queryString)),
      ...(typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}),
    }
    const auth =
      /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ??
      (typeof args.token === 'string' ? args.token : undefined)
    if (!auth) return answer(err('not_authed'))
    if (auth !== opts.botToken) return answer(err('invalid_auth'))
    // JSON bodies are accepted by write methods only (Slack's docs list the content types per method).
    if (
      typeof body === 'object' &&
      /json/.test(req.headers['content-type'] ?? '') &&
      ['auth.test', 'chat.getPermalink', 'conversations.history', 'conversations.replies'].includes(api[1]!)
    )
      return answer(err('invalid_arguments'))
    answer(webApi(api[1]!, args))
  }

  const server = await FakeHttpServer.start(
    {
      handle,
      onError: (res, error) => send(res, {status: 500, text: String(error)}),
      faults,
    },
    opts.mount,
  )
  const url = server.url

  const fake: FakeSlack = {
    url,
    apiUrl: `${url}/api`,
    webhookUrl: url + webhookPath,
    messages,
    requests,
    latencyMs: 0,
    inFlight: server.inFlight,
    say(channel, text, threadTs) {
      const message: FakeSlackMessage = {channel, ts: nextTs(), text, via: 'user', deleted: false}
      if (threadTs) message.threadTs = threadTs
      messages.push(message)
      return message
    },
    fail: (fault, times, match) => faults.add(fault, times, match),
    close: () => server.close(),
  }
  return fake
}

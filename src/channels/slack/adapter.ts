import type {RemotePost} from '../../services/incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../../services/publish/adapter.js'
import {envPrefix} from '../env-prefix.js'
import {
  errorFromResponse,
  httpRequest,
  joinUrl,
  retryAtFromHeaders,
  type HttpResponse,
} from '../../infrastructure/http.js'
import {checkAdapterEndpoint, endpointSetting} from '../../services/publish/endpoint-trust.js'
import {optionsOf} from '../kind.js'
import type {slackKind} from './kind.js'

const SLACK_API = 'https://slack.com/api'
/** Web API errors worth retrying; every other `error` is final. */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'])
const AUTH = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired'])
/** The permalink is a nicety: never hold a published message up for long over it. */
const PERMALINK_TIMEOUT_MS = 5000
/** How many of the channel's latest messages a lookup reads. */
const HISTORY_LIMIT = 50
/** Thread replies per page, and the most pages a lookup reads. */
const REPLIES_LIMIT = 200
const REPLIES_PAGES = 10

/**
 * Slack's own escaping for message text. Turning `&`, `<` and `>` into entities also
 * makes every `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`, `<#C…>` and `<!subteam^…>`
 * plain text, so nothing in a fact can ping anyone.
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * Message text as compared after an interrupted send: Slack links bare URLs when it stores
 * a message (`<https://…>`), so URLs are masked on both sides; whitespace is collapsed.
 */
function comparable(text: string): string {
  return text
    .replace(/<https?:\/\/[^>\s]*>/gi, '<url>')
    .replace(/https?:\/\/[^\s<>]+/gi, '<url>')
    .replace(/\s+/g, ' ')
    .trim()
}

interface SlackMessage {
  ts?: unknown
  text?: unknown
  bot_id?: unknown
}

function excerpt(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200)
}

/** Maps a Web API `{"ok": false, "error"}` answer onto what the publisher does next. */
export function classifySlackError(
  error: string,
  res: HttpResponse,
  channel: string,
  now: Date = new Date(),
): DeliveryError {
  if (error === 'ratelimited') {
    return new DeliveryError('Slack rate limit reached (ratelimited)', {
      retry: 'rate-limit',
      retryAt: retryAtFromHeaders(res.headers, now) ?? new Date(now.getTime() + 60_000),
    })
  }
  if (TRANSIENT.has(error)) return new DeliveryError(`Slack answered ${error}`, {retry: 'transient'})
  if (AUTH.has(error))
    return new DeliveryError(`Slack rejected the bot token (${error}); check ${envPrefix(channel)}BOT_TOKEN`, {
      retry: 'never',
    })
  if (error === 'channel_not_found' || error === 'not_in_channel') {
    return new DeliveryError(`Slack answered ${error}: check the channel option and invite the bot to that channel`, {
      retry: 'never',
    })
  }
  return new DeliveryError(`Slack answered ${error}`, {retry: 'never'})
}

/**
 * Slack adapter with two modes. With the `channel` option it is a bot
 * (`chat.postMessage` with BOT_TOKEN): the first message of an incident starts a thread
 * and every later update goes into it (`thread_ts` = the first message's ts; Slack threads
 * are flat), messages can be deleted and `whoami` calls `auth.test`; after a crash
 * `findPublished` reads the channel's history (or the incident's thread) for the bot's own
 * message with the same text. Without it, it posts to an incoming webhook (WEBHOOK_URL): no
 * ts comes back, so no thread, no delete, no whoami and no lookup. Text is escaped in both
 * modes so mentions in facts ping nobody.
 */
export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  checkAdapterEndpoint({channel, credentials, env})
  const slackChannel = optionsOf(channel.kind as typeof slackKind, channel.options).channel || undefined
  if (!slackChannel) return webhookAdapter(channel.name, credentials.WEBHOOK_URL ?? '', timeoutMs)

  const apiUrl = endpointSetting({channel, credentials, env}, 'api_url')
  const base = apiUrl ?? SLACK_API
  const headers = {authorization: `Bearer ${credentials.BOT_TOKEN ?? ''}`}

  /**
   * Calls one Web API method; returns the `ok: true` body or throws a classified error.
   * Write methods take JSON; read methods (auth.test, chat.getPermalink) only take a form.
   */
  async function call(
    method: string,
    args: {json: Record<string, unknown>} | {form: Record<string, string>},
    signal: AbortSignal,
    ms = timeoutMs,
  ): Promise<Record<string, unknown>> {
    const res = await httpRequest('Slack', {
      method: 'POST',
      url: joinUrl(base, method),
      headers,
      ...args,
      timeoutMs: ms,
      signal,
    })
    if (res.status !== 200) throw errorFromResponse('Slack', res, excerpt(res.text))
    const body = res.json as {ok?: boolean; error?: string; needed?: unknown} | undefined
    if (!body || typeof body !== 'object')
      throw new DeliveryError(`Slack answered ${method} with something other than JSON`, {retry: 'never'})
    if (body.error === 'missing_scope' && typeof body.needed === 'string') {
      throw new DeliveryError(`Slack answered missing_scope: ${method} needs the bot token scope ${body.needed}`, {
        retry: 'never',
      })
    }
    if (body.ok !== true) throw classifySlackError(String(body.error ?? 'unknown_error'), res, channel.name)
    return body as Record<string, unknown>
  }

  /** The message's permalink, or undefined: a missing link must never fail a message that is out. */
  async function permalink(where: string, ts: string, signal: AbortSignal): Promise<string | undefined> {
    try {
      const link = await call(
        'chat.getPermalink',
        {form: {channel: where, message_ts: ts}},
        signal,
        Math.min(timeoutMs, PERMALINK_TIMEOUT_MS),
      )
      return typeof link.permalink === 'string' ? link.permalink : undefined
    } catch {
      return undefined
    }
  }

  const remoteOf = async (ts: string, where: string, signal: AbortSignal): Promise<RemotePost> => {
    const url = await permalink(where, ts, signal)
    return {id: ts, ref: {channel: where}, ...(url && {url})}
  }

  let botId: string | undefined
  /** This bot's message with the same text in `messages`, if there is one. */
  async function ours(
    messages: unknown,
    text: string,
    signal: AbortSignal,
    skip?: string,
  ): Promise<string | undefined> {
    botId ??= String((await call('auth.test', {form: {}}, signal)).bot_id ?? '')
    const wanted = comparable(escapeSlackText(text))
    const match = (Array.isArray(messages) ? (messages as SlackMessage[]) : []).find(
      (m) =>
        typeof m?.ts === 'string' &&
        m.ts !== skip &&
        typeof m.text === 'string' &&
        (!botId || m.bot_id === botId) &&
        comparable(m.text) === wanted,
    )
    return match?.ts as string | undefined
  }

  return {
    // Slack wants a parent's ts as `thread_ts`, and a retracted parent is gone: start anew.
    retractedRootEndsThread: true,

    describeTarget: () =>
      `Slack channel ${slackChannel} as the bot of ${envPrefix(channel.name)}BOT_TOKEN${apiUrl ? ` via ${apiUrl}` : ''}`,

    async post({text, threadRoot, signal}): Promise<RemotePost> {
      // Only a bot-mode root (it has a channel) can be a thread; post where that root is.
      const root = threadRoot?.ref?.channel ? threadRoot : undefined
      const target = root?.ref?.channel ?? slackChannel
      const body = await call(
        'chat.postMessage',
        {json: {channel: target, text: escapeSlackText(text), ...(root && {thread_ts: root.id})}},
        signal,
      )
      return remoteOf(String(body.ts), String(body.channel ?? target), signal)
    },

    async findPublished({text, part, replyTo, threadRoot, incident, signal}): Promise<RemotePost | null> {
      const root = threadRoot?.ref?.channel ? threadRoot : undefined
      if (root) {
        // A threaded part is a reply to the incident's first message: read that thread.
        const where = root.ref!.channel!
        let cursor: string | undefined
        for (let page = 0; page < REPLIES_PAGES; page++) {
          const body = await call(
            'conversations.replies',
            {form: {channel: where, ts: root.id, limit: String(REPLIES_LIMIT), ...(cursor && {cursor})}},
            signal,
          )
          const ts = await ours(body.messages, text, signal, root.id)
          if (ts) return remoteOf(ts, where, signal)
          cursor = (body.response_metadata as {next_cursor?: string} | undefined)?.next_cursor
          if (body.has_more !== true || !cursor) return null
        }
        throw new DeliveryError(`Slack thread ${root.id} is too long to search for the interrupted message`, {
          retry: 'never',
        })
      }
      const body = await call(
        'conversations.history',
        {form: {channel: slackChannel, limit: String(HISTORY_LIMIT)}},
        signal,
      )
      const ts = await ours(body.messages, text, signal)
      if (ts) return remoteOf(ts, String(body.channel ?? slackChannel), signal)
      // Replies are not in the history: without the thread (or the previous post, which says
      // this part went to the channel itself), "not there" is only certain for the first part.
      if (!replyTo && !(incident.update === 1 && part === 1)) {
        throw new DeliveryError(`cannot tell whether the message reached Slack without the incident's thread`, {
          retry: 'never',
        })
      }
      return null
    },

    async delete(remote, signal) {
      const where = remote.ref?.channel
      if (!where)
        throw new DeliveryError(`Slack message ${remote.id} was sent through a webhook and cannot be deleted`, {
          retry: 'never',
        })
      await call('chat.delete', {json: {channel: where, ts: remote.id}}, signal)
    },

    async whoami(signal) {
      const me = await call('auth.test', {form: {}}, signal)
      return `@${String(me.user ?? 'unknown')} in ${String(me.team ?? 'unknown workspace')}`
    },
  }
}

/** Incoming-webhook mode: the secret URL is the credential; errors are plain text. */
function webhookAdapter(channelName: string, webhookUrl: string, timeoutMs: number): ChannelAdapter {
  const variable = `${envPrefix(channelName)}WEBHOOK_URL`
  return {
    describeTarget: () => `Slack incoming webhook of ${variable}`,

    async post({text, idempotencyKey, signal}): Promise<RemotePost> {
      if (!URL.canParse(webhookUrl)) throw new DeliveryError(`${variable} is not a valid URL`, {retry: 'never'})
      const res = await httpRequest('Slack', {
        method: 'POST',
        url: webhookUrl,
        json: {text: escapeSlackText(text)},
        timeoutMs,
        signal,
        secretPath: true,
      })
      if (res.status < 200 || res.status >= 300) {
        const detail = excerpt(res.text)
        const error = errorFromResponse('Slack', res, detail)
        if (error.retry === 'never' && /^(invalid_token|no_service|no_team|team_disabled)/.test(detail)) {
          throw new DeliveryError(`${error.message}; check ${variable}`, {retry: 'never'})
        }
        throw error
      }
      // A webhook answers "ok" and no ts: keep a stable id of our own, marked as a webhook post.
      return {id: idempotencyKey, ref: {mode: 'webhook'}}
    },
  }
}

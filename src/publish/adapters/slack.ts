import type {RemotePost} from '../../incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../adapter.js'
import {envPrefix} from '../credentials.js'
import {errorFromResponse, httpRequest, joinUrl, retryAtFromHeaders, type HttpResponse} from '../http.js'

const SLACK_API = 'https://slack.com/api'
/** Web API errors worth retrying; every other `error` is final. */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'])
const AUTH = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired'])
/** The permalink is a nicety: never hold a published message up for long over it. */
const PERMALINK_TIMEOUT_MS = 5000

/**
 * Slack's own escaping for message text. Turning `&`, `<` and `>` into entities also
 * makes every `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`, `<#C…>` and `<!subteam^…>`
 * plain text, so nothing in a fact can ping anyone.
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function excerpt(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200)
}

/** Maps a Web API `{"ok": false, "error"}` answer onto what the publisher does next. */
export function classifySlackError(error: string, res: HttpResponse, channel: string, now: Date = new Date()): DeliveryError {
  if (error === 'ratelimited') {
    return new DeliveryError('Slack rate limit reached (ratelimited)', {retry: 'rate-limit', retryAt: retryAtFromHeaders(res.headers, now) ?? new Date(now.getTime() + 60_000)})
  }
  if (TRANSIENT.has(error)) return new DeliveryError(`Slack answered ${error}`, {retry: 'transient'})
  if (AUTH.has(error)) return new DeliveryError(`Slack rejected the bot token (${error}); check ${envPrefix(channel)}BOT_TOKEN`, {retry: 'never'})
  if (error === 'channel_not_found' || error === 'not_in_channel') {
    return new DeliveryError(`Slack answered ${error}: check the channel option and invite the bot to that channel`, {retry: 'never'})
  }
  return new DeliveryError(`Slack answered ${error}`, {retry: 'never'})
}

/**
 * Slack adapter with two modes. With the `channel` option it is a bot
 * (`chat.postMessage` with BOT_TOKEN): the first message of an incident starts a thread
 * and every later update goes into it (`thread_ts` = the first message's ts; Slack threads
 * are flat), messages can be deleted and `whoami` calls `auth.test`. Without it, it posts
 * to an incoming webhook (WEBHOOK_URL): no ts comes back, so no thread, no delete and no
 * whoami. Text is escaped in both modes so mentions in facts ping nobody.
 */
export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs}): ChannelAdapter => {
  const slackChannel = typeof channel.options.channel === 'string' && channel.options.channel ? channel.options.channel : undefined
  if (!slackChannel) return webhookAdapter(channel.name, credentials.WEBHOOK_URL ?? '', timeoutMs)

  const apiUrl = typeof channel.options.api_url === 'string' ? channel.options.api_url : undefined
  const base = apiUrl ?? SLACK_API
  const headers = {authorization: `Bearer ${credentials.BOT_TOKEN ?? ''}`}

  /**
   * Calls one Web API method; returns the `ok: true` body or throws a classified error.
   * Write methods take JSON; read methods (auth.test, chat.getPermalink) only take a form.
   */
  async function call(method: string, args: {json: Record<string, unknown>} | {form: Record<string, string>}, signal: AbortSignal, ms = timeoutMs): Promise<Record<string, unknown>> {
    const res = await httpRequest('Slack', {method: 'POST', url: joinUrl(base, method), headers, ...args, timeoutMs: ms, signal})
    if (res.status !== 200) throw errorFromResponse('Slack', res, excerpt(res.text))
    const body = res.json as {ok?: boolean; error?: string} | undefined
    if (!body || typeof body !== 'object') throw new DeliveryError(`Slack answered ${method} with something other than JSON`, {retry: 'never'})
    if (body.ok !== true) throw classifySlackError(String(body.error ?? 'unknown_error'), res, channel.name)
    return body as Record<string, unknown>
  }

  return {
    describeTarget: () => `Slack channel ${slackChannel} as the bot of ${envPrefix(channel.name)}BOT_TOKEN${apiUrl ? ` via ${apiUrl}` : ''}`,

    async post({text, threadRoot, signal}): Promise<RemotePost> {
      // Only a bot-mode root (it has a channel) can be a thread; post where that root is.
      const root = threadRoot?.ref?.channel ? threadRoot : undefined
      const target = root?.ref?.channel ?? slackChannel
      const body = await call('chat.postMessage', {json: {channel: target, text: escapeSlackText(text), ...(root && {thread_ts: root.id})}}, signal)
      const ts = String(body.ts)
      const postedIn = String(body.channel ?? target)
      let url: string | undefined
      try {
        const link = await call('chat.getPermalink', {form: {channel: postedIn, message_ts: ts}}, signal, Math.min(timeoutMs, PERMALINK_TIMEOUT_MS))
        if (typeof link.permalink === 'string') url = link.permalink
      } catch {
        // The message is out; a missing link must not make the publisher send it again.
      }
      return {id: ts, ref: {channel: postedIn}, ...(url && {url})}
    },

    async delete(remote, signal) {
      const where = remote.ref?.channel
      if (!where) throw new DeliveryError(`Slack message ${remote.id} was sent through a webhook and cannot be deleted`, {retry: 'never'})
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
      const res = await httpRequest('Slack', {method: 'POST', url: webhookUrl, json: {text: escapeSlackText(text)}, timeoutMs, signal})
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

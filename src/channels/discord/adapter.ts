import type {RemotePost} from '../../services/incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../../services/publish/adapter.js'
import {envPrefix} from '../env-prefix.js'
import {errorFromResponse, httpRequest, joinUrl, type HttpResponse} from '../../infrastructure/http.js'
import {checkAdapterEndpoint, endpointSetting} from '../../services/publish/endpoint-trust.js'
import {optionsOf} from '../kind.js'
import type {discordKind} from './kind.js'

interface DiscordErrorBody {
  code?: number
  message?: string
  errors?: unknown
  retry_after?: number
  global?: boolean
}

interface DiscordWebhook {
  id?: string
  name?: string | null
  channel_id?: string
  guild_id?: string | null
}

/** The URL lookup is a nicety: never hold a published message up for long over it. */
const LOOKUP_TIMEOUT_MS = 5000

function excerpt(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200)
}

/** The first `_errors` entry of a 50035 "Invalid Form Body", with its field path (`content: Must be 2000 or fewer in length.`). */
function firstFieldError(errors: unknown, path: string[] = []): string | undefined {
  if (!errors || typeof errors !== 'object') return undefined
  const list = (errors as {_errors?: Array<{message?: string}>})._errors
  if (Array.isArray(list) && list[0]?.message) return `${path.join('.') || 'body'}: ${list[0].message}`
  for (const [key, value] of Object.entries(errors)) {
    if (key === '_errors') continue
    const found = firstFieldError(value, [...path, key])
    if (found) return found
  }
  return undefined
}

/** Maps a failed Discord answer onto what the publisher does next. */
export function classifyDiscordError(res: HttpResponse, channel: string, now: Date = new Date()): DeliveryError {
  const body = (res.json ?? {}) as DiscordErrorBody
  if (res.status === 429) {
    // The body's retry_after (seconds, fractional) is exact; Retry-After is rounded.
    const seconds = Number(body.retry_after)
    const retryAt = Number.isFinite(seconds) && seconds >= 0 ? new Date(now.getTime() + seconds * 1000) : undefined
    return errorFromResponse('Discord', res, '', {retryAt, now})
  }
  const field = body.code === 50035 ? firstFieldError(body.errors) : undefined
  const detail = body.message
    ? `${excerpt(body.message)}${body.code ? ` (code ${body.code})` : ''}${field ? `: ${excerpt(field)}` : ''}`
    : excerpt(res.text)
  if (res.status === 401 || body.code === 50027 || body.code === 10015) {
    return new DeliveryError(
      `Discord rejected the webhook (${res.status} ${detail}); check ${envPrefix(channel)}WEBHOOK_URL`,
      {retry: 'never'},
    )
  }
  return errorFromResponse('Discord', res, detail, {now})
}

/**
 * Discord webhook adapter. Every update is a new message in the webhook's channel (no
 * thread). `allowed_mentions: {parse: []}` goes with every message, so `@everyone`, `@here`,
 * roles and users in a fact ping nobody. `api_url` replaces the webhook URL's origin and
 * keeps its path (a proxy or a test fake). The message URL needs the guild id, which only
 * the webhook object has: it is fetched once, best effort, after the first post.
 */
export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  checkAdapterEndpoint({channel, credentials, env})
  const apiUrl = endpointSetting({channel, credentials, env}, 'api_url')
  const {username, avatar_url: avatarUrl} = optionsOf(channel.kind as typeof discordKind, channel.options)
  const variable = `${envPrefix(channel.name)}WEBHOOK_URL`
  const raw = credentials.WEBHOOK_URL ?? ''
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined
  let guildId: Promise<string | undefined> | undefined

  /** The webhook URL (with any suffix path), on api_url's origin if set; never in a message. */
  function webhookUrl(suffix = '', query: Record<string, string> = {}): string {
    if (!parsed) throw new DeliveryError(`${variable} is not a valid URL`, {retry: 'never'})
    const url = new URL(apiUrl ? joinUrl(apiUrl, parsed.pathname) : parsed.origin + parsed.pathname)
    url.pathname = url.pathname.replace(/\/+$/, '') + suffix
    // Keep the webhook's own query (thread_id for a forum thread); ours are set on top.
    for (const [k, v] of parsed.searchParams) if (k !== 'wait') url.searchParams.set(k, v)
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
    return url.toString()
  }

  async function getWebhook(signal: AbortSignal, ms = timeoutMs): Promise<DiscordWebhook> {
    const res = await httpRequest('Discord', {
      method: 'GET',
      url: webhookUrl(),
      timeoutMs: ms,
      signal,
      secretPath: true,
    })
    if (res.status !== 200) throw classifyDiscordError(res, channel.name)
    return (res.json ?? {}) as DiscordWebhook
  }

  /** The server id for message URLs, looked up once; a failed lookup only costs the URL. */
  function lookupGuild(signal: AbortSignal): Promise<string | undefined> {
    guildId ??= getWebhook(signal, Math.min(timeoutMs, LOOKUP_TIMEOUT_MS))
      .then((hook) => hook.guild_id ?? undefined)
      .catch(() => {
        guildId = undefined
        return undefined
      })
    return guildId
  }

  return {
    describeTarget: () =>
      `Discord webhook ${parsed?.pathname.match(/webhooks\/(\d+)/)?.[1] ?? `of ${variable}`}${apiUrl ? ` via ${apiUrl}` : ''}`,

    async post({text, signal}): Promise<RemotePost> {
      const json = {
        content: text,
        ...(username && {username}),
        ...(avatarUrl && {avatar_url: avatarUrl}),
        allowed_mentions: {parse: []},
      }
      const res = await httpRequest('Discord', {
        method: 'POST',
        url: webhookUrl('', {wait: 'true'}),
        json,
        timeoutMs,
        signal,
        secretPath: true,
      })
      if (res.status !== 200) throw classifyDiscordError(res, channel.name)
      const message = (res.json ?? {}) as {id?: string; channel_id?: string; guild_id?: string}
      if (typeof message.id !== 'string')
        throw new DeliveryError(`Discord answered ${res.status} without a message id`, {retry: 'never'})
      const guild = message.guild_id ?? (await lookupGuild(signal))
      const url =
        guild && message.channel_id
          ? `https://discord.com/channels/${guild}/${message.channel_id}/${message.id}`
          : undefined
      return {id: message.id, ...(message.channel_id && {ref: {channel_id: message.channel_id}}), ...(url && {url})}
    },

    async delete(remote, signal) {
      const res = await httpRequest('Discord', {
        method: 'DELETE',
        url: webhookUrl(`/messages/${encodeURIComponent(remote.id)}`),
        timeoutMs,
        signal,
        secretPath: true,
      })
      if (res.status !== 204 && res.status !== 200) throw classifyDiscordError(res, channel.name)
    },

    async whoami(signal) {
      const hook = await getWebhook(signal)
      return `${hook.name ?? 'unnamed webhook'} (channel ${hook.channel_id ?? '?'}${hook.guild_id ? `, server ${hook.guild_id}` : ''})`
    },
  }
}

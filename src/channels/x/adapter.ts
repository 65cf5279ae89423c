import http from 'node:http'
import https from 'node:https'
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  TwitterApi,
  type ITwitterApiClientPlugin,
} from 'twitter-api-v2'
import type {RemotePost} from '../../services/incident/events.js'
import {envPrefix} from '../env-prefix.js'
import {
  DeliveryError,
  statusMayHaveArrived,
  type AdapterFactory,
  type ChannelAdapter,
} from '../../services/publish/adapter.js'
import {checkAdapterEndpoint, endpointSetting} from '../../services/publish/endpoint-trust.js'
import {networkError} from '../../infrastructure/http.js'

const X_API = /^https:\/\/api\.(?:x|twitter)\.com/

/**
 * Sends every request of the client to `apiUrl` instead of X (a proxy or a test fake).
 * The URL is rewritten before the library signs it, so OAuth signatures match.
 */
function redirectPlugin(apiUrl: string | undefined, timeoutMs: number): ITwitterApiClientPlugin {
  const base = apiUrl?.replace(/\/+$/, '')
  return {
    onBeforeRequestConfig({params}) {
      if (base) params.url = params.url.replace(X_API, () => base)
      params.timeout ??= timeoutMs
    },
    // Node's https never follows redirects, and twitter-api-v2 resolves any answer under 400
    // as a success: a 3xx (the only answers with a Location and no `data`) is a failure here.
    onAfterRequest({response}) {
      const location = response.headers?.location
      const body = response.data as {data?: unknown} | undefined
      if (location && (typeof body !== 'object' || body === null || !('data' in body))) {
        const where = String(location)
        const shown = URL.canParse(where) ? new URL(where).origin + new URL(where).pathname : where
        throw new DeliveryError(
          `X answered a redirect to ${shown}; Candor does not follow redirects: point api_url at the new URL`,
          {retry: 'never'},
        )
      }
    },
  }
}

/** When a 24-hour limit (the account's, else the app's) is used up: X answers 429 with `x-user-limit-24hour-remaining: 0`. */
function dailyLimitReset(e: ApiResponseError): {who: 'account' | 'app'; reset?: Date} | undefined {
  const header = (name: string) => Number(e.headers?.[name] ?? NaN)
  const limits = [
    {
      who: 'account' as const,
      remaining: e.rateLimit?.userDay?.remaining ?? header('x-user-limit-24hour-remaining'),
      reset: e.rateLimit?.userDay?.reset ?? header('x-user-limit-24hour-reset'),
    },
    {
      who: 'app' as const,
      remaining: e.rateLimit?.day?.remaining ?? header('x-app-limit-24hour-remaining'),
      reset: e.rateLimit?.day?.reset ?? header('x-app-limit-24hour-reset'),
    },
  ]
  const spent = limits.find((l) => l.remaining === 0)
  if (!spent) return undefined
  return {who: spent.who, ...(Number.isFinite(spent.reset) && spent.reset > 0 && {reset: new Date(spent.reset * 1000)})}
}

function describeApiError(e: ApiResponseError): string {
  const data = (e.data ?? {}) as {detail?: string; title?: string; errors?: Array<{message?: string}>}
  return data.detail || data.errors?.[0]?.message || data.title || e.message
}

/** Maps twitter-api-v2's errors onto what the publisher needs to decide. */
export function classifyXError(error: unknown, channel: string, apiUrl?: string): DeliveryError {
  if (error instanceof DeliveryError) return error
  if (error instanceof ApiResponseError) {
    const status = error.code
    const detail = describeApiError(error)
    const daily = status === 429 ? dailyLimitReset(error) : undefined
    if (daily) {
      // Waiting the 15-minute window out would only hit the same cap again: fail this channel now.
      const when = daily.reset
        ? `resets at ${daily.reset.toISOString().replace(/\.\d{3}Z$/, 'Z')}`
        : 'resets within 24 hours'
      return new DeliveryError(
        `X's 24-hour post limit for this ${daily.who} is used up (429); it ${when}, then run candor retry`,
        {retry: 'never'},
      )
    }
    if (status === 429) {
      const reset = error.rateLimit?.reset ?? Number(error.headers?.['x-rate-limit-reset'])
      const retryAt = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : new Date(Date.now() + 60_000)
      return new DeliveryError(`X rate limit reached (429)`, {retry: 'rate-limit', retryAt})
    }
    if (status >= 500)
      return new DeliveryError(`X answered ${status}: ${detail}`, {
        retry: 'transient',
        mayHaveArrived: statusMayHaveArrived(status),
      })
    if (status === 401)
      return new DeliveryError(
        `X rejected the credentials (401 ${detail}); check ${envPrefix(channel)}APP_KEY, _APP_SECRET, _ACCESS_TOKEN and _ACCESS_SECRET`,
        {retry: 'never'},
      )
    if (status === 403 && /duplicate/i.test(detail))
      return new DeliveryError(`X refused a duplicate post (403): the same text is already on the account`, {
        retry: 'never',
      })
    return new DeliveryError(`X answered ${status}: ${detail}`, {retry: 'never'})
  }
  if (error instanceof ApiRequestError) {
    // twitter-api-v2 stores the socket error as `error` while its getter reads `requestError`.
    const cause = error.requestError ?? (error as unknown as {_options?: {error?: unknown}})._options?.error ?? error
    return networkError('X', apiUrl ?? 'https://api.x.com', cause)
  }
  if (error instanceof ApiPartialResponseError) {
    const cause = (error as ApiPartialResponseError).responseError?.message ?? error.message
    return new DeliveryError(`X's answer was cut off: ${cause}`, {retry: 'transient', mayHaveArrived: true})
  }
  return new DeliveryError(`X: ${(error as Error)?.message ?? String(error)}`, {retry: 'transient'})
}

/**
 * One keep-alive agent per protocol for the whole process: every X channel (several
 * accounts, or one account behind several channel names) talking to the same host
 * reuses the same pooled connections. Idle pooled sockets are unref'd, so they never
 * keep the process alive.
 */
let sharedHttpAgent: http.Agent | undefined
let sharedHttpsAgent: https.Agent | undefined

function sharedAgent(apiUrl: string | undefined): http.Agent {
  if (apiUrl?.startsWith('http://')) return (sharedHttpAgent ??= new http.Agent({keepAlive: true}))
  return (sharedHttpsAgent ??= new https.Agent({keepAlive: true}))
}

export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  checkAdapterEndpoint({channel, credentials, env})
  const apiUrl = endpointSetting({channel, credentials, env}, 'api_url')
  const httpAgent = sharedAgent(apiUrl)
  const client = new TwitterApi(
    {
      appKey: credentials.APP_KEY,
      appSecret: credentials.APP_SECRET,
      accessToken: credentials.ACCESS_TOKEN,
      accessSecret: credentials.ACCESS_SECRET,
    },
    {httpAgent, plugins: [redirectPlugin(apiUrl, timeoutMs)]},
  )

  return {
    describeTarget: () => `X account of ${envPrefix(channel.name)}ACCESS_TOKEN${apiUrl ? ` via ${apiUrl}` : ''}`,

    async post({text, replyTo, signal}): Promise<RemotePost> {
      try {
        const res = await untilAborted(
          client.v2.tweet(text, replyTo ? {reply: {in_reply_to_tweet_id: replyTo.id}} : {}),
          signal,
        )
        const id = res.data.id
        return {id, url: `https://x.com/i/web/status/${id}`}
      } catch (error) {
        throw classifyXError(error, channel.name, apiUrl)
      }
    },

    async findPublished({text, replyTo}): Promise<RemotePost | null> {
      // X rewrites links to t.co in the stored text: compare with every URL masked.
      const comparable = (t: string) =>
        t
          .normalize('NFC')
          .replace(/https?:\/\/\S+/g, '<url>')
          .trim()
      try {
        const me = await client.v2.me()
        const timeline = await client.v2.userTimeline(me.data.id, {
          max_results: 20,
          exclude: ['retweets'],
          'tweet.fields': ['referenced_tweets'],
        })
        const wanted = comparable(text)
        const match = timeline.tweets.find(
          (t) =>
            comparable(t.text) === wanted &&
            (!replyTo ||
              (t.referenced_tweets ?? []).some((r) => r.type === 'replied_to' && r.id === replyTo.id) ||
              !t.referenced_tweets),
        )
        return match ? {id: match.id, url: `https://x.com/i/web/status/${match.id}`} : null
      } catch (error) {
        throw classifyXError(error, channel.name, apiUrl)
      }
    },

    async delete(remote, signal) {
      try {
        await untilAborted(client.v2.deleteTweet(remote.id), signal)
      } catch (error) {
        throw classifyXError(error, channel.name, apiUrl)
      }
    },

    async whoami() {
      try {
        const me = await client.v2.me()
        return `@${me.data.username}`
      } catch (error) {
        throw classifyXError(error, channel.name, apiUrl)
      }
    },
  }
}

/**
 * twitter-api-v2 takes no AbortSignal: stop waiting for its answer when the signal aborts (the
 * Ctrl-C grace is over), as the fetch-based adapters do. The request itself ends at its timeout.
 */
function untilAborted<T>(request: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, {once: true})
    request.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

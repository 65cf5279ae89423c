import type {RemotePost} from '../../services/incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../../services/publish/adapter.js'
import {envPrefix} from '../env-prefix.js'
import {errorFromResponse, httpRequest, joinUrl, type HttpResponse} from '../../infrastructure/http.js'
import {checkAdapterEndpoint, endpointSetting} from '../../services/publish/endpoint-trust.js'
import {optionsOf} from '../kind.js'
import type {facebookKind} from './kind.js'

const GRAPH_API = 'https://graph.facebook.com'
/**
 * The Graph API version Candor speaks unless the channel's `graph_version` says otherwise:
 * the newest in Meta's changelog (https://developers.facebook.com/docs/graph-api/changelog),
 * introduced 29 July 2026; v25.0 is available until 29 July 2028.
 */
export const GRAPH_VERSION = 'v26.0'
/** A version at the end of an api_url (`…/v21.0`), which older playbooks put there. */
const VERSION_AT_END = /\/(v\d+\.\d+)\/*$/

/** Graph throttling codes: app (4), user (17), Page (32), custom (613), Pages business use case (80001). Sent as 400/403, never 429. */
const THROTTLING = new Set([4, 17, 32, 613, 80001])
/** How many of the Page's latest posts a lookup reads. */
const LOOKUP_LIMIT = 25
/** How long to wait when a throttling error does not say. */
const DEFAULT_THROTTLE_MS = 5 * 60_000

interface GraphError {
  message?: string
  type?: string
  code?: number
  error_subcode?: number
  is_transient?: boolean
  fbtrace_id?: string
}

/** One line of at most 200 characters, for bodies that are not Graph errors (a proxy's page). */
function excerpt(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200)
}

/**
 * When a throttled Page regains access: the largest `estimated_time_to_regain_access`
 * (minutes) in `X-Business-Use-Case-Usage`, or undefined when it is absent or zero.
 */
export function regainAccessAt(headers: Headers, now: Date = new Date()): Date | undefined {
  const raw = headers.get('x-business-use-case-usage')
  if (!raw) return undefined
  try {
    const usage = JSON.parse(raw) as Record<string, Array<{estimated_time_to_regain_access?: unknown}>>
    const minutes = Math.max(
      0,
      ...Object.values(usage)
        .flatMap((entries) => (Array.isArray(entries) ? entries : []))
        .map((e) => Number(e?.estimated_time_to_regain_access) || 0),
    )
    return minutes > 0 ? new Date(now.getTime() + minutes * 60_000) : undefined
  } catch {
    return undefined
  }
}

/** Maps a failed Graph API answer onto what the publisher does next. */
export function classifyGraphError(res: HttpResponse, channel: string, now: Date = new Date()): DeliveryError {
  const error = (res.json as {error?: GraphError} | undefined)?.error
  if (!error || typeof error !== 'object') return errorFromResponse('Facebook', res, excerpt(res.text), {now})
  const code = Number(error.code)
  const message = excerpt(error.message ?? 'unknown error')
  const detail = `${message} (code ${code}${error.error_subcode ? `, subcode ${error.error_subcode}` : ''})`
  if (THROTTLING.has(code) || res.status === 429) {
    const retryAt = regainAccessAt(res.headers, now) ?? new Date(now.getTime() + DEFAULT_THROTTLE_MS)
    return new DeliveryError(`Facebook rate limit reached (${res.status}): ${detail}`, {retry: 'rate-limit', retryAt})
  }
  if (code === 190 || code === 102) {
    return new DeliveryError(
      `Facebook rejected the Page token (${res.status}): ${detail}; check ${envPrefix(channel)}PAGE_TOKEN`,
      {retry: 'never'},
    )
  }
  if (code === 506)
    return new DeliveryError(`Facebook refused a duplicate post (506): the same text is already on the Page`, {
      retry: 'never',
    })
  if (code === 368)
    return new DeliveryError(`Facebook blocked the post as against its policies (368): ${message}`, {retry: 'never'})
  // Codes 1 and 2 are Graph's "unknown error" and "service temporarily unavailable".
  if (res.status >= 500 || error.is_transient === true || code === 1 || code === 2) {
    return new DeliveryError(`Facebook answered ${res.status}: ${detail}`, {retry: 'transient'})
  }
  return new DeliveryError(`Facebook answered ${res.status}: ${detail}`, {retry: 'never'})
}

/**
 * Facebook Page adapter (Graph API). Each update is a new Page post: comments are not a
 * thread people follow, so `replyTo` is ignored. The token travels in the form body (posts)
 * or the Authorization header (reads, deletes), never in a URL. The post URL is built as
 * `https://www.facebook.com/{page-id}_{post-id}` instead of asking for `permalink_url`, so
 * a published post never fails (and gets retried into a duplicate) over a second call.
 * After a crash, `findPublished` looks for the exact message among the Page's latest posts.
 */
export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  checkAdapterEndpoint({channel, credentials, env})
  const apiUrl = endpointSetting({channel, credentials, env}, 'api_url')
  const root = (apiUrl ?? GRAPH_API).replace(/\/+$/, '')
  const options = optionsOf(channel.kind as typeof facebookKind, channel.options)
  const version = options.graph_version ?? VERSION_AT_END.exec(root)?.[1] ?? GRAPH_VERSION
  const base = `${root.replace(VERSION_AT_END, '')}/${version}`
  const pageId = options.page_id
  const token = credentials.PAGE_TOKEN ?? ''
  const bearer = {authorization: `Bearer ${token}`}

  return {
    describeTarget: () => `Facebook Page ${pageId}${apiUrl ? ` via ${apiUrl}` : ''}`,

    async post({text, post, signal}): Promise<RemotePost> {
      const form: Record<string, string> = {message: text, access_token: token}
      if (post.link) form.link = post.link
      const res = await httpRequest('Facebook', {
        method: 'POST',
        url: joinUrl(base, `${encodeURIComponent(pageId)}/feed`),
        form,
        timeoutMs,
        signal,
      })
      if (res.status !== 200) throw classifyGraphError(res, channel.name)
      const id = (res.json as {id?: unknown} | undefined)?.id
      if (typeof id !== 'string' || !id)
        throw new DeliveryError(`Facebook answered ${res.status} without a post id`, {retry: 'never'})
      return {id, url: `https://www.facebook.com/${id}`}
    },

    async findPublished({text, signal}): Promise<RemotePost | null> {
      // `/posts` holds only what the Page itself published (`/feed` adds visitors' posts).
      const query = new URLSearchParams({fields: 'id,message,created_time', limit: String(LOOKUP_LIMIT)})
      const res = await httpRequest('Facebook', {
        method: 'GET',
        url: `${joinUrl(base, `${encodeURIComponent(pageId)}/posts`)}?${query}`,
        headers: bearer,
        timeoutMs,
        signal,
      })
      if (res.status !== 200) throw classifyGraphError(res, channel.name)
      const data = (res.json as {data?: unknown} | undefined)?.data
      if (!Array.isArray(data))
        throw new DeliveryError(`Facebook answered ${res.status} without a list of posts`, {retry: 'never'})
      const match = (data as Array<{id?: unknown; message?: unknown}>).find(
        (p) => typeof p?.id === 'string' && p.message === text,
      )
      return match ? {id: match.id as string, url: `https://www.facebook.com/${match.id as string}`} : null
    },

    async delete(remote, signal) {
      const res = await httpRequest('Facebook', {
        method: 'DELETE',
        url: joinUrl(base, encodeURIComponent(remote.id)),
        headers: bearer,
        timeoutMs,
        signal,
      })
      if (res.status !== 200) throw classifyGraphError(res, channel.name)
      if ((res.json as {success?: unknown} | undefined)?.success !== true)
        throw new DeliveryError(`Facebook did not confirm deleting post ${remote.id}`, {retry: 'never'})
    },

    async whoami(signal) {
      const res = await httpRequest('Facebook', {
        method: 'GET',
        url: joinUrl(base, 'me?fields=id,name'),
        headers: bearer,
        timeoutMs,
        signal,
      })
      if (res.status !== 200) throw classifyGraphError(res, channel.name)
      const me = (res.json ?? {}) as {id?: string; name?: string}
      // A user token answers /me with the person, not the Page: say so rather than look fine.
      if (me.id !== pageId)
        return `${me.name ?? 'unknown'} (id ${me.id ?? '?'}; not Page ${pageId}: posting needs that Page's token)`
      return `${me.name ?? 'unknown'} (Page ${me.id})`
    },
  }
}

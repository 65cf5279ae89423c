import type {RemotePost} from '../../services/incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../../services/publish/adapter.js'
import {envPrefix} from '../env-prefix.js'
import {errorFromResponse, httpRequest, joinUrl, type HttpResponse} from '../../infrastructure/http.js'
import {checkAdapterEndpoint, endpointSetting} from '../../services/publish/endpoint-trust.js'
import {optionsOf} from '../kind.js'
import type {mastodonKind} from './kind.js'

/**
 * Mastodon through its REST API (`POST /api/v1/statuses`) with plain fetch.
 * Every status post carries an `Idempotency-Key` (the publisher's key for the part), so a
 * retry after a lost answer gets the original status back instead of posting twice.
 * Mastodon keeps the key for an hour only, so after a crash `findPublished` also looks for
 * the status among the account's recent ones.
 */

const PLATFORM = 'Mastodon'

/** The fields of a Mastodon Status entity that Candor uses. */
interface Status {
  id: string
  url?: string | null
  uri?: string
  content?: string
  in_reply_to_id?: string | null
}

/** Reading the instance's limits must never hold a publish up for long. */
const LIMITS_TIMEOUT_MS = 5000

/** How many recent statuses a lookup reads (Mastodon's maximum page). */
const LOOKUP_LIMIT = 40

const ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' '}

/**
 * The plain text of a status's HTML `content`: line breaks and paragraphs back to newlines,
 * tags dropped (a link's hidden `https://` spans keep their text), entities decoded.
 */
export function statusText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? entity
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1))
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity
    })
}

/**
 * Text as compared after an interrupted send: URLs masked (Mastodon may shorten how a link
 * shows), `@user@domain` mentions as `@user`'s placeholder, whitespace collapsed.
 */
function comparable(text: string): string {
  return text
    .normalize('NFC')
    .replace(/https?:\/\/\S+/gi, '<url>')
    .replace(/(^|\s)@\w+(?:@[\w.-]*\w)?/g, '$1@<mention>')
    .replace(/\s+/g, ' ')
    .trim()
}

/** Mastodon's own error text (`{"error": "…", "error_description"?: "…"}`), on one line. */
function errorText(res: HttpResponse): string {
  const body = res.json as {error?: unknown; error_description?: unknown} | undefined
  const parts = [body?.error, body?.error_description].filter((s): s is string => typeof s === 'string' && s !== '')
  return parts.join(': ').replace(/\s+/g, ' ').trim().slice(0, 300)
}

function isOk(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300
}

export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  const options = optionsOf(channel.kind as typeof mastodonKind, channel.options)
  checkAdapterEndpoint({channel, credentials, env})
  // The instance travels with the token (CANDOR_<CHANNEL>_INSTANCE), else the playbook's.
  const instance = endpointSetting({channel, credentials, env}, 'instance')
  // api_url (a proxy or test fake) wins over the instance for where requests go.
  const base = endpointSetting({channel, credentials, env}, 'api_url') ?? instance
  const visibility = options.visibility
  // Mastodon wants an ISO 639 code: the playbook's `language`, else the primary subtag of `locale`.
  const language = options.language?.trim() || options.locale?.trim().split(/[-_]/)[0] || undefined
  const tokenVar = `${envPrefix(channel.name)}ACCESS_TOKEN`

  function endpoint(path: string): string {
    if (!base)
      throw new DeliveryError(`Mastodon channel ${channel.name} has no instance: set "instance" in the playbook`, {
        retry: 'never',
      })
    return joinUrl(base, `api/v1/${path}`)
  }

  const auth = () => ({authorization: `Bearer ${credentials.ACCESS_TOKEN}`})
  let accountId: string | undefined

  /** The account the token posts as (cached): `verify_credentials`. */
  async function account(signal: AbortSignal): Promise<{id: string; acct: string}> {
    const res = await httpRequest(PLATFORM, {
      method: 'GET',
      url: endpoint('accounts/verify_credentials'),
      headers: auth(),
      timeoutMs,
      signal,
    })
    if (!isOk(res)) throw failure(res)
    const me = res.json as {id?: unknown; acct?: unknown} | undefined
    if (typeof me?.id !== 'string' || typeof me.acct !== 'string') throw notMastodon(res)
    accountId = me.id
    return {id: me.id, acct: me.acct}
  }

  const remoteOf = (status: Status): RemotePost => {
    const url = status.url ?? status.uri
    return url ? {id: status.id, url} : {id: status.id}
  }

  function failure(res: HttpResponse): DeliveryError {
    const detail = errorText(res)
    if (res.status === 401) {
      return new DeliveryError(
        `Mastodon rejected the access token (401${detail ? `: ${detail}` : ''}); check ${tokenVar}`,
        {retry: 'never'},
      )
    }
    if (res.status === 403 && /scope/i.test(detail)) {
      return new DeliveryError(
        `Mastodon answered 403: ${detail}; ${tokenVar} needs the write:statuses, read:accounts and read:statuses scopes`,
        {retry: 'never'},
      )
    }
    return errorFromResponse(PLATFORM, res, detail)
  }

  /** A 2xx that is not a Mastodon entity means `instance`/`api_url` points somewhere else. */
  function notMastodon(res: HttpResponse): DeliveryError {
    return new DeliveryError(
      `Mastodon answered ${res.status} with no ${res.json === undefined ? 'JSON' : 'status'}; is ${base} a Mastodon instance?`,
      {retry: 'never'},
    )
  }

  return {
    describeTarget: () =>
      `Mastodon account of ${tokenVar} on ${instance ?? '(no instance set)'}${base !== instance ? ` via ${base}` : ''}${visibility ? `, ${visibility}` : ''}`,

    async post({text, replyTo, idempotencyKey, signal}): Promise<RemotePost> {
      const res = await httpRequest(PLATFORM, {
        method: 'POST',
        url: endpoint('statuses'),
        headers: {...auth(), 'idempotency-key': idempotencyKey},
        json: {
          status: text,
          ...(replyTo && {in_reply_to_id: replyTo.id}),
          ...(visibility && {visibility}),
          ...(language && {language}),
        },
        timeoutMs,
        signal,
      })
      if (!isOk(res)) throw failure(res)
      const status = res.json as Partial<Status> | undefined
      if (typeof status?.id !== 'string') throw notMastodon(res)
      return remoteOf(status as Status)
    },

    /** The instance's own limits: `configuration.statuses` of `GET /api/v2/instance` (public, no token). */
    async readLimits(signal) {
      if (!base)
        throw new DeliveryError(`Mastodon channel ${channel.name} has no instance: set "instance" in the playbook`, {
          retry: 'never',
        })
      const res = await httpRequest(PLATFORM, {
        method: 'GET',
        url: joinUrl(base, 'api/v2/instance'),
        timeoutMs: Math.min(timeoutMs, LIMITS_TIMEOUT_MS),
        signal,
      })
      if (!isOk(res)) throw failure(res)
      const statuses = (
        res.json as
          | {configuration?: {statuses?: {max_characters?: unknown; characters_reserved_per_url?: unknown}}}
          | undefined
      )?.configuration?.statuses
      const max = statuses?.max_characters
      const url = statuses?.characters_reserved_per_url
      if (typeof max !== 'number' || !Number.isInteger(max) || max <= 0) {
        throw new DeliveryError(
          `Mastodon answered ${res.status} without configuration.statuses.max_characters; is ${base} a Mastodon instance?`,
          {retry: 'never'},
        )
      }
      return {maxLength: max, ...(typeof url === 'number' && Number.isInteger(url) && url >= 0 && {urlLength: url})}
    },

    /** A repeat of a part within the hour returns the original status (Idempotency-Key). */
    idempotent: true,

    async findPublished({text, replyTo, signal}): Promise<RemotePost | null> {
      // The key may have expired (an hour): look at the account's recent statuses. Reading
      // them needs the read:statuses scope; without it the lookup fails and retry falls back
      // on the key.
      const id = accountId ?? (await account(signal)).id
      const query = new URLSearchParams({limit: String(LOOKUP_LIMIT), exclude_reblogs: 'true'})
      const res = await httpRequest(PLATFORM, {
        method: 'GET',
        url: `${endpoint(`accounts/${encodeURIComponent(id)}/statuses`)}?${query}`,
        headers: auth(),
        timeoutMs,
        signal,
      })
      if (!isOk(res)) throw failure(res)
      if (!Array.isArray(res.json)) throw notMastodon(res)
      const wanted = comparable(text)
      const match = (res.json as Status[]).find(
        (s) =>
          typeof s?.id === 'string' &&
          typeof s.content === 'string' &&
          comparable(statusText(s.content)) === wanted &&
          (!replyTo || s.in_reply_to_id === replyTo.id),
      )
      return match ? remoteOf(match) : null
    },

    async delete(remote, signal) {
      const res = await httpRequest(PLATFORM, {
        method: 'DELETE',
        url: endpoint(`statuses/${encodeURIComponent(remote.id)}`),
        headers: auth(),
        timeoutMs,
        signal,
      })
      // A 404 is not treated as done: Mastodon also answers 404 for another account's status.
      if (!isOk(res)) throw failure(res)
    },

    async whoami(signal) {
      const {acct} = await account(signal)
      // Local accounts' `acct` has no domain: the handle's domain is the instance's.
      return acct.includes('@') ? `@${acct}` : `@${acct}@${new URL(instance ?? base!).host}`
    },
  }
}

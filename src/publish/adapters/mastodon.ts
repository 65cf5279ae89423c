import type {RemotePost} from '../../incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../adapter.js'
import {envPrefix} from '../credentials.js'
import {errorFromResponse, httpRequest, joinUrl, type HttpResponse} from '../http.js'

/**
 * Mastodon through its REST API (`POST /api/v1/statuses`) with plain fetch.
 * Every status post carries an `Idempotency-Key` (the publisher's key for the part), so a
 * retry after a lost answer gets the original status back instead of posting twice.
 */

const PLATFORM = 'Mastodon'

/** The fields of a Mastodon Status entity that Candor uses. */
interface Status {
  id: string
  url?: string | null
  uri?: string
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
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

export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs}): ChannelAdapter => {
  const options = channel.options
  const instance = stringOption(options.instance)
  // api_url (a proxy or test fake) wins over the instance for where requests go.
  const base = stringOption(options.api_url) ?? instance
  const visibility = stringOption(options.visibility)
  // Mastodon wants an ISO 639 code: the playbook's `language`, else the primary subtag of `locale`.
  const language = stringOption(options.language) ?? stringOption(options.locale)?.split(/[-_]/)[0]
  const tokenVar = `${envPrefix(channel.name)}ACCESS_TOKEN`

  function endpoint(path: string): string {
    if (!base) throw new DeliveryError(`Mastodon channel ${channel.name} has no instance: set "instance" in the playbook`, {retry: 'never'})
    return joinUrl(base, `api/v1/${path}`)
  }

  const auth = () => ({authorization: `Bearer ${credentials.ACCESS_TOKEN}`})

  function failure(res: HttpResponse): DeliveryError {
    const detail = errorText(res)
    if (res.status === 401) {
      return new DeliveryError(`Mastodon rejected the access token (401${detail ? `: ${detail}` : ''}); check ${tokenVar}`, {retry: 'never'})
    }
    if (res.status === 403 && /scope/i.test(detail)) {
      return new DeliveryError(`Mastodon answered 403: ${detail}; ${tokenVar} needs the write:statuses and read:accounts scopes`, {retry: 'never'})
    }
    return errorFromResponse(PLATFORM, res, detail)
  }

  /** A 2xx that is not a Mastodon entity means `instance`/`api_url` points somewhere else. */
  function notMastodon(res: HttpResponse): DeliveryError {
    return new DeliveryError(`Mastodon answered ${res.status} with no ${res.json === undefined ? 'JSON' : 'status'}; is ${base} a Mastodon instance?`, {retry: 'never'})
  }

  return {
    describeTarget: () => `Mastodon account of ${tokenVar} on ${instance ?? '(no instance set)'}${base !== instance ? ` via ${base}` : ''}${visibility ? `, ${visibility}` : ''}`,

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
      const url = status.url ?? status.uri
      return url ? {id: status.id, url} : {id: status.id}
    },

    async delete(remote, signal) {
      const res = await httpRequest(PLATFORM, {method: 'DELETE', url: endpoint(`statuses/${encodeURIComponent(remote.id)}`), headers: auth(), timeoutMs, signal})
      // A 404 is not treated as done: Mastodon also answers 404 for another account's status.
      if (!isOk(res)) throw failure(res)
    },

    async whoami(signal) {
      const res = await httpRequest(PLATFORM, {method: 'GET', url: endpoint('accounts/verify_credentials'), headers: auth(), timeoutMs, signal})
      if (!isOk(res)) throw failure(res)
      const acct = (res.json as {acct?: unknown} | undefined)?.acct
      if (typeof acct !== 'string') throw notMastodon(res)
      // Local accounts' `acct` has no domain: the handle's domain is the instance's.
      return acct.includes('@') ? `@${acct}` : `@${acct}@${new URL(instance ?? base!).host}`
    },
  }
}

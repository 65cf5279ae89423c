import {createHash} from 'node:crypto'
import {extractUrlsWithIndices, TOP_LEVEL_DOMAIN} from '../../domain/text/twitter-text.js'
import type {RemotePost} from '../../services/incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../../services/publish/adapter.js'
import {envPrefix} from '../env-prefix.js'
import {errorFromResponse, httpRequest, joinUrl, type HttpResponse} from '../../infrastructure/http.js'
import {checkAdapterEndpoint, endpointSetting} from '../../services/publish/endpoint-trust.js'
import {optionsOf} from '../kind.js'
import type {blueskyKind} from './kind.js'

/**
 * Bluesky over XRPC with plain fetch (the `@atproto/api` agent takes over a second to load
 * and would leave `api_url` for the PDS named in the account's DID document).
 *
 * One session per adapter, created on first use and refreshed on `ExpiredToken`. Each part's
 * record key is a timestamp TID made before its first attempt and journaled with it
 * (`newPostKey`), the same on every retry in every process: the PDS never creates a second
 * record under a key, and `findPublished` after a crash is one `getRecord` of that key.
 */

const PLATFORM = 'Bluesky'
/** Resolving a mentioned handle must never hold a post up for long. */
const RESOLVE_TIMEOUT_MS = 5000
const DEFAULT_SERVICE = 'https://bsky.social'
const POST = 'app.bsky.feed.post'

interface Session {
  accessJwt: string
  refreshJwt: string
  did: string
  handle: string
}

interface StrongRef {
  uri: string
  cid: string
}

/** A link facet: UTF-8 byte offsets into the text, as the AT Protocol counts them. */
export interface LinkFacet {
  index: {byteStart: number; byteEnd: number}
  features: [{$type: 'app.bsky.richtext.facet#link'; uri: string}]
}

/**
 * Facets that make the links in `text` clickable (Bluesky shows plain text otherwise).
 * twitter-text finds the URLs, bare domains with a known TLD included; its UTF-16 indices
 * become UTF-8 byte offsets.
 */
export function linkFacets(text: string): LinkFacet[] {
  const bytes = (i: number) => Buffer.byteLength(text.slice(0, i), 'utf8')
  return extractUrlsWithIndices(text, {extractUrlsWithoutProtocol: true}).map(({url, indices: [start, end]}) => ({
    index: {byteStart: bytes(start), byteEnd: bytes(end)},
    features: [{$type: 'app.bsky.richtext.facet#link', uri: /^https?:\/\//i.test(url) ? url : `https://${url}`}],
  }))
}

/** A mention facet: the handle's DID, resolved before posting. */
export interface MentionFacet {
  index: {byteStart: number; byteEnd: number}
  features: [{$type: 'app.bsky.richtext.facet#mention'; did: string}]
}

/** A hashtag facet: the tag without its `#`. */
export interface TagFacet {
  index: {byteStart: number; byteEnd: number}
  features: [{$type: 'app.bsky.richtext.facet#tag'; tag: string}]
}

export type Facet = LinkFacet | MentionFacet | TagFacet

// What @atproto/api's RichText.detectFacets looks for (rich-text/util.ts), so Candor's posts
// show as the Bluesky app's own do.
const MENTION = /(^|\s|\()(@)([a-zA-Z0-9.-]+)(\b)/g
const TAG =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: the same character classes as Bluesky's own tag regex (@atproto/api rich text), \u20e2 included
  /(^|\s)[#＃]((?!\ufe0f)[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*[^\d\s\p{P}\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]+[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*)?/gu
const TRAILING_PUNCTUATION = /\p{P}+$/gu
const MAX_TAG_LENGTH = 64

/** Ends in a known top-level domain, as detectFacets's `isValidDomain` checks a handle. */
function isDomain(name: string): boolean {
  const dot = name.lastIndexOf('.')
  return dot > 0 && TOP_LEVEL_DOMAIN.test(name.slice(dot + 1))
}

const byteOffset = (text: string, i: number) => Buffer.byteLength(text.slice(0, i), 'utf8')

/**
 * The `@handle` mentions in `text` (handles ending in a known TLD, or `.test`), each with its
 * UTF-8 byte range including the `@`; their DIDs are resolved before posting.
 */
export function mentionsIn(text: string): Array<{handle: string; index: {byteStart: number; byteEnd: number}}> {
  const out: Array<{handle: string; index: {byteStart: number; byteEnd: number}}> = []
  for (const m of text.matchAll(MENTION)) {
    const handle = m[3]!
    if (!isDomain(handle) && !handle.endsWith('.test')) continue
    const start = text.indexOf(handle, m.index) - 1
    out.push({
      handle,
      index: {byteStart: byteOffset(text, start), byteEnd: byteOffset(text, start + handle.length + 1)},
    })
  }
  return out
}

/** Facets for the `#hashtags` in `text` (trailing punctuation left out, at most 64 characters), with UTF-8 byte offsets. */
export function tagFacets(text: string): TagFacet[] {
  const out: TagFacet[] = []
  for (const m of text.matchAll(TAG)) {
    const tag = (m[2] ?? '').trim().replace(TRAILING_PUNCTUATION, '')
    if (tag.length === 0 || tag.length > MAX_TAG_LENGTH) continue
    const start = m.index + m[1]!.length
    out.push({
      index: {byteStart: byteOffset(text, start), byteEnd: byteOffset(text, start + 1 + tag.length)},
      features: [{$type: 'app.bsky.richtext.facet#tag', tag}],
    })
  }
  return out
}

/**
 * Every facet of `text`, ordered by where it starts: links, hashtags, and mentions whose
 * handle `resolve` turns into a DID (a handle it cannot resolve stays plain text).
 */
export async function facetsOf(
  text: string,
  resolve: (handle: string) => Promise<string | undefined>,
): Promise<Facet[]> {
  const mentions = await Promise.all(
    mentionsIn(text).map(async ({handle, index}): Promise<MentionFacet | undefined> => {
      const did = await resolve(handle)
      return did ? {index, features: [{$type: 'app.bsky.richtext.facet#mention', did}]} : undefined
    }),
  )
  const all: Facet[] = [
    ...mentions.filter((f): f is MentionFacet => f !== undefined),
    ...linkFacets(text),
    ...tagFacets(text),
  ]
  return all.sort((a, b) => a.index.byteStart - b.index.byteStart)
}

const TID_CHARS = '234567abcdefghijklmnopqrstuvwxyz'

function encodeTid(value: bigint): string {
  let v = value
  let out = ''
  for (let i = 0; i < 13; i++) {
    out = TID_CHARS[Number(v & 31n)] + out
    v >>= 5n
  }
  return out
}

let lastMicros = 0n
/** One random clock id per process, as the TID spec suggests: two processes in the same microsecond still differ. */
const CLOCK_ID = BigInt(Math.floor(Math.random() * 1024))

/**
 * A TID as the AT Protocol defines it: microseconds since the Unix epoch (53 bits) and a
 * 10-bit clock id, in 13 base32-sortable characters; later calls always give larger keys.
 * The publisher journals it before the first attempt, so retries ask for the same record.
 */
export function timestampTid(now: number = Date.now()): string {
  const micros = BigInt(Math.floor(now)) * 1000n
  lastMicros = micros > lastMicros ? micros : lastMicros + 1n
  return encodeTid((lastMicros << 10n) | CLOCK_ID)
}

/**
 * The record key parts got before Candor journaled a key per part (see `timestampTid`): a
 * TID-shaped hash of the part's idempotency key and text, kept only so that a retry of such
 * a part still finds it. Its "timestamp" lies before 2005.
 */
export function recordKey(idempotencyKey: string, text: string): string {
  const digest = createHash('sha256').update(`${idempotencyKey}\n${text}`).digest()
  // 50 bits of "microseconds", then a 10-bit clock id: 60 bits in all.
  return encodeTid(digest.readBigUInt64BE(0) >> 4n)
}

/** Splits `at://did/collection/rkey`. */
function parseAtUri(uri: string): {repo: string; collection: string; rkey: string} | undefined {
  const m = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri)
  return m ? {repo: m[1]!, collection: m[2]!, rkey: m[3]!} : undefined
}

/** The XRPC error name and message (`{"error": "InvalidRequest", "message": "…"}`), on one line. */
function errorInfo(res: HttpResponse): {name?: string; detail: string} {
  const body = res.json as {error?: unknown; message?: unknown} | undefined
  const name = typeof body?.error === 'string' ? body.error : undefined
  const message = typeof body?.message === 'string' ? body.message.replace(/\s+/g, ' ').trim().slice(0, 300) : ''
  return {name, detail: message && name ? `${message} (${name})` : message || name || ''}
}

const isOk = (res: HttpResponse) => res.status >= 200 && res.status < 300
const isExpired = (res: HttpResponse) =>
  (res.status === 400 || res.status === 401) && errorInfo(res).name === 'ExpiredToken'

function strongRef(post: RemotePost, role: string): StrongRef {
  const cid = post.ref?.cid
  if (!cid)
    throw new DeliveryError(`cannot reply on Bluesky: the ${role} post ${post.id} has no recorded cid`, {
      retry: 'never',
    })
  return {uri: post.id, cid}
}

export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  const options = optionsOf(channel.kind as typeof blueskyKind, channel.options)
  checkAdapterEndpoint({channel, credentials, env})
  // Another PDS travels with the app password (CANDOR_<CHANNEL>_SERVICE), else the playbook's.
  const service = endpointSetting({channel, credentials, env}, 'service') ?? DEFAULT_SERVICE
  // api_url (a proxy or test fake) wins over the service for where requests go.
  const base = endpointSetting({channel, credentials, env}, 'api_url') ?? service
  const locale = options.locale?.trim() || undefined
  const langs = options.langs?.length ? options.langs : locale ? [locale] : undefined
  const prefix = envPrefix(channel.name)
  /** DIDs of the handles mentioned so far (undefined: not resolvable). */
  const dids = new Map<string, Promise<string | undefined>>()
  /** Record keys this adapter has tried to create: a repeat looks first. */
  const tried = new Set<string>()
  let session: Promise<Session> | undefined

  const xrpcUrl = (nsid: string, query?: Record<string, string>) =>
    joinUrl(base, `xrpc/${nsid}`) + (query ? `?${new URLSearchParams(query)}` : '')

  function failure(res: HttpResponse): DeliveryError {
    const {name, detail} = errorInfo(res)
    if (res.status === 429 || name === 'RateLimitExceeded')
      return errorFromResponse(PLATFORM, {...res, status: 429}, detail)
    return errorFromResponse(PLATFORM, res, detail)
  }

  function sessionFrom(res: HttpResponse, previous?: Session): Session {
    const s = res.json as Partial<Session> | undefined
    if (typeof s?.accessJwt !== 'string' || typeof s.refreshJwt !== 'string' || typeof s.did !== 'string') {
      throw new DeliveryError(`Bluesky answered ${res.status} with no session; is ${base} an AT Protocol service?`, {
        retry: 'never',
      })
    }
    return {
      accessJwt: s.accessJwt,
      refreshJwt: s.refreshJwt,
      did: s.did,
      handle: typeof s.handle === 'string' ? s.handle : (previous?.handle ?? s.did),
    }
  }

  async function signIn(signal: AbortSignal): Promise<Session> {
    const res = await httpRequest(PLATFORM, {
      method: 'POST',
      url: xrpcUrl('com.atproto.server.createSession'),
      json: {identifier: credentials.IDENTIFIER, password: credentials.APP_PASSWORD},
      timeoutMs,
      signal,
    })
    if (res.status === 401) {
      const {detail} = errorInfo(res)
      throw new DeliveryError(
        `Bluesky refused the sign-in (401${detail ? `: ${detail}` : ''}); check ${prefix}IDENTIFIER and ${prefix}APP_PASSWORD`,
        {retry: 'never'},
      )
    }
    if (!isOk(res)) throw failure(res)
    return sessionFrom(res)
  }

  /** A new access token from the refresh token; a new sign-in when that has expired too. */
  async function refresh(old: Session, signal: AbortSignal): Promise<Session> {
    const res = await httpRequest(PLATFORM, {
      method: 'POST',
      url: xrpcUrl('com.atproto.server.refreshSession'),
      headers: {authorization: `Bearer ${old.refreshJwt}`},
      timeoutMs,
      signal,
    })
    if (isOk(res)) return sessionFrom(res, old)
    if (res.status === 400 || res.status === 401) return signIn(signal)
    throw failure(res)
  }

  /** Shares one session (or one sign-in in flight) between calls; forgets it if getting it failed. */
  function current(make: () => Promise<Session>, replace = false): Promise<Session> {
    if (!session || replace) {
      const p = make()
      session = p
      p.catch(() => {
        if (session === p) session = undefined
      })
    }
    return session
  }

  /** One authenticated XRPC call, refreshing the session once if the access token expired. */
  async function call(
    method: 'GET' | 'POST',
    nsid: string,
    signal: AbortSignal,
    body?: (s: Session) => unknown,
    query?: (s: Session) => Record<string, string>,
  ) {
    let s = await current(() => signIn(signal))
    const send = (as: Session) =>
      httpRequest(PLATFORM, {
        method,
        url: xrpcUrl(nsid, query?.(as)),
        headers: {authorization: `Bearer ${as.accessJwt}`},
        json: body?.(as),
        timeoutMs,
        signal,
      })
    let res = await send(s)
    if (isExpired(res)) {
      const expired = s
      s = await current(() => refresh(expired, signal), true)
      res = await send(s)
    }
    return {res, session: s}
  }

  /** The post at `rkey` if an earlier attempt (in any process) created it; null if there is none. */
  async function existing(rkey: string, signal: AbortSignal): Promise<RemotePost | null> {
    const {res, session: s} = await call('GET', 'com.atproto.repo.getRecord', signal, undefined, (me) => ({
      repo: me.did,
      collection: POST,
      rkey,
    }))
    if (errorInfo(res).name === 'RecordNotFound') return null
    if (!isOk(res)) throw failure(res)
    const found = res.json as Partial<StrongRef> | undefined
    if (typeof found?.uri !== 'string' || typeof found.cid !== 'string')
      throw new DeliveryError(`Bluesky answered ${res.status} with no record; is ${base} an AT Protocol service?`, {
        retry: 'never',
      })
    return remote({uri: found.uri, cid: found.cid}, s)
  }

  /**
   * A handle's DID (`com.atproto.identity.resolveHandle`, no sign-in needed); undefined when
   * it cannot be resolved, for whatever reason: the mention then stays plain text.
   */
  function resolveHandle(handle: string, signal: AbortSignal): Promise<string | undefined> {
    const key = handle.toLowerCase()
    let did = dids.get(key)
    if (!did) {
      did = httpRequest(PLATFORM, {
        method: 'GET',
        url: xrpcUrl('com.atproto.identity.resolveHandle', {handle: key}),
        timeoutMs: Math.min(timeoutMs, RESOLVE_TIMEOUT_MS),
        signal,
      }).then(
        (res) => {
          const found = isOk(res) ? (res.json as {did?: unknown} | undefined)?.did : undefined
          return typeof found === 'string' && found.startsWith('did:') ? found : undefined
        },
        () => undefined,
      )
      dids.set(key, did)
    }
    return did
  }

  function remote(ref: StrongRef, s: Session): RemotePost {
    const rkey = parseAtUri(ref.uri)?.rkey ?? ''
    return {id: ref.uri, url: `https://bsky.app/profile/${s.handle}/post/${rkey}`, ref: {cid: ref.cid}}
  }

  return {
    describeTarget: () =>
      `Bluesky account of ${prefix}IDENTIFIER on ${service}${base !== service ? ` via ${base}` : ''}`,

    newPostKey: () => timestampTid(),

    async post({text, replyTo, threadRoot, idempotencyKey, postKey, signal}): Promise<RemotePost> {
      // Root and parent must be exact {uri, cid} pairs: the root is the incident's first post here.
      const reply = replyTo
        ? {root: strongRef(threadRoot ?? replyTo, 'thread root'), parent: strongRef(replyTo, 'previous')}
        : undefined
      const rkey = postKey ?? recordKey(idempotencyKey, text)
      if (tried.has(rkey)) {
        const done = await existing(rkey, signal)
        if (done) return done
      }
      tried.add(rkey)
      const facets = await facetsOf(text, (handle) => resolveHandle(handle, signal))
      const record = {
        $type: POST,
        text,
        createdAt: new Date().toISOString(),
        ...(langs && {langs}),
        ...(facets.length > 0 && {facets}),
        ...(reply && {reply}),
      }
      const {res, session: s} = await call('POST', 'com.atproto.repo.createRecord', signal, (me) => ({
        repo: me.did,
        collection: POST,
        rkey,
        record,
      }))
      if (!isOk(res)) {
        // The PDS refuses (with a 500 from its repo tree) to create a second record under a
        // key: this part may already be there, sent by a process that never heard back.
        if (res.status >= 500) {
          const done = await existing(rkey, signal).catch(() => null)
          if (done) return done
        }
        throw failure(res)
      }
      const created = res.json as Partial<StrongRef> | undefined
      if (typeof created?.uri !== 'string' || typeof created.cid !== 'string') {
        throw new DeliveryError(`Bluesky answered ${res.status} with no record; is ${base} an AT Protocol service?`, {
          retry: 'never',
        })
      }
      return remote({uri: created.uri, cid: created.cid}, s)
    },

    async findPublished({text, idempotencyKey, postKey, signal}): Promise<RemotePost | null> {
      return existing(postKey ?? recordKey(idempotencyKey, text), signal)
    },

    async delete(post, signal) {
      const at = parseAtUri(post.id)
      if (!at) throw new DeliveryError(`cannot delete ${post.id} on Bluesky: not an at:// record URI`, {retry: 'never'})
      // Deleting a record that is already gone succeeds (the PDS treats it as a no-op).
      const {res} = await call('POST', 'com.atproto.repo.deleteRecord', signal, () => at)
      if (!isOk(res)) throw failure(res)
    },

    async whoami(signal) {
      const s = await current(() => signIn(signal))
      return `@${s.handle}`
    },
  }
}

/**
 * A fake Bluesky PDS on loopback, for tests of the Bluesky channel.
 *
 * It speaks XRPC as described in docs/channels/bluesky.md and docs/platform-fakes.md: `createSession` with an
 * identifier (handle, DID or email) and app password gives JWT-shaped access and refresh
 * tokens; `refreshSession` rotates them; `createRecord`, `getRecord` and `deleteRecord` work on
 * one repo of `app.bsky.feed.post` records with TID keys, `at://` URIs and `bafyrei…` CIDs
 * (CIDv1, dag-cbor codec, sha-256 — of the record's JSON here, not its CBOR). Errors are
 * `{"error", "message"}`; answers carry `RateLimit-*` headers; a 429 also carries `Retry-After`.
 *
 * Stricter than a real PDS, on purpose: a reply's parent must be a live record of this repo and
 * its root a record of this repo (deleted ones too: the reference stays valid), both with
 * matching CIDs; the root must be the parent's own root and never itself a reply (Bluesky's
 * AppView would hide such a reply or flag an invalid root; a PDS stores it); a strong ref with more than `uri` and `cid` is refused
 * (a PDS would store the extra fields in the record). Facets must lie within the text's bytes,
 * on UTF-8 character boundaries; a mention facet must cover `@handle` of the DID it names and
 * a tag facet `#tag`. `com.atproto.identity.resolveHandle` resolves the fake's own handle and
 * the `accounts` it is given; any other handle is `400 InvalidRequest "Unable to resolve handle"`.
 * What it follows is in docs/channels/bluesky.md.
 *
 * Order of processing: read and record the request, then a queued fault wins over
 * everything else (including auth), then auth, then the method.
 */
import {createHash, createHmac, randomBytes} from 'node:crypto'
import type http from 'node:http'
import {
  answerFault,
  type AnswerFault,
  FakeHttpServer,
  type FakePlatform,
  faultAction,
  FaultQueue,
  header,
  parseJson,
  readRequest,
  type RecordedRequest,
  type FakeMount,
} from './fake-server.js'

export interface FakeBskyStrongRef {
  uri: string
  cid: string
}

export interface FakeBskyPostRecord {
  $type: 'app.bsky.feed.post'
  text: string
  createdAt: string
  langs?: string[]
  facets?: Array<{
    index: {byteStart: number; byteEnd: number}
    features: Array<{$type: string; uri?: string; did?: string; tag?: string}>
  }>
  reply?: {root: FakeBskyStrongRef; parent: FakeBskyStrongRef}
}

export interface FakeBskyPost {
  uri: string
  cid: string
  rkey: string
  record: FakeBskyPostRecord
  deleted: boolean
}

export type FakeBlueskyFault =
  | {
      status: 429
      resetInSeconds: number /** default: the same as resetInSeconds; null leaves Retry-After out */
      retryAfterSeconds?: number | null
    }
  | {status: 500 | 502 | 503}
  | {status: 401}
  | {status: 400; error: 'ExpiredToken' | 'InvalidToken' | 'InvalidRequest'; message?: string}
  | {kind: 'hang'}
  | {kind: 'reset'}
  /** Carries the request out, then resets the connection instead of answering: the client never learns it worked. */
  | {kind: 'lose-answer'}

export interface FakeBlueskyRequest extends RecordedRequest {
  /** The XRPC method, e.g. `com.atproto.repo.createRecord`. */
  nsid: string
}

export interface FakeBluesky extends FakePlatform<FakeBlueskyFault, FakeBlueskyRequest, {nsid?: string}> {
  did: string
  handle: string
  /** Every post created, in order (deleted ones stay, with `deleted: true`). */
  posts: FakeBskyPost[]
  /** How many sessions `createSession` has given out. */
  sessionsCreated: number
  /** The chain of posts from `uri` up to its thread root, following `reply.parent` (first = `uri`). */
  ancestors(uri: string): FakeBskyPost[]
  /** Makes every access token given out so far expired (`400 ExpiredToken`); refresh tokens still work. */
  expireAccessTokens(): void
  /** Makes every refresh token given out so far expired too: only a new `createSession` helps. */
  expireRefreshTokens(): void
  /** Queue a fault for the next `times` matching requests (default 1). `match.nsid` is the XRPC method. */
  fail(fault: FakeBlueskyFault, times?: number, match?: {nsid?: string}): void
}

export interface StartFakeBlueskyOptions {
  /** Mounted on another server (`candor sandbox`) instead of listening on its own port. */
  mount?: FakeMount
  identifier?: string
  appPassword: string
  handle?: string
  email?: string
  /** The PDS endpoint in the DID document createSession returns (default: the fake itself). */
  pdsEndpoint?: string
  /** Other accounts `resolveHandle` knows: handle → DID (the fake's own handle always resolves). */
  accounts?: Record<string, string>
}

const POST = 'app.bsky.feed.post'
const B32 = 'abcdefghijklmnopqrstuvwxyz234567'
const TID_CHARS = '234567abcdefghijklmnopqrstuvwxyz'
const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const LIMITS: Record<string, {limit: number; windowS: number; points: number}> = {
  'com.atproto.server.createSession': {limit: 30, windowS: 300, points: 1},
  'com.atproto.repo.createRecord': {limit: 5000, windowS: 3600, points: 3},
  'com.atproto.repo.deleteRecord': {limit: 5000, windowS: 3600, points: 1},
}
const graphemes = new Intl.Segmenter(undefined, {granularity: 'grapheme'})

function base32(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]
  return out
}

/** CIDv1, dag-cbor (0x71), sha2-256 multihash, base32 multibase: `bafyrei…`. */
function cidOf(content: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(content)).digest()
  return 'b' + base32(Buffer.concat([Buffer.from([0x01, 0x71, 0x12, 0x20]), digest]))
}

let lastMicros = 0
function tid(): string {
  lastMicros = Math.max(Date.now() * 1000, lastMicros + 1)
  let v = BigInt(lastMicros) << 10n
  let out = ''
  for (let i = 0; i < 13; i++) {
    out = TID_CHARS[Number(v & 31n)] + out
    v >>= 5n
  }
  return out
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function xrpcError(status: number, error: string, message: string): Reply {
  return {status, body: {error, message}}
}

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

interface Token {
  kind: 'access' | 'refresh'
  expired: boolean
  revoked: boolean
}

export async function startFakeBluesky(opts: StartFakeBlueskyOptions): Promise<FakeBluesky> {
  const handle = opts.handle ?? 'acme-status.bsky.social'
  const fakeHandle = handle.toLowerCase()
  const email = opts.email ?? 'status@acme.example'
  const did = `did:plc:${base32(randomBytes(15))}`
  const jwtKey = randomBytes(32)
  const posts: FakeBskyPost[] = []
  const requests: FakeBlueskyRequest[] = []
  const faults = new FaultQueue<FakeBlueskyFault, {nsid?: string}>()
  const tokens = new Map<string, Token>()
  const windows = new Map<string, {reset: number; used: number}>()
  let origin = ''

  const nowS = () => Math.floor(Date.now() / 1000)

  function jwt(kind: 'access' | 'refresh'): string {
    const iat = nowS()
    const head = b64url({typ: kind === 'access' ? 'at+jwt' : 'refresh+jwt', alg: 'HS256'})
    const payload = b64url({
      scope: kind === 'access' ? 'com.atproto.appPass' : 'com.atproto.refresh',
      sub: did,
      aud: 'did:web:bsky.social',
      iat,
      exp: iat + (kind === 'access' ? 7200 : 7776000),
      jti: randomBytes(16).toString('base64url'),
    })
    const token = `${head}.${payload}.${createHmac('sha256', jwtKey).update(`${head}.${payload}`).digest('base64url')}`
    tokens.set(token, {kind, expired: false, revoked: false})
    return token
  }

  function didDoc() {
    return {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      alsoKnownAs: [`at://${handle}`],
      verificationMethod: [
        {
          id: `${did}#atproto`,
          type: 'Multikey',
          controller: did,
          publicKeyMultibase: 'zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF',
        },
      ],
      service: [{id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: opts.pdsEndpoint ?? origin}],
    }
  }

  function sessionBody() {
    return {
      accessJwt: jwt('access'),
      refreshJwt: jwt('refresh'),
      handle,
      did,
      didDoc: didDoc(),
      email,
      emailConfirmed: true,
      emailAuthFactor: false,
      active: true,
    }
  }

  /** Checks the bearer token; returns an error reply when it is not an access (or refresh) token that is still good. */
  function authorize(req: http.IncomingMessage, kind: 'access' | 'refresh'): Reply | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '')
    if (!m) return xrpcError(401, 'AuthMissing', 'Authentication Required')
    const token = tokens.get(m[1]!)
    if (!token || token.revoked || token.kind !== kind)
      return xrpcError(
        400,
        'InvalidToken',
        kind === 'refresh' && token ? 'Bad token scope' : 'Token could not be verified',
      )
    if (token.expired) return xrpcError(400, 'ExpiredToken', 'Token has expired')
    return undefined
  }

  function rateHeaders(nsid: string, spend: boolean): Record<string, string> {
    const spec = LIMITS[nsid]
    if (!spec) return {}
    let w = windows.get(nsid)
    if (!w || w.reset <= nowS()) {
      w = {reset: nowS() + spec.windowS, used: 0}
      windows.set(nsid, w)
    }
    if (spend) w.used += spec.points
    return {
      'ratelimit-limit': String(spec.limit),
      'ratelimit-remaining': String(Math.max(0, spec.limit - w.used)),
      'ratelimit-reset': String(w.reset),
      'ratelimit-policy': `${spec.limit};w=${spec.windowS}`,
    }
  }

  function isRepo(repo: unknown): boolean {
    return repo === did || repo === handle
  }

  const live = (uri: string) => posts.find((p) => p.uri === uri && !p.deleted)
  const knownDid = (handle: string): string | undefined =>
    handle === fakeHandle ? did : Object.entries(opts.accounts ?? {}).find(([h]) => h.toLowerCase() === handle)?.[1]

  function checkRef(ref: unknown, role: 'root' | 'parent'): FakeBskyPost | Reply {
    const r = ref as Partial<FakeBskyStrongRef> | undefined
    if (typeof r?.uri !== 'string' || typeof r.cid !== 'string')
      return xrpcError(
        400,
        'InvalidRequest',
        `Invalid app.bsky.feed.post record: Record/reply/${role} must have the properties "uri" and "cid"`,
      )
    if (Object.keys(r).some((k) => k !== 'uri' && k !== 'cid' && k !== '$type'))
      return xrpcError(
        400,
        'InvalidRequest',
        `Invalid app.bsky.feed.post record: Record/reply/${role} has unexpected properties`,
      )
    // A deleted root is still a valid reference (its replies stay in the thread); a parent must be up.
    const post =
      live(r.uri) ??
      (role === 'root' ? [...posts].reverse().find((p) => p.uri === r.uri && p.cid === r.cid) : undefined)
    if (!post) return xrpcError(400, 'InvalidRequest', `Invalid reply: ${role} ${r.uri} does not exist`)
    if (post.cid !== r.cid)
      return xrpcError(400, 'InvalidRequest', `Invalid reply: ${role} cid ${r.cid} does not match ${r.uri}`)
    return post
  }

  function validatePost(record: Record<string, unknown>): Reply | undefined {
    const invalid = (what: string) => xrpcError(400, 'InvalidRequest', `Invalid app.bsky.feed.post record: ${what}`)
    if (record.$type !== POST) return invalid('Record/$type must be app.bsky.feed.post')
    if (typeof record.text !== 'string') return invalid('Record must have the property "text"')
    if (Buffer.byteLength(record.text) > 3000) return invalid('Record/text must not be longer than 3000 characters')
    if ([...graphemes.segment(record.text)].length > 300)
      return invalid('Record/text must not be longer than 300 graphemes')
    if (typeof record.createdAt !== 'string' || !DATETIME.test(record.createdAt))
      return invalid('Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)')
    if (
      record.langs !== undefined &&
      (!Array.isArray(record.langs) ||
        record.langs.length > 3 ||
        record.langs.some((l) => typeof l !== 'string' || !/^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$/.test(l)))
    ) {
      return invalid('Record/langs must be an array of at most 3 language tags')
    }
    if (record.facets !== undefined) {
      if (!Array.isArray(record.facets)) return invalid('Record/facets must be an array')
      const bytes = Buffer.from(record.text)
      const size = bytes.length
      // A UTF-8 continuation byte (10xxxxxx) never starts a character: a facet edge there cuts one in two.
      const boundary = (at: number) => at === size || (bytes[at]! & 0xc0) !== 0x80
      type LooseFacet = {
        index?: {byteStart?: unknown; byteEnd?: unknown}
        features?: Array<{$type?: unknown; uri?: unknown; did?: unknown; tag?: unknown}>
      }
      for (const [i, f] of (record.facets as LooseFacet[]).entries()) {
        const start = f?.index?.byteStart
        const end = f?.index?.byteEnd
        if (
          typeof start !== 'number' ||
          typeof end !== 'number' ||
          !Number.isInteger(start) ||
          !Number.isInteger(end) ||
          start < 0 ||
          start >= end ||
          end > size
        ) {
          return invalid(`Record/facets/${i}/index is outside the text`)
        }
        // Bluesky's clients cut the text at these offsets: one inside a character is a UTF-16 index mistaken for bytes.
        if (!boundary(start) || !boundary(end))
          return invalid(
            `Record/facets/${i}/index does not fall on UTF-8 character boundaries (byte offsets, not UTF-16 indices)`,
          )
        const covered = bytes.subarray(start, end).toString('utf8')
        if (!Array.isArray(f.features) || f.features.length === 0)
          return invalid(`Record/facets/${i}/features must not be empty`)
        for (const feature of f.features) {
          if (
            feature.$type === 'app.bsky.richtext.facet#link' &&
            (typeof feature.uri !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(feature.uri))
          ) {
            return invalid(`Record/facets/${i}/features/0/uri must be a valid uri`)
          }
          if (feature.$type === 'app.bsky.richtext.facet#mention') {
            if (typeof feature.did !== 'string' || !/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/.test(feature.did))
              return invalid(`Record/facets/${i}/features/0/did must be a valid did`)
            // Stricter than a PDS, as the AppView shows it: the facet covers "@handle" of that DID.
            const handle = /^@(.+)$/.exec(covered)?.[1]?.toLowerCase()
            if (!handle || knownDid(handle) !== feature.did)
              return invalid(`Record/facets/${i} mentions ${feature.did} but covers "${covered}"`)
          }
          if (feature.$type === 'app.bsky.richtext.facet#tag') {
            if (
              typeof feature.tag !== 'string' ||
              feature.tag.length === 0 ||
              Buffer.byteLength(feature.tag) > 640 ||
              [...graphemes.segment(feature.tag)].length > 64
            ) {
              return invalid(`Record/facets/${i}/features/0/tag must be 1 to 64 graphemes`)
            }
            if (covered.slice(1) !== feature.tag || !/^[#＃]/.test(covered))
              return invalid(`Record/facets/${i} tags "${feature.tag}" but covers "${covered}"`)
          }
        }
      }
    }
    if (record.reply !== undefined) {
      const reply = record.reply as {root?: unknown; parent?: unknown}
      const root = checkRef(reply.root, 'root')
      if (!('uri' in root)) return root
      // The AppView flags a thread whose root is itself a reply as an invalid root.
      if (root.record.reply)
        return xrpcError(
          400,
          'InvalidRequest',
          `Invalid reply: root ${root.uri} is itself a reply (to ${root.record.reply.parent.uri}); the root must be the thread's first post`,
        )
      const parent = checkRef(reply.parent, 'parent')
      if (!('uri' in parent)) return parent
      const parentRoot = parent.record.reply?.root.uri ?? parent.uri
      if (parentRoot !== root.uri)
        return xrpcError(
          400,
          'InvalidRequest',
          `Invalid reply: root ${root.uri} is not the root of parent ${parent.uri} (${parentRoot})`,
        )
    }
    return undefined
  }

  function createRecord(body: unknown): Reply {
    const input = (body ?? {}) as {
      repo?: unknown
      collection?: unknown
      rkey?: unknown
      record?: unknown
      validate?: unknown
    }
    if (!isRepo(input.repo)) return xrpcError(400, 'InvalidRequest', `Could not find repo: ${String(input.repo)}`)
    if (input.collection !== POST)
      return xrpcError(
        400,
        'InvalidRequest',
        `Invalid collection: ${String(input.collection)} (this fake keeps only ${POST})`,
      )
    if (typeof input.record !== 'object' || input.record === null)
      return xrpcError(400, 'InvalidRequest', 'Input must have the property "record"')
    const record = input.record as Record<string, unknown>
    const invalid = validatePost(record)
    if (invalid) return invalid
    if (input.rkey !== undefined && (typeof input.rkey !== 'string' || !TID.test(input.rkey)))
      return xrpcError(
        400,
        'InvalidRequest',
        `Invalid record key: ${String(input.rkey)} (app.bsky.feed.post keys are TIDs)`,
      )
    const rkey = (input.rkey as string | undefined) ?? tid()
    const uri = `at://${did}/${POST}/${rkey}`
    // A real PDS fails inside its MST ("There is already a value at key") for a key in use,
    // which surfaces as a 500 (UNVERIFIED for every PDS version); a deleted record's key is free again.
    if (posts.some((p) => p.rkey === rkey && !p.deleted))
      return xrpcError(500, 'InternalServerError', 'Internal Server Error')
    const post: FakeBskyPost = {
      uri,
      cid: cidOf(record),
      rkey,
      record: record as unknown as FakeBskyPostRecord,
      deleted: false,
    }
    posts.push(post)
    return {
      status: 200,
      body: {
        uri,
        cid: post.cid,
        commit: {cid: cidOf({commit: uri, at: Date.now()}), rev: tid()},
        validationStatus: 'valid',
      },
    }
  }

  function route(
    req: http.IncomingMessage,
    method: string,
    nsid: string,
    query: URLSearchParams,
    body: unknown,
  ): Reply {
    const input = (body ?? {}) as Record<string, unknown>
    switch (`${method} ${nsid}`) {
      case 'POST com.atproto.server.createSession': {
        const id = typeof input.identifier === 'string' ? input.identifier.toLowerCase() : ''
        const known = [handle, did, email, opts.identifier?.toLowerCase()].includes(id)
        if (!known || input.password !== opts.appPassword)
          return xrpcError(401, 'AuthenticationRequired', 'Invalid identifier or password')
        fake.sessionsCreated++
        return {status: 200, body: sessionBody()}
      }
      case 'POST com.atproto.server.refreshSession': {
        const denied = authorize(req, 'refresh')
        if (denied) return denied
        tokens.get(/^Bearer\s+(\S+)$/i.exec(header(req, 'authorization')!)![1]!)!.revoked = true
        const {email: _email, emailConfirmed: _c, emailAuthFactor: _f, ...refreshed} = sessionBody()
        return {status: 200, body: refreshed}
      }
      case 'GET com.atproto.server.getSession':
        return (
          authorize(req, 'access') ?? {
            status: 200,
            body: {handle, did, didDoc: didDoc(), email, emailConfirmed: true, emailAuthFactor: false, active: true},
          }
        )
      case 'POST com.atproto.repo.createRecord':
        return authorize(req, 'access') ?? createRecord(body)
      case 'POST com.atproto.repo.deleteRecord': {
        const denied = authorize(req, 'access')
        if (denied) return denied
        if (!isRepo(input.repo)) return xrpcError(400, 'InvalidRequest', `Could not find repo: ${String(input.repo)}`)
        const post = posts.find((p) => p.rkey === input.rkey && !p.deleted && input.collection === POST)
        if (!post) return {status: 200, body: {}} // a no-op, as on a real PDS
        post.deleted = true
        return {status: 200, body: {commit: {cid: cidOf({delete: post.uri, at: Date.now()}), rev: tid()}}}
      }
      case 'GET com.atproto.identity.resolveHandle': {
        // Public: no token needed. A handle is a domain name.
        const wanted = (query.get('handle') ?? '').toLowerCase()
        if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(wanted))
          return xrpcError(400, 'InvalidRequest', 'Error: handle must be a valid handle')
        const found = knownDid(wanted)
        return found ? {status: 200, body: {did: found}} : xrpcError(400, 'InvalidRequest', 'Unable to resolve handle')
      }
      case 'GET com.atproto.repo.getRecord': {
        const repo = query.get('repo')
        const uri = `at://${repo === handle ? did : repo}/${query.get('collection')}/${query.get('rkey')}`
        const post = isRepo(repo) ? live(uri) : undefined
        return post
          ? {status: 200, body: {uri: post.uri, cid: post.cid, value: post.record}}
          : xrpcError(400, 'RecordNotFound', `Could not locate record: ${uri}`)
      }
      default:
        return xrpcError(501, 'MethodNotImplemented', 'Method Not Implemented')
    }
  }

  function faultReply(fault: AnswerFault<FakeBlueskyFault>, nsid: string): Reply {
    switch (fault.status) {
      case 429: {
        const headers = {
          ...rateHeaders(nsid, false),
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(nowS() + fault.resetInSeconds),
        }
        const retryAfter = fault.retryAfterSeconds === undefined ? fault.resetInSeconds : fault.retryAfterSeconds
        return {
          status: 429,
          body: {error: 'RateLimitExceeded', message: 'Rate Limit Exceeded'},
          headers: retryAfter === null ? headers : {...headers, 'retry-after': String(retryAfter)},
        }
      }
      case 500:
        return xrpcError(500, 'InternalServerError', 'Internal Server Error')
      case 502:
        return xrpcError(502, 'UpstreamFailure', 'Upstream Failure')
      case 503:
        return xrpcError(503, 'NotEnoughResources', 'Not Enough Resources')
      case 401:
        return nsid === 'com.atproto.server.createSession'
          ? xrpcError(401, 'AuthenticationRequired', 'Invalid identifier or password')
          : xrpcError(401, 'AuthMissing', 'Authentication Required')
      case 400:
        return xrpcError(
          400,
          fault.error,
          fault.message ??
            (fault.error === 'ExpiredToken'
              ? 'Token has expired'
              : fault.error === 'InvalidToken'
                ? 'Token could not be verified'
                : 'Invalid request'),
        )
    }
  }

  function send(res: http.ServerResponse, reply: Reply, nsid: string): void {
    if (!server.answerable(res)) return
    const headers: Record<string, string> = {...(reply.status === 429 ? {} : rateHeaders(nsid, true)), ...reply.headers}
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body)
    if (payload) headers['content-type'] = 'application/json; charset=utf-8'
    headers['content-length'] = String(Buffer.byteLength(payload))
    res.writeHead(reply.status, headers)
    res.end(payload)
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {method, target: rawPath, path, query, raw} = await readRequest(req)
    const nsid = path.startsWith('/xrpc/') ? path.slice('/xrpc/'.length) : ''
    const body = parseJson(raw)
    requests.push({method, path: rawPath, nsid, headers: {...req.headers}, body})

    const fault = faults.take((match) => !match?.nsid || match.nsid === nsid)
    if (!(await server.delay(req, fault, fake.latencyMs))) return
    const answer = answerFault(fault)
    if (answer) return send(res, faultReply(answer, nsid), nsid)
    if (raw && typeof body === 'string')
      return send(res, xrpcError(400, 'InvalidRequest', 'Request body is not valid JSON'), nsid)
    const reply = route(req, method, nsid, new URLSearchParams(query), body)
    if (faultAction(fault) === 'lose-answer') return void req.socket.destroy()
    send(res, reply, nsid)
  }

  const server = await FakeHttpServer.start(
    {
      handle: serve,
      onError: (res, error) => send(res, xrpcError(500, 'InternalServerError', String(error)), ''),
      faults,
    },
    opts.mount,
  )
  origin = server.url

  const fake: FakeBluesky = {
    url: origin,
    did,
    handle,
    posts,
    requests,
    sessionsCreated: 0,
    latencyMs: 0,
    inFlight: server.inFlight,
    ancestors(uri) {
      const chain: FakeBskyPost[] = []
      // A key can be used again after a delete: prefer the live record under a URI.
      const byUri = (u: string) => posts.find((p) => p.uri === u && !p.deleted) ?? posts.find((p) => p.uri === u)
      let post = byUri(uri)
      while (post && chain.length <= posts.length) {
        chain.push(post)
        const parent = post.record.reply?.parent.uri
        post = parent ? byUri(parent) : undefined
      }
      return chain
    },
    expireAccessTokens() {
      for (const t of tokens.values()) if (t.kind === 'access') t.expired = true
    },
    expireRefreshTokens() {
      for (const t of tokens.values()) t.expired = true
    },
    fail: (fault, times, match) => faults.add(fault, times, match),
    close: () => server.close(),
  }
  return fake
}

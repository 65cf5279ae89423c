import type {RemotePost, RenderedPostRecord} from '../incident/events.js'
import type {ChannelConfig} from '../../domain/playbook/model.js'
import type {IncidentStore} from '../incident/store.js'

/** One part of one update, as handed to an adapter. */
export interface PostRequest {
  text: string
  /** 1-based position of this part in the update, and how many parts there are. */
  part: number
  parts: number
  /** The post this part replies to: the previous part, or the last post of the incident on this channel. */
  replyTo?: RemotePost
  /** The first post this incident published on this channel (Bluesky needs the thread root). */
  threadRoot?: RemotePost
  /** The whole rendered post (title, subject, html, link), for channels that use more than text. */
  post: RenderedPostRecord
  incident: {id: string; update: number; phase: string; facts: Record<string, unknown>}
  /** Stable across retries of this part: platforms with idempotency keys use it. */
  idempotencyKey: string
  /** The name `newPostKey` made for this part before its first attempt (journaled, the same on every retry). */
  postKey?: string
  signal: AbortSignal
}

/**
 * What a channel adapter does. One module per channel type implements it; the
 * publisher knows nothing about any platform.
 */
export interface ChannelAdapter {
  /** Who/where it would post, without a network call (for dry runs). */
  describeTarget(): string
  post(request: PostRequest): Promise<RemotePost>
  /** Deletes a post where the platform allows it. */
  delete?(remote: RemotePost, signal: AbortSignal): Promise<void>
  /** A read-only call proving the credentials work; returns the account name. */
  whoami?(signal: AbortSignal): Promise<string>
  /**
   * After a crash between sending a part and recording the answer: looks on the
   * platform for it (e.g. the account's recent posts with the same text). Resolves the
   * post when found, null when it is certainly not there.
   */
  findPublished?(request: PostRequest): Promise<RemotePost | null>
  /**
   * What the server allows, read from it (a Mastodon instance's `GET /api/v2/instance`), for
   * channels whose kind has `limitsFrom`: posts are split by it.
   */
  readLimits?(signal: AbortSignal): Promise<{maxLength: number; urlLength?: number}>
  /** Sending a part again is harmless: the platform drops repeats of the same idempotency key. */
  readonly idempotent?: boolean
  /**
   * A name for a new post that the platform keeps it under (e.g. Bluesky's record key): made
   * once per part before its first attempt, journaled with it, and handed back as `postKey`
   * on every attempt and lookup of that part.
   */
  newPostKey?(): string
  /**
   * Once the thread's first post is retracted, replies can no longer hang under it (Slack's
   * `thread_ts`, a deleted Statuspage incident): the next update starts a new thread. Where
   * it is false, replies keep naming the deleted root, which stays a valid reference.
   */
  readonly retractedRootEndsThread?: boolean
}

/**
 * Whether Candor can settle by itself a part whose answer never came: the platform can be
 * asked whether it arrived (`findPublished`) or drops repeats (`idempotent`). Where neither
 * holds (a Discord or Slack incoming webhook, SMTP), only a person can say.
 */
export function canSettleAlone(adapter: ChannelAdapter): boolean {
  return Boolean(adapter.findPublished) || adapter.idempotent === true
}

/**
 * Whether an HTTP error answer may come after the platform carried the request out. A 500
 * can come from a crash after the work was done, and a 502 or 504 from a gateway that gave
 * up on (or could not read) the platform's answer: the post may be up (RFC 9110 §15.6). A 503
 * (overloaded, or down for maintenance), a 429 (rate limited) and a 408 (the request never
 * fully arrived) mean the request was not processed, so sending it again is safe.
 */
export function statusMayHaveArrived(status: number): boolean {
  return status >= 500 && status !== 503
}

export interface AdapterContext {
  channel: ChannelConfig
  /** The channel's credential fields (e.g. APP_KEY), from the environment. */
  credentials: Record<string, string>
  /** Per-request timeout. */
  timeoutMs: number
  /** The incident store, for channels built from the record itself (the status site). */
  store?: IncidentStore
  /**
   * The environment the credentials came from: it names the endpoints a playbook may not
   * choose alone (endpoint-trust.ts). Absent: only the credentials themselves.
   */
  env?: Record<string, string | undefined>
  /** Built for a rehearsal (channels that show several incidents, the status site, show only rehearsals). */
  rehearsal?: boolean
}

export type AdapterFactory = (ctx: AdapterContext) => ChannelAdapter

/** A request timeout as people say it in "did not answer within …": 500 ms, 10s. */
export function describeTimeout(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)}s`
}

/**
 * How a delivery failed, so the publisher can decide what to do next without
 * knowing the platform: wait for a rate limit, back off and retry, or give up.
 */
export class DeliveryError extends Error {
  readonly retry: 'rate-limit' | 'transient' | 'never'
  /** For rate limits: when the platform says to try again. */
  readonly retryAt?: Date

  /**
   * The request may have reached the platform before it failed (a timeout or a cut
   * connection after sending): re-sending could post twice.
   */
  readonly mayHaveArrived: boolean

  /**
   * Certainly nothing reached the platform (the connection was refused, the host name did
   * not resolve): sending again is safe, with no need to look for the post first.
   */
  readonly notSent: boolean

  constructor(
    message: string,
    opts:
      | {retry: 'rate-limit'; retryAt: Date}
      | {retry: 'transient' | 'never'; mayHaveArrived?: boolean; notSent?: boolean},
  ) {
    super(message)
    this.name = 'DeliveryError'
    this.retry = opts.retry
    this.mayHaveArrived = 'mayHaveArrived' in opts && opts.mayHaveArrived === true
    this.notSent = 'notSent' in opts && opts.notSent === true
    if (opts.retry === 'rate-limit') this.retryAt = opts.retryAt
  }
}

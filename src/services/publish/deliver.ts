import type {RemotePost, RenderedPostRecord} from '../incident/events.js'
import type {IncidentState} from '../incident/state.js'
import type {IncidentStore} from '../incident/store.js'
import {canSettleAlone, DeliveryError, type ChannelAdapter, type PostRequest} from './adapter.js'
import type {Redactor} from './redact.js'

export type ChannelProgress =
  | {state: 'queued'}
  | {state: 'sending'; part: number; parts: number}
  | {state: 'waiting'; until: Date; reason: string}
  | {state: 'retrying'; at: Date; reason: string}
  | {state: 'published'; urls: string[]}
  | {state: 'failed'; error: string}

/** Receives each channel's progress: spinners on a TTY, plain lines elsewhere, nothing in tests. */
export interface DeliveryReporter {
  progress(channel: string, progress: ChannelProgress): void
}

export interface Clock {
  now(): Date
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      signal?.addEventListener('abort', done, {once: true})
    }),
}

export interface DeliveryOutcome {
  channel: string
  status: 'published' | 'failed' | 'skipped'
  ids: string[]
  urls: string[]
  error?: string
  /** Skipped because the channel already has this update: which one, and how its delivery stands. */
  already?: {update: number; status: 'published' | 'pending' | 'unknown' | 'failed'}
}

export interface DeliveryJob {
  channel: string
  post: RenderedPostRecord
  adapter: ChannelAdapter
  /** Parts already published (from an earlier run): kept, never re-sent. null: assumed sent, id unknown. */
  done: Map<number, RemotePost | null>
  /** Parts whose last attempt failed in a way that may have reached the platform: look before re-sending. */
  verifyFirst?: ReadonlySet<number>
}

export interface DeliveryOptions {
  store: IncidentStore
  incident: IncidentState
  update: {update: number; phase: string}
  actor: string
  /** Masks secrets in error messages (diagnostics); posts, URLs and ids are journaled as they are. */
  redactor: Redactor
  clock: Clock
  reporter: DeliveryReporter
  signal: AbortSignal
  /** The longest a rate limit may make us wait, in ms. */
  maxWaitMs: number
  /** Retries after a transient failure (5xx, network), per part. */
  retries: number
  /** The cap of the first backoff delay; doubles each retry. */
  backoffMs: number
  /** A number in [0, 1): where each backoff falls below its cap (Math.random unless a test fixes it). */
  random?: () => number
  /** After an interrupt, how long requests already in flight may take to settle. */
  graceMs?: number
}

/** The post an update's first part replies to: the incident's last post on the channel before this update. */
export function previousPost(state: IncidentState, channel: string, beforeUpdate: number): RemotePost | undefined {
  let last: RemotePost | undefined
  for (const u of state.updates) {
    if (u.update >= beforeUpdate) continue
    for (const p of u.deliveries.get(channel)?.parts ?? []) if (p.status === 'published' && p.remote) last = p.remote
  }
  return last
}

/**
 * The first post of the thread `post` belongs to on `channel`: each post's parent is the
 * `reply_to` journaled with the attempt that sent it, followed up to a post that replied to
 * nothing. So a reply is never taken for a root, also after the root was retracted
 * (`retracted` then says so).
 */
export function threadRootOf(
  state: IncidentState,
  channel: string,
  post: RemotePost,
): {root: RemotePost; retracted: boolean} {
  const parentOf = new Map<string, string | undefined>()
  const posts = new Map<string, RemotePost>()
  const lastReplyTo = new Map<string, string | undefined>()
  for (const e of state.events) {
    if (e.type === 'delivery_attempt' && e.channel === channel) lastReplyTo.set(`${e.update}/${e.part}`, e.reply_to)
    if (e.type === 'delivery_result' && e.channel === channel && e.status === 'published' && e.remote) {
      posts.set(e.remote.id, e.remote)
      if (!parentOf.has(e.remote.id)) parentOf.set(e.remote.id, lastReplyTo.get(`${e.update}/${e.part}`))
    }
  }
  let root = posts.get(post.id) ?? post
  const seen = new Set<string>([root.id])
  for (
    let parent = parentOf.get(root.id);
    parent !== undefined && posts.has(parent) && !seen.has(parent);
    parent = parentOf.get(root.id)
  ) {
    seen.add(parent)
    root = posts.get(parent)!
  }
  const retracted = state.updates.some((u) =>
    u.deliveries.get(channel)?.parts.some((p) => p.status === 'retracted' && p.remote?.id === root.id),
  )
  return {root, retracted}
}

/**
 * Where an update's first part goes on a channel: the post it replies to (the newest still
 * up) and the root of that post's thread. When the root was retracted, adapters whose
 * platform cannot reply under a deleted root start a new thread instead.
 */
export function threadFor(
  state: IncidentState,
  channel: string,
  beforeUpdate: number,
  adapter: Pick<ChannelAdapter, 'retractedRootEndsThread'>,
): {replyTo?: RemotePost; threadRoot?: RemotePost} {
  const replyTo = previousPost(state, channel, beforeUpdate)
  if (!replyTo) return {}
  const {root, retracted} = threadRootOf(state, channel, replyTo)
  if (retracted && adapter.retractedRootEndsThread) return {}
  return {replyTo, threadRoot: root}
}

/** The record key (or other name) journaled with a part's first attempt, if one was. */
function journaledPostKey(
  state: IncidentState,
  channel: string,
  update: number,
  part: number,
): {key?: string; attempted: boolean} {
  let key: string | undefined
  let attempted = false
  for (const e of state.events) {
    if (e.type !== 'delivery_attempt' || e.channel !== channel || e.update !== update || e.part !== part) continue
    attempted = true
    key ??= e.post_key
  }
  return {key, attempted}
}

/**
 * The platform name of a part, made before its first attempt and journaled with it so that
 * every retry, in any process, asks for (and looks up) the same post. A part attempted before
 * Candor journaled names gets none: the adapter falls back on the name it always derived.
 */
export function postKeyFor(
  state: IncidentState,
  channel: string,
  update: number,
  part: number,
  adapter: ChannelAdapter,
): string | undefined {
  if (!adapter.newPostKey) return undefined
  const {key, attempted} = journaledPostKey(state, channel, update, part)
  return key ?? (attempted ? undefined : adapter.newPostKey())
}

/**
 * How long to wait before retry number `failures + 1`: "full jitter", anywhere between
 * `floorMs` (default 0) and the exponential cap `baseMs * 2^failures`, so clients that
 * failed together do not all come back together.
 */
export function backoffDelay(
  baseMs: number,
  failures: number,
  random: () => number = Math.random,
  floorMs = 0,
): number {
  const cap = baseMs * 2 ** failures
  const floor = Math.min(floorMs, cap)
  return Math.round(floor + random() * (cap - floor))
}

export function formatWait(ms: number): string {
  const s = Math.ceil(ms / 1000)
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`
}

/**
 * Publishes every job concurrently, part by part within a channel, journaling each
 * attempt before it is made and its result after. One channel failing never stops
 * the others.
 */
export async function deliverAll(jobs: DeliveryJob[], opts: DeliveryOptions): Promise<DeliveryOutcome[]> {
  for (const job of jobs) opts.reporter.progress(job.channel, {state: 'queued'})
  // An interrupt stops new requests at once (opts.signal); requests already in flight
  // get a grace period to settle (inFlight) so their answers are journaled.
  const inFlight = new AbortController()
  const onAbort = () => setTimeout(() => inFlight.abort(), opts.graceMs ?? 5000).unref()
  if (opts.signal.aborted) onAbort()
  else opts.signal.addEventListener('abort', onAbort, {once: true})
  const settled = await Promise.allSettled(jobs.map((job) => deliverChannel(job, opts, inFlight.signal)))
  opts.signal.removeEventListener('abort', onAbort)
  return settled.map((s, i) =>
    s.status === 'fulfilled'
      ? s.value
      : {
          channel: jobs[i].channel,
          status: 'failed',
          ids: [],
          urls: [],
          error: opts.redactor.text(String((s.reason as Error)?.message ?? s.reason)),
        },
  )
}

async function deliverChannel(
  job: DeliveryJob,
  opts: DeliveryOptions,
  inFlight: AbortSignal,
): Promise<DeliveryOutcome> {
  const {channel, post} = job
  const journal = (event: Parameters<IncidentStore['append']>[1]) =>
    opts.store.append(opts.incident.id, event, opts.clock.now())
  const remotes: RemotePost[] = []
  const thread = threadFor(opts.incident, channel, opts.update.update, job.adapter)
  let replyTo = thread.replyTo
  const parts = post.parts.length

  /** The channel's failure as reported and returned, with the parts published before it. */
  const failed = (message: string): DeliveryOutcome => {
    opts.reporter.progress(channel, {state: 'failed', error: message})
    return {
      channel,
      status: 'failed',
      ids: remotes.map((r) => r.id),
      urls: remotes.flatMap((r) => (r.url ? [r.url] : [])),
      error: message,
    }
  }
  /** A part's result, as the journal records it: one shape for every outcome of an attempt. */
  const journalResult = (
    part: number,
    result: {status: 'failed'; error: string} | {status: 'published'; remote: RemotePost; error?: string},
  ) => journal({type: 'delivery_result', by: opts.actor, update: opts.update.update, channel, part, ...result})
  /** A failure the journal records for the part (one it may not know the fate of is left unrecorded). */
  const fail = async (part: number, error: string): Promise<DeliveryOutcome> => {
    const message = opts.redactor.text(error)
    await journalResult(part, {status: 'failed', error: message})
    return failed(message)
  }
  // Before looking for a part that may have arrived, wait at least the first backoff: a
  // request the platform carries out late must have landed, or the look misses it and the
  // part is sent twice. Other retries may come back at any moment below the cap.
  const willLook = (mayHaveArrived: boolean) =>
    mayHaveArrived && job.adapter.findPublished !== undefined && !job.adapter.idempotent
  const backoff = (failures: number, mayHaveArrived: boolean) =>
    backoffDelay(opts.backoffMs, failures, opts.random, willLook(mayHaveArrived) ? opts.backoffMs : 0)

  for (let part = 1; part <= parts; part++) {
    if (job.done.has(part)) {
      const already = job.done.get(part)
      if (already) {
        remotes.push(already)
        replyTo = already
      }
      continue
    }
    let transientFailures = 0
    let rateLimitWaits = 0
    // A timeout, reset or 5xx can come after the platform accepted the post: look
    // before sending again, where the platform can be asked and won't drop repeats.
    let mayHaveArrived = job.verifyFirst?.has(part) ?? false
    const postKey = postKeyFor(opts.incident, channel, opts.update.update, part, job.adapter)
    for (let attempt = 1; ; attempt++) {
      if (opts.signal.aborted) return fail(part, 'interrupted before sending')
      const request: PostRequest = {
        text: post.parts[part - 1].text,
        part,
        parts,
        replyTo,
        threadRoot: thread.threadRoot ?? remotes[0],
        ...(postKey && {postKey}),
        post,
        incident: {
          id: opts.incident.id,
          update: opts.update.update,
          phase: opts.update.phase,
          facts: opts.incident.facts,
        },
        idempotencyKey: `candor-${opts.incident.id}-${opts.update.update}-${channel}-${part}`,
        signal: inFlight,
      }
      if (mayHaveArrived && job.adapter.findPublished && !job.adapter.idempotent) {
        let found: RemotePost | null
        try {
          found = await job.adapter.findPublished(request)
        } catch (error) {
          // Can't tell yet: never send blind. Back off and look again, within the same budget.
          const reason = `could not check whether part ${part} arrived before sending it again: ${opts.redactor.text((error as Error).message)}`
          if (transientFailures >= opts.retries) return fail(part, reason)
          const delay = backoff(transientFailures, true)
          transientFailures++
          opts.reporter.progress(channel, {state: 'retrying', at: new Date(opts.clock.now().getTime() + delay), reason})
          await opts.clock.sleep(delay, opts.signal)
          continue
        }
        if (found) {
          await journalResult(part, {
            status: 'published',
            remote: found,
            error: 'found on the platform after a failed attempt',
          })
          remotes.push(found)
          replyTo = found
          break
        }
      }
      await journal({
        type: 'delivery_attempt',
        by: opts.actor,
        update: opts.update.update,
        channel,
        part,
        attempt,
        ...(replyTo && {reply_to: replyTo.id}),
        ...(postKey && {post_key: postKey}),
      })
      opts.reporter.progress(channel, {state: 'sending', part, parts})
      let remote: RemotePost
      try {
        remote = await job.adapter.post(request)
      } catch (error) {
        if (inFlight.aborted) {
          // We cut the request off: it may or may not have arrived. Journal no result,
          // so the part stays "unknown" and `candor retry` resolves it.
          return failed(`interrupted while sending part ${part}; it may or may not be up: run \`candor retry\``)
        }
        if (opts.signal.aborted) return fail(part, `interrupted: ${opts.redactor.text((error as Error).message)}`)
        const de =
          error instanceof DeliveryError
            ? error
            : new DeliveryError(String((error as Error)?.message ?? error), {retry: 'transient'})
        const reason = opts.redactor.text(de.message)
        if (de.retry === 'rate-limit' && de.retryAt) {
          const waitMs = Math.max(0, de.retryAt.getTime() - opts.clock.now().getTime())
          if (waitMs > opts.maxWaitMs)
            return fail(
              part,
              `${reason}; the limit resets in ${formatWait(waitMs)}, more than --max-wait ${formatWait(opts.maxWaitMs)}`,
            )
          if (++rateLimitWaits > 3) return fail(part, `${reason}; still limited after 3 waits`)
          opts.reporter.progress(channel, {state: 'waiting', until: de.retryAt, reason})
          await journalResult(part, {status: 'failed', error: `${reason}; waiting ${formatWait(waitMs)}`})
          await opts.clock.sleep(waitMs + 250, opts.signal)
          continue
        }
        if (de.retry === 'transient' && de.mayHaveArrived && !canSettleAlone(job.adapter)) {
          // The platform may have the post (a timeout, a cut connection, a 500, 502 or 504)
          // and can't be asked: sending again could post twice. Journal no result; the part
          // stays "unknown" for `candor retry` and a person to settle.
          return failed(
            `${reason}: part ${part} may or may not be on ${channel}; check it, then run \`candor retry --assume-sent\` or \`--assume-lost\``,
          )
        }
        // Refused or unresolvable: nothing left, so nothing to look for before sending again.
        if (de.retry === 'transient' && !de.notSent) mayHaveArrived = true
        if (de.retry === 'transient' && transientFailures < opts.retries) {
          const delay = backoff(transientFailures, mayHaveArrived)
          transientFailures++
          opts.reporter.progress(channel, {state: 'retrying', at: new Date(opts.clock.now().getTime() + delay), reason})
          await journalResult(part, {status: 'failed', error: `${reason}; retrying in ${formatWait(delay)}`})
          await opts.clock.sleep(delay, opts.signal)
          continue
        }
        return fail(part, transientFailures > 0 ? `${reason} (after ${transientFailures + 1} attempts)` : reason)
      }
      await journalResult(part, {status: 'published', remote})
      remotes.push(remote)
      replyTo = remote
      break
    }
  }
  const urls = remotes.flatMap((r) => (r.url ? [r.url] : []))
  opts.reporter.progress(channel, {state: 'published', urls})
  return {channel, status: 'published', ids: remotes.map((r) => r.id), urls}
}

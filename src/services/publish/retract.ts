import {CandorError, ExitCode} from '../../domain/errors.js'
import {incidentPlaybook, loadIncident} from '../incident/service.js'
import {withLock, type LockHolder} from '../incident/with-lock.js'
import type {ChannelAdapter} from './adapter.js'
import {loadAdapterFactory} from './channel-adapters.js'
import {checkCredentials, secretValues} from './credentials.js'
import {Redactor} from './redact.js'
import {channelsOf} from './publish-deps.js'
import type {IncidentState} from '../incident/state.js'

export interface RetractionOutcome {
  channel: string
  /**
   * deleted: every published part is gone; unsupported: the platform (or its mode) can't delete; failed: it tried and failed;
   * already-retracted: an earlier retract deleted it; nothing: nothing was published there;
   * interrupted: Ctrl-C stopped it before every part was deleted (`ids` are the ones that were).
   */
  status: 'deleted' | 'failed' | 'unsupported' | 'nothing' | 'already-retracted' | 'interrupted'
  ids: string[]
  error?: string
}

export interface RetractRequest {
  incident: string
  update: number
  channels?: readonly string[]
  /** Asked before anything is deleted; resolves false to stop. */
  confirm?: (summary: {
    update: number
    phase: string
    posts: Array<{channel: string; ids: string[]}>
    warnings: string[]
  }) => Promise<boolean>
}

/**
 * Deletes the published posts of one update where the platform allows it, journaling
 * each deletion, and says plainly where it cannot.
 */
export async function retractUpdate(req: RetractRequest, deps: RetractDeps): Promise<RetractResult> {
  return withLock(deps, req.incident, 'retract', () => retractLocked(req, deps))
}

interface RetractDeps extends LockHolder {
  env: Record<string, string | undefined>
  rehearsal?: boolean
  timeoutMs?: number
  /** Ctrl-C: deletes nothing new; a deletion in flight gets `graceMs` (5 s) to settle and be journaled. */
  signal?: AbortSignal
  graceMs?: number
}

type RetractResult = {
  incident: string
  update: number
  phase: string
  retractions: RetractionOutcome[]
  warnings: string[]
}

async function retractLocked(req: RetractRequest, given: RetractDeps): Promise<RetractResult> {
  const {state} = await loadIncident(given.store, req.incident)
  const update = state.updates.find((u) => u.update === req.update)
  if (!update) {
    throw new CandorError(`incident ${state.id} has no update ${req.update}`, {
      code: 'unknown_update',
      suggestions: [`Updates: ${state.updates.map((u) => `${u.update} (${u.phase})`).join(', ') || 'none yet'}`],
    })
  }
  const {playbook, deps} = await channelsOf(state, incidentPlaybook(state), given)
  const deliveries = [...update.deliveries.values()].filter(
    (d) => !req.channels?.length || req.channels.includes(d.channel),
  )
  if (req.channels?.length) {
    const unknown = req.channels.filter((c) => !update.deliveries.has(c))
    if (unknown.length > 0)
      throw new CandorError(`update ${req.update} has no post on ${unknown.join(', ')}`, {
        code: 'unknown_channel',
        suggestions: [`Channels of update ${req.update}: ${[...update.deliveries.keys()].join(', ')}`],
      })
  }
  const targets = deliveries
    .map((d) => ({channel: d.channel, parts: d.parts.filter((p) => p.status === 'published' && p.remote)}))
    .filter((t) => t.parts.length > 0)
  if (targets.length === 0) {
    const earlier = (d: (typeof deliveries)[number]) =>
      d.parts.some((p) => p.status === 'retracted') ? 'already-retracted' : 'nothing'
    return {
      incident: state.id,
      update: req.update,
      phase: update.phase,
      retractions: deliveries.map((d) => ({channel: d.channel, status: earlier(d), ids: []})),
      warnings: [],
    }
  }
  const warnings = targets.flatMap((t) =>
    orphanedReplies(state, req.update, t.channel, playbook.channels.get(t.channel)!.kind.threads),
  )

  const missing = targets.flatMap((t) => checkCredentials(playbook.channels.get(t.channel)!, deps.env).missing)
  if (missing.length > 0)
    throw new CandorError(`nothing was deleted: missing credentials: set ${missing.join(', ')}`, {
      code: 'credentials_missing',
    })
  if (
    req.confirm &&
    !(await req.confirm({
      update: req.update,
      phase: update.phase,
      posts: targets.map((t) => ({channel: t.channel, ids: t.parts.map((p) => p.remote!.id)})),
      warnings,
    }))
  ) {
    throw new CandorError('nothing was deleted: not confirmed', {code: 'aborted', exit: ExitCode.NotApproved})
  }

  const redactor = new Redactor(secretValues(deps.env))
  const signal = deps.signal ?? new AbortController().signal
  // As delivery does (deliverAll): an interrupt stops new deletions at once; one in flight
  // gets a grace period so its answer is journaled.
  const inFlight = new AbortController()
  const onAbort = () => setTimeout(() => inFlight.abort(), deps.graceMs ?? 5000).unref()
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, {once: true})
  const retractions = await Promise.all(
    targets.map(async ({channel, parts}): Promise<RetractionOutcome> => {
      const config = playbook.channels.get(channel)!
      const adapter: ChannelAdapter = (await loadAdapterFactory(config.type))({
        channel: config,
        credentials: checkCredentials(config, deps.env).values,
        timeoutMs: deps.timeoutMs ?? 15_000,
        store: deps.store,
        env: deps.env,
        rehearsal: deps.rehearsal === true,
      })
      const ids: string[] = []
      // Newest part first, so a thread is never left with a dangling head.
      for (const part of [...parts].reverse()) {
        const journal = (status: 'deleted' | 'failed' | 'unsupported', error?: string) =>
          deps.store.append(state.id, {
            type: 'retraction',
            by: deps.actor,
            update: req.update,
            channel,
            part: part.part,
            status,
            ...(error && {error}),
          })
        if (!adapter.delete) {
          const error = `${config.kind.label} does not let Candor delete posts${config.kind.undeletableHint ? ` ${config.kind.undeletableHint}` : ''}; remove it by hand`
          await journal('unsupported', error)
          return {channel, status: 'unsupported', ids, error}
        }
        if (signal.aborted) return {channel, status: 'interrupted', ids, error: 'interrupted before deleting the rest'}
        try {
          await adapter.delete(part.remote!, inFlight.signal)
          await journal('deleted')
          ids.push(part.remote!.id)
        } catch (error) {
          const message = redactor.text(
            inFlight.signal.aborted
              ? `interrupted while deleting part ${part.part}; it may or may not be gone: run \`candor retract\` again`
              : (error as Error).message,
          )
          await journal('failed', message)
          return {channel, status: 'failed', ids, error: message}
        }
      }
      return {channel, status: 'deleted', ids}
    }),
  )
  signal.removeEventListener('abort', onAbort)
  return {incident: state.id, update: req.update, phase: update.phase, retractions, warnings}
}

/**
 * On a channel where updates reply to each other: deleting the post the incident's
 * thread starts with leaves the later updates up, replying to a deleted post.
 */
/** The incident's first published post on a channel: the root of its thread. */
function firstPost(state: IncidentState, channel: string): {id: string} | undefined {
  for (const u of state.updates)
    for (const p of u.deliveries.get(channel)?.parts ?? []) if (p.status === 'published' && p.remote) return p.remote
  return undefined
}

function orphanedReplies(state: IncidentState, update: number, channel: string, threads: boolean): string[] {
  const first = firstPost(state, channel)
  const retracted = state.updates.find((u) => u.update === update)?.deliveries.get(channel)?.parts ?? []
  if (!threads || !first || !retracted.some((p) => p.status === 'published' && p.remote?.id === first.id)) return []
  const later = state.updates
    .filter((u) => u.update > update && (u.deliveries.get(channel)?.parts ?? []).some((p) => p.status === 'published'))
    .map((u) => u.update)
  if (later.length === 0) return []
  return [
    `${channel}: update ${update} starts the incident's thread; ${later.length === 1 ? 'update' : 'updates'} ${later.join(', ')} will stay up as ${later.length === 1 ? 'a reply' : 'replies'} to a deleted post (retract ${later.length === 1 ? 'it' : 'them'} too to take the whole thread down)`,
  ]
}

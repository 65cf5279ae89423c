import type {IncidentState} from '../incident/state.js'
import type {IncidentStore} from '../incident/store.js'
import type {LockOwner} from '../incident/lock-owner.js'
import type {Playbook} from '../../domain/playbook/model.js'
import type {ChannelAdapter} from './adapter.js'
import {loadAdapterFactory} from './channel-adapters.js'
import {checkCredentials, secretValues} from './credentials.js'
import {systemClock, type Clock, type DeliveryOptions, type DeliveryReporter} from './deliver.js'
import {Redactor} from './redact.js'
import {incidentChannels, linkedToSandbox, sandboxUrl} from './rehearsal.js'

/** What publishing (and retrying, and approving a draft) works with: the store, who acts, the environment, the clock. */
export interface PublishDeps {
  store: IncidentStore
  actor: string
  env: Record<string, string | undefined>
  reporter: DeliveryReporter
  clock?: Clock
  signal?: AbortSignal
  maxWaitMs?: number
  timeoutMs?: number
  retries?: number
  backoffMs?: number
  /** Where each backoff falls between 0 and its cap (default Math.random); tests fix it. */
  random?: () => number
  /** How long to wait for another command working on the same incident. */
  lockTimeoutMs?: number
  onLockWait?: (owner: LockOwner | undefined) => void
  /** Set by channelsOf for a rehearsal: `env` is the sandbox's, not the real one. */
  rehearsal?: boolean
  /** Set by channelsOf for a rehearsal: the sandbox's URL, which post links point at. */
  sandbox?: string
}

/**
 * The playbook and deps an incident's channels are built with: as given for a real
 * incident; for a rehearsal, the sandbox's channels and environment in place of the real
 * ones (rehearsal.ts). Every command that builds an incident's channels starts here.
 */
export async function channelsOf<
  D extends {
    env: Record<string, string | undefined>
    store: IncidentStore
    signal?: AbortSignal
    rehearsal?: boolean
    sandbox?: string
  },
>(state: IncidentState, playbook: Playbook, deps: D): Promise<{playbook: Playbook; deps: D}> {
  if (!state.rehearsal) return {playbook, deps}
  const channels = await incidentChannels(state, {playbook, env: deps.env}, deps)
  return {
    playbook: channels.playbook,
    deps: {...deps, env: channels.env, rehearsal: true, sandbox: sandboxUrl(state.rehearsal.sandbox)},
  }
}

const DEFAULTS = {maxWaitMs: 120_000, timeoutMs: 15_000, retries: 3, backoffMs: 1000}

/** The adapters of `channels`, each with its credentials from the environment. */
export async function buildAdapters(
  playbook: Playbook,
  channels: string[],
  deps: PublishDeps,
): Promise<Map<string, ChannelAdapter>> {
  const adapters = new Map<string, ChannelAdapter>()
  for (const name of channels) {
    const channel = playbook.channels.get(name)!
    const factory = await loadAdapterFactory(channel.type)
    const adapter = factory({
      channel,
      credentials: checkCredentials(channel, deps.env).values,
      timeoutMs: deps.timeoutMs ?? DEFAULTS.timeoutMs,
      store: deps.store,
      env: deps.env,
      rehearsal: deps.rehearsal === true,
    })
    // A rehearsal's posts link to the sandbox page, not to the platform (rehearsal.ts).
    adapters.set(name, deps.rehearsal && deps.sandbox ? linkedToSandbox(adapter, deps.sandbox, channel) : adapter)
  }
  return adapters
}

/** How deliveries run for `deps`: the defaults filled in. */
export function deliveryOptions(
  deps: PublishDeps,
  incident: IncidentState,
  update: {update: number; phase: string},
): DeliveryOptions {
  return {
    store: deps.store,
    incident,
    update,
    actor: deps.actor,
    redactor: new Redactor(secretValues(deps.env)),
    clock: deps.clock ?? systemClock,
    reporter: deps.reporter,
    signal: deps.signal ?? new AbortController().signal,
    maxWaitMs: deps.maxWaitMs ?? DEFAULTS.maxWaitMs,
    retries: deps.retries ?? DEFAULTS.retries,
    backoffMs: deps.backoffMs ?? DEFAULTS.backoffMs,
    random: deps.random,
  }
}

import {CHANNELS, type ChannelType} from '../../channels/registry.js'
import {CandorError} from '../../domain/errors.js'
import type {AdapterContext, AdapterFactory, ChannelAdapter} from './adapter.js'

/**
 * A channel type's adapter factory, loaded on first use: each adapter (and its SDK) loads
 * only when a command publishes to that type.
 */
export async function loadAdapterFactory(type: ChannelType): Promise<AdapterFactory> {
  const entry = (CHANNELS as Partial<Record<string, (typeof CHANNELS)[ChannelType]>>)[type]
  if (!entry) {
    throw new CandorError(`publishing to "${type}" channels is not supported yet`, {
      code: 'channel_unsupported',
      suggestions: [
        `Leave it out with --channel, e.g. --channel ${Object.keys(CHANNELS).slice(0, 3).join(' --channel ')}`,
      ],
    })
  }
  const factory: AdapterFactory = (await entry.adapter()).createAdapter
  return factory
}

/**
 * Builds an adapter for describing or checking a channel. SDK clients may refuse
 * incomplete credentials at construction; then there is no adapter, only a description.
 */
export async function tryCreateAdapter(
  ctx: AdapterContext,
): Promise<{adapter?: ChannelAdapter; target: string; error?: CandorError}> {
  const factory = await loadAdapterFactory(ctx.channel.type)
  try {
    const adapter = factory(ctx)
    return {adapter, target: adapter.describeTarget()}
  } catch (error) {
    // A refusal (an endpoint the environment does not trust) is said, not hidden.
    const target = `${ctx.channel.kind.label} channel "${ctx.channel.name}"`
    return {target, ...(error instanceof CandorError && {error})}
  }
}

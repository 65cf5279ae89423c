import type {ChannelType} from './kinds.js'
import {CandorError} from '../domain/errors.js'
import type {AdapterContext, AdapterFactory, ChannelAdapter} from '../services/publish/adapter.js'

// Each adapter (and its SDK) loads only when a command publishes to that type.
const loaders: Record<ChannelType, () => Promise<{createAdapter: AdapterFactory}>> = {
  x: () => import('./x/adapter.js'),
  mastodon: () => import('./mastodon/adapter.js'),
  bluesky: () => import('./bluesky/adapter.js'),
  facebook: () => import('./facebook/adapter.js'),
  slack: () => import('./slack/adapter.js'),
  discord: () => import('./discord/adapter.js'),
  webhook: () => import('./webhook/adapter.js'),
  email: () => import('./email/adapter.js'),
  statuspage: () => import('./statuspage/adapter.js'),
  markdown: () => import('./markdown/adapter.js'),
  site: () => import('./site/adapter.js'),
}

export async function loadAdapterFactory(type: ChannelType): Promise<AdapterFactory> {
  const load = (loaders as Partial<Record<ChannelType, () => Promise<{createAdapter: AdapterFactory}>>>)[type]
  if (!load) {
    throw new CandorError(`publishing to "${type}" channels is not supported yet`, {
      code: 'channel_unsupported',
      suggestions: [`Leave it out with --channel, e.g. --channel ${Object.keys(loaders).slice(0, 3).join(' --channel ')}`],
    })
  }
  return (await load()).createAdapter
}

/**
 * Builds an adapter for describing or checking a channel. SDK clients may refuse
 * incomplete credentials at construction; then there is no adapter, only a description.
 */
export async function tryCreateAdapter(ctx: AdapterContext): Promise<{adapter?: ChannelAdapter; target: string; error?: CandorError}> {
  const factory = await loadAdapterFactory(ctx.channel.type)
  try {
    const adapter = factory(ctx)
    return {adapter, target: adapter.describeTarget()}
  } catch (error) {
    // A refusal (an endpoint the environment does not trust) is said, not hidden.
    return {target: `${ctx.channel.kind.label} channel "${ctx.channel.name}"`, ...(error instanceof CandorError && {error})}
  }
}

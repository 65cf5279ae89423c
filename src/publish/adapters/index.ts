import type {ChannelType} from '../../channels/kinds.js'
import {CandorError} from '../../errors.js'
import type {AdapterFactory} from '../adapter.js'

// Each adapter (and its SDK) loads only when a command publishes to that type.
const loaders: Partial<Record<ChannelType, () => Promise<{createAdapter: AdapterFactory}>>> = {
  x: () => import('./x.js'),
}

export async function loadAdapterFactory(type: ChannelType): Promise<AdapterFactory> {
  const load = loaders[type]
  if (!load) {
    throw new CandorError(`publishing to "${type}" channels is not supported yet`, {
      code: 'channel_unsupported',
      suggestions: [`Leave it out with --channel, e.g. --channel ${Object.keys(loaders).join(' --channel ')}`],
    })
  }
  return (await load()).createAdapter
}

export function supportedTypes(): ChannelType[] {
  return Object.keys(loaders) as ChannelType[]
}

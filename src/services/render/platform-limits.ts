import type {Playbook} from '../../domain/playbook/model.js'
import {templateCache, type TemplateCache} from './template-cache-port.js'
import {envPrefix} from '../../channels/env-prefix.js'

/**
 * What a server says its channel allows (a Mastodon instance's `GET /api/v2/instance`), read
 * at publish and kept in Candor's cache folder per server, with the time it was read, so that
 * preview, which never touches the network, can split by it too.
 */
export interface PlatformLimits {
  /** The most a post may measure there. */
  maxLength: number
  /** What every URL counts as, where the server says. */
  urlLength?: number
  /** The server they are from (the cache key), e.g. https://mastodon.social. */
  source: string
  /** When they were read (ISO 8601). */
  readAt: string
}

/** Limits by channel name. */
export type ChannelLimits = ReadonlyMap<string, PlatformLimits>

const KIND = 'platform-limits'

/** The cache entry's input: the channel type and the server, so two kinds never share one. */
const cacheInput = (type: string, source: string) => `${type} ${source}`

/** Where a channel's own limits come from, if it has any (undefined also where `max_length` is set). */
export function limitsSource(
  playbook: Playbook,
  channel: string,
  env: Record<string, string | undefined> = {},
): string | undefined {
  const config = playbook.channels.get(channel)
  if (!config) return undefined
  // The instance travels with the token (CANDOR_<CHANNEL>_INSTANCE) and wins over the playbook's.
  const instance = env[`${envPrefix(channel)}INSTANCE`]?.trim()
  return config.kind.limitsFrom?.(instance ? {...config.options, instance} : config.options)
}

/** The limits cached for each of `channels` that has a server to read them from. */
export function cachedLimits(
  playbook: Playbook,
  channels: readonly string[],
  env: Record<string, string | undefined> = {},
  cache: TemplateCache | null = templateCache(),
): Map<string, PlatformLimits> {
  const out = new Map<string, PlatformLimits>()
  if (!cache) return out
  for (const name of channels) {
    const source = limitsSource(playbook, name, env)
    if (!source) continue
    const value = cache.get(KIND, cacheInput(playbook.channels.get(name)!.type, source)) as
      | Partial<PlatformLimits>
      | undefined
    if (isLimits(value) && value.source === source) out.set(name, value)
  }
  return out
}

/** Keeps what a server said, for later previews (a cache that cannot be written is no error). */
export function cacheLimits(type: string, limits: PlatformLimits, cache: TemplateCache | null = templateCache()): void {
  cache?.set(KIND, cacheInput(type, limits.source), limits)
}

function isLimits(value: Partial<PlatformLimits> | undefined): value is PlatformLimits {
  return (
    typeof value === 'object' &&
    value !== null &&
    Number.isInteger(value.maxLength) &&
    value.maxLength! > 0 &&
    (value.urlLength === undefined || (Number.isInteger(value.urlLength) && value.urlLength >= 0)) &&
    typeof value.source === 'string' &&
    typeof value.readAt === 'string'
  )
}

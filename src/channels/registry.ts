import {blueskyKind} from './bluesky/kind.js'
import {discordKind} from './discord/kind.js'
import {emailKind} from './email/kind.js'
import {facebookKind} from './facebook/kind.js'
import type {ChannelKind} from './kind.js'
import {markdownKind} from './markdown/kind.js'
import {mastodonKind} from './mastodon/kind.js'
import {siteKind} from './site/kind.js'
import {slackKind} from './slack/kind.js'
import {statuspageKind} from './statuspage/kind.js'
import {webhookKind} from './webhook/kind.js'
import {xKind} from './x/kind.js'

/**
 * Every channel type a playbook may use: its kind (what Candor knows without talking to
 * it) and its adapter, loaded only when something is sent to it (the dynamic import is
 * the one late binding from this domain module to infrastructure; a kind never loads
 * adapter code). Adding a channel: its folder and one line here (docs/channels/README.md).
 */
export const CHANNELS = {
  x: {kind: xKind, adapter: () => import('./x/adapter.js')},
  mastodon: {kind: mastodonKind, adapter: () => import('./mastodon/adapter.js')},
  bluesky: {kind: blueskyKind, adapter: () => import('./bluesky/adapter.js')},
  facebook: {kind: facebookKind, adapter: () => import('./facebook/adapter.js')},
  slack: {kind: slackKind, adapter: () => import('./slack/adapter.js')},
  discord: {kind: discordKind, adapter: () => import('./discord/adapter.js')},
  webhook: {kind: webhookKind, adapter: () => import('./webhook/adapter.js')},
  email: {kind: emailKind, adapter: () => import('./email/adapter.js')},
  statuspage: {kind: statuspageKind, adapter: () => import('./statuspage/adapter.js')},
  markdown: {kind: markdownKind, adapter: () => import('./markdown/adapter.js')},
  site: {kind: siteKind, adapter: () => import('./site/adapter.js')},
} as const satisfies Record<string, {kind: ChannelKind; adapter: () => Promise<{createAdapter: unknown}>}>

/** The channel types a playbook may use. */
export type ChannelType = keyof typeof CHANNELS
export const CHANNEL_TYPES = Object.keys(CHANNELS) as ChannelType[]

/** Each type's kind, by type. */
export const CHANNEL_KINDS: {readonly [T in ChannelType]: (typeof CHANNELS)[T]['kind']} = Object.fromEntries(
  CHANNEL_TYPES.map((type) => [type, CHANNELS[type].kind]),
) as {[T in ChannelType]: (typeof CHANNELS)[T]['kind']}

export function isChannelType(type: unknown): type is ChannelType {
  return typeof type === 'string' && Object.hasOwn(CHANNELS, type)
}

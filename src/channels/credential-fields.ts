import type {ChannelType} from './kinds.js'

export type CredentialField = 'secret' | 'identifier'

/**
 * For each channel kind, every environment field its `credentials` may name (after
 * `CANDOR_<CHANNEL>_`), declared `secret` (keys, tokens, passwords, token-bearing URLs:
 * masked in diagnostics) or `identifier` (public: a handle or user name, shown and posted
 * as written). A module of its own, without the kinds' length rules, because every
 * command reads it at start-up to install output redaction.
 */
export const CREDENTIAL_FIELDS: Readonly<Record<ChannelType, Readonly<Record<string, CredentialField>>>> = {
  x: {APP_KEY: 'secret', APP_SECRET: 'secret', ACCESS_TOKEN: 'secret', ACCESS_SECRET: 'secret'},
  mastodon: {ACCESS_TOKEN: 'secret', INSTANCE: 'identifier'},
  bluesky: {IDENTIFIER: 'identifier', APP_PASSWORD: 'secret'},
  facebook: {PAGE_TOKEN: 'secret'},
  slack: {BOT_TOKEN: 'secret', WEBHOOK_URL: 'secret'},
  discord: {WEBHOOK_URL: 'secret'},
  webhook: {URL: 'secret', SECRET: 'secret'},
  email: {SMTP_URL: 'secret'},
  statuspage: {API_KEY: 'secret'},
  markdown: {},
  site: {},
}

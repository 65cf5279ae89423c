import {graphemeLength} from '../../domain/text/length.js'
import {apiUrlEndpoint, channelKind, commonOptions, list, url, type OptionsOf} from '../kind.js'
import {sandboxBase} from '../sandbox-url.js'

/** Bluesky's `langs`: at most 3 BCP-47 language tags (app.bsky.feed.post). */
function languageTags(value: unknown): string | undefined {
  const tags = (value as unknown[]).map(String)
  if (tags.length > 3) return `must list at most 3 language tags (Bluesky keeps no more); found ${tags.length}`
  const bad = tags.filter((tag) => {
    try {
      return Intl.getCanonicalLocales(tag).length !== 1
    } catch {
      return true
    }
  })
  if (bad.length === 0) return undefined
  return `must be BCP-47 language tags such as en, de-DE or pt-BR; found ${bad.map((t) => JSON.stringify(t)).join(', ')}`
}

const options = {
  ...commonOptions,
  service: url({
    description:
      'The PDS to sign in to (default https://bsky.social); another PDS belongs in CANDOR_<CHANNEL>_SERVICE, beside the app password',
  }),
  langs: list({description: 'Language tags of the posts (at most 3, BCP-47)', check: languageTags}),
}
export type BlueskyOptions = OptionsOf<typeof options>

/** Bluesky: 300 graphemes and 3000 bytes of UTF-8 per post; threads. */
export const blueskyKind = channelKind({
  type: 'bluesky',
  label: 'Bluesky',
  threads: true,
  linksUpdates: () => true,
  format: 'text',
  measure: graphemeLength,
  unit: 'graphemes',
  defaultLimit: 300,
  maxBytes: 3000,
  http: true,
  audience: 'customers',
  options,
  credentials: () => [['IDENTIFIER', 'APP_PASSWORD']],
  credentialFields: {IDENTIFIER: 'identifier', APP_PASSWORD: 'secret'},
  endpoint: () => ({
    chain: [apiUrlEndpoint, {option: 'service', env: 'SERVICE'}],
    defaultOrigin: 'https://bsky.social',
    officialHosts: ['bsky.social', '.bsky.network'],
  }),
  sandbox: (target) => {
    const base = sandboxBase(target, 'bluesky')
    return {
      env: {API_URL: base, SERVICE: base, IDENTIFIER: 'rehearsal.bsky.social', APP_PASSWORD: 'sand-box0-rehe-arse'},
      options: {api_url: base, service: base},
    }
  },
})

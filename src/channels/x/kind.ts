import {xWeightedLength} from '../../domain/text/length.js'
import {apiUrlEndpoint, channelKind, commonOptions, type OptionsOf} from '../kind.js'
import {placeholderSecret, sandboxOrigin} from '../sandbox-url.js'

const options = {...commonOptions}
export type XOptions = OptionsOf<typeof options>

/** X (Twitter): 280 weighted characters (twitter-text), over-long posts become a thread. */
export const xKind = channelKind({
  type: 'x',
  label: 'X',
  threads: true,
  linksUpdates: () => true,
  format: 'text',
  measure: xWeightedLength,
  unit: 'weighted characters',
  defaultLimit: 280,
  http: true,
  audience: 'customers',
  options,
  credentials: () => [['APP_KEY', 'APP_SECRET', 'ACCESS_TOKEN', 'ACCESS_SECRET']],
  credentialFields: {APP_KEY: 'secret', APP_SECRET: 'secret', ACCESS_TOKEN: 'secret', ACCESS_SECRET: 'secret'},
  endpoint: () => ({
    chain: [apiUrlEndpoint],
    defaultOrigin: 'https://api.x.com',
    officialHosts: ['api.x.com', 'api.twitter.com', 'upload.twitter.com'],
  }),
  sandbox: (target) => {
    // Under /2/: twitter-api-v2 sends JSON bodies only to paths that start with /2/ (X API v2).
    const base = `${sandboxOrigin(target)}/2/x/${encodeURIComponent(target.channel)}`
    return {
      // As long as X's own (25, 50, 50 and 45 characters): nothing can tell them apart by length.
      env: {
        API_URL: base,
        APP_KEY: placeholderSecret('AppKey', 25),
        APP_SECRET: placeholderSecret('AppSecret', 50),
        ACCESS_TOKEN: `1590000000000000001-${placeholderSecret('AccessToken', 30)}`,
        ACCESS_SECRET: placeholderSecret('AccessSecret', 45),
      },
      options: {api_url: base},
    }
  },
})

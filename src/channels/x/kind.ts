import {xWeightedLength} from '../../domain/text/length.js'
import {apiUrlEndpoint, channelKind, commonOptions, type OptionsOf} from '../kind.js'

const options = {...commonOptions}
export type XOptions = OptionsOf<typeof options>

/** X (Twitter): 280 weighted characters (twitter-text), over-long posts become a thread. */
export const xKind = channelKind({
  type: 'x',
  label: 'X',
  threads: true,
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
})

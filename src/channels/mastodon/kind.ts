import {mastodonLength, mastodonRemoteMentions} from '../../domain/text/length.js'
import {apiUrlEndpoint, channelKind, commonOptions, number, oneOf, text, url, type OptionsOf} from '../kind.js'
import {placeholderSecret, sandboxBase} from '../sandbox-url.js'

const options = {
  ...commonOptions,
  instance: url({
    description:
      'The instance the account lives on, e.g. https://mastodon.social; better in CANDOR_<CHANNEL>_INSTANCE, beside the token (a playbook value must agree with it)',
  }),
  visibility: oneOf(['public', 'unlisted', 'private', 'direct'], {description: 'Post visibility'}),
  language: text({description: 'ISO 639 language code of the posts'}),
  max_length: number({
    description: 'The character limit to split by, instead of the one the instance says (GET /api/v2/instance)',
  }),
}
export type MastodonOptions = OptionsOf<typeof options>

/** Mastodon: the instance says its limit (500 by default); URLs count 23; threads. */
export const mastodonKind = channelKind({
  type: 'mastodon',
  label: 'Mastodon',
  threads: true,
  linksUpdates: () => true,
  format: 'text',
  measure: (text, server) => mastodonLength(text, server?.urlLength),
  unit: 'characters (URLs count 23)',
  defaultLimit: 500,
  limitConfigurable: true,
  notifies: mastodonRemoteMentions,
  limitsFrom: (config) => {
    return config.instance && URL.canParse(config.instance) ? new URL(config.instance).origin : undefined
  },
  http: true,
  audience: 'customers',
  options,
  // The instance travels with the token: in the environment, unless the playbook names one.
  credentials: (config) => (config.instance ? [['ACCESS_TOKEN']] : [['ACCESS_TOKEN', 'INSTANCE']]),
  credentialFields: {ACCESS_TOKEN: 'secret', INSTANCE: 'identifier'},
  endpoint: () => ({chain: [apiUrlEndpoint, {option: 'instance', env: 'INSTANCE'}], officialHosts: []}),
  sandbox: (target) => {
    const base = sandboxBase(target, 'mastodon')
    return {
      env: {API_URL: base, INSTANCE: base, ACCESS_TOKEN: placeholderSecret('MastodonToken', 43)},
      options: {api_url: base, instance: base},
    }
  },
})

import {apiUrlEndpoint, channelKind, commonOptions, template, titleOption, url, type OptionsOf} from '../kind.js'
import {webhookSecretProblem} from './secret.js'
import {sandboxBase, sandboxOrigin} from '../sandbox-url.js'

const options = {
  ...commonOptions,
  url: url({
    description:
      'Where to POST; better in CANDOR_<CHANNEL>_URL, beside the secret (a playbook value must agree with it, or its host be in CANDOR_TRUSTED_HOSTS)',
  }),
  title: titleOption,
  link: template({description: 'A link sent with each update (e.g. the status page)'}),
}
export type WebhookOptions = OptionsOf<typeof options>

/** A signed webhook (Standard Webhooks) to the team's own systems. */
export const webhookKind = channelKind({
  type: 'webhook',
  label: 'Webhook',
  threads: false,
  linksUpdates: () => true,
  format: 'text',
  http: true,
  audience: 'team',
  options,
  credentials: (config) => (config.url ? [['SECRET']] : [['URL', 'SECRET']]),
  credentialFields: {URL: 'secret', SECRET: 'secret'},
  credentialProblem: (values, prefix) => webhookSecretProblem(values.SECRET ?? '', `${prefix}SECRET`),
  endpoint: () => ({chain: [apiUrlEndpoint, {option: 'url', env: 'URL'}], officialHosts: []}),
  sandbox: (target) => {
    const url = `${sandboxBase(target, 'webhook')}/hooks/rehearsal`
    return {
      // 32 bytes, as MAKE_SECRET makes them.
      env: {
        URL: url,
        API_URL: sandboxOrigin(target),
        SECRET: `whsec_${'c2FuZGJveC1yZWhlYXJzYWwtc2lnbmluZy1zZWNyZXQ='}`,
      },
      options: {url, api_url: sandboxOrigin(target)},
    }
  },
})

import {codePointLength} from '../../domain/text/length.js'
import {apiUrlEndpoint, channelKind, commonOptions, template, text, type OptionsOf} from '../kind.js'
import {placeholderSecret, sandboxBase} from '../sandbox-url.js'

const options = {
  ...commonOptions,
  page_id: text({required: true, description: 'The Page to post on'}),
  link: template({description: 'A link attached to each post (e.g. the status page)'}),
  graph_version: text({
    description: 'Graph API version, e.g. v26.0 (default: the newest Candor knows)',
    pattern: {regex: /^v\d{1,3}\.\d$/, hint: 'a Graph API version like v26.0'},
  }),
}
export type FacebookOptions = OptionsOf<typeof options>

/** A Facebook Page: one post per update, no practical length limit. */
export const facebookKind = channelKind({
  type: 'facebook',
  label: 'Facebook Page',
  threads: false,
  format: 'text',
  measure: codePointLength,
  unit: 'characters',
  defaultLimit: 63206,
  http: true,
  audience: 'customers',
  options,
  credentials: () => [['PAGE_TOKEN']],
  credentialFields: {PAGE_TOKEN: 'secret'},
  endpoint: () => ({
    chain: [apiUrlEndpoint],
    defaultOrigin: 'https://graph.facebook.com',
    officialHosts: ['graph.facebook.com'],
  }),
  sandbox: (target) => {
    const base = sandboxBase(target, 'facebook')
    return {env: {API_URL: base, PAGE_TOKEN: placeholderSecret('PageToken', 180)}, options: {api_url: base}}
  },
})

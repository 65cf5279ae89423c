import {statuspagePlaybookProblems} from './playbook-checks.js'
import {apiUrlEndpoint, channelKind, commonOptions, list, map, oneOf, text, titleOption} from '../kind.js'
import type {OptionsOf} from '../kind.js'
import {placeholderSecret, sandboxBase} from '../sandbox-url.js'

const options = {
  ...commonOptions,
  page_id: text({required: true, description: 'Statuspage page ID'}),
  component_ids: list({description: 'Components the incident affects'}),
  status_map: map({description: 'Candor phase -> Statuspage status (investigating, identified, monitoring, resolved)'}),
  component_status: oneOf(['degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'], {
    description: 'Status of the affected components while the incident is open (default major_outage)',
  }),
  title: titleOption,
}
export type StatuspageOptions = OptionsOf<typeof options>

/** Atlassian Statuspage: one incident per Candor incident, updated by each post. */
export const statuspageKind = channelKind({
  type: 'statuspage',
  label: 'Atlassian Statuspage',
  threads: false,
  linksUpdates: () => true,
  format: 'text',
  http: true,
  audience: 'customers',
  statusPage: true,
  options,
  credentials: () => [['API_KEY']],
  credentialFields: {API_KEY: 'secret'},
  endpoint: () => ({
    chain: [apiUrlEndpoint],
    defaultOrigin: 'https://api.statuspage.io',
    officialHosts: ['api.statuspage.io'],
  }),
  playbookProblems: (channel) => statuspagePlaybookProblems(channel),
  sandbox: (target) => {
    const base = sandboxBase(target, 'statuspage')
    return {env: {API_URL: base, API_KEY: placeholderSecret('StatuspageKey', 36)}, options: {api_url: base}}
  },
})

import {channelKind, commonOptions, list, text, url, type OptionsOf} from '../kind.js'

const options = {
  locale: commonOptions.locale,
  dir: text({required: true, description: "Output folder of the static site (relative to the playbook's project)"}),
  title: text({description: 'Site title'}),
  base_url: url({description: 'Public URL the site is served from'}),
  components: list({description: 'Services listed on the page'}),
}
export type SiteOptions = OptionsOf<typeof options>

/** Candor's own static status site, written to a folder: HTML, every value escaped. */
export const siteKind = channelKind({
  type: 'site',
  label: 'Status site',
  threads: false,
  writesFiles: true,
  format: 'html',
  http: false,
  audience: 'customers',
  statusPage: true,
  options,
  credentials: () => [],
  credentialFields: {},
  publicHosts: (config) =>
    config.base_url && URL.canParse(config.base_url) ? [new URL(config.base_url).hostname] : [],
  // Built under the rehearsal's folder, never into the real site.
  sandbox: (target) => ({env: {}, options: {dir: `${target.dir}/${target.channel}`}}),
})

import {channelKind, commonOptions, list, text, titleOption, type OptionsOf} from '../kind.js'

const options = {
  locale: commonOptions.locale,
  dir: text({
    required: true,
    description:
      "Folder the post files go into (relative to the playbook's project: the folder holding .candor/ or the git root)",
  }),
  title: titleOption,
  tags: list({description: 'Front-matter tags'}),
}
export type MarkdownOptions = OptionsOf<typeof options>

/** A Markdown blog: one file per incident in a folder of the project. */
export const markdownKind = channelKind({
  type: 'markdown',
  label: 'Markdown blog',
  threads: false,
  writesFiles: true,
  format: 'markdown',
  http: false,
  audience: 'customers',
  options,
  credentials: () => [],
  credentialFields: {},
  // Written under the rehearsal's folder, never into the real blog.
  sandbox: (target) => ({env: {}, options: {dir: `${target.dir}/${target.channel}`}}),
})

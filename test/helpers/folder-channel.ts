/**
 * A playbook whose one channel writes into a folder beside it, so nothing needs a fake or a
 * credential: a Markdown blog (channel `blog`, folder `blog/`) or a status site (channel
 * `status`, folder `site/`). It has one required fact, `service`, and in each phase one post.
 */
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import type {PublishDeps} from '../../src/services/publish/publish.js'
import {writePlaybook} from './cli.js'

/**
 * `phases` maps each phase to the text of its post. Returns the playbook, the folder the channel
 * writes into, a file store beside them, publish deps without credentials, and `write(phases)`,
 * which writes the playbook again with other texts. No incident is opened.
 */
export function folderChannelPlaybook(type: 'markdown' | 'site', phases: Record<string, string>) {
  const {dir, playbook} = writePlaybook('')
  const channel = type === 'markdown' ? 'blog' : 'status'
  const folder = path.join(dir, type === 'markdown' ? 'blog' : 'site')
  const write = (texts: Record<string, string>) =>
    writeFileSync(
      playbook,
      `name: incident
facts:
  service: { required: true }
channels:
  ${channel}: { type: ${type}, dir: "${folder}" }
phases:
${Object.entries(texts)
  .map(([phase, text]) => `  ${phase}:\n    posts:\n      ${channel}: { text: "${text}" }\n`)
  .join('')}`,
    )
  write(phases)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const deps: PublishDeps = {store, actor: 'alice', env: {}, reporter: {progress() {}}}
  return {dir, playbook, folder, store, deps, write}
}

import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {tempDir} from '../helpers/cli.js'

/** A small playbook that reads every built-in that tells the time. */
export const TINY = `name: tiny
locales: [en]
facts:
  service: { required: true }
  impact: { required: true }
examples:
  service: Acme Voice
  impact: Calls fail
channels:
  x: { type: x }
  mastodon: { type: mastodon }
phases:
  investigating:
    next_update: 20m
    posts:
      x: { template: templates/investigating.hbs }
      mastodon: { template: templates/investigating.hbs }
  resolved:
    posts:
      x: { text: "{{service}} works again, after {{since @incident.started_at}}. Sorry." }
`

export const INVESTIGATING =
  "We're investigating a problem with {{service}}, sorry. {{impact}}.\n" +
  'Posted {{time @now format="datetime"}}, {{since @incident.started_at}} in; next update {{relative @next_update}}, by {{time @next_update}}.\n'

/** A project folder holding `playbooks/tiny.yaml` and its template; `files` adds or replaces files. */
export function writeProject(files: Record<string, string> = {}): {dir: string; playbook: string} {
  const dir = tempDir('candor-goldens-')
  const all = {'playbooks/tiny.yaml': TINY, 'playbooks/templates/investigating.hbs': INVESTIGATING, ...files}
  for (const [name, text] of Object.entries(all)) writeFile(dir, name, text)
  return {dir, playbook: path.join(dir, 'playbooks', 'tiny.yaml')}
}

export function writeFile(dir: string, name: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
  writeFileSync(path.join(dir, name), text)
}

import {existsSync} from 'node:fs'
import path from 'node:path'
import {CandorError} from '../../domain/errors.js'
import {type Facts, mergeFacts, resolveFacts} from '../../domain/playbook/facts.js'
import type {Playbook} from '../../domain/playbook/model.js'
import {loadFactsFile} from '../playbook/facts-file.js'

export interface ExampleFacts {
  facts: Facts
  /** Where they came from, in words, for the snapshot's header (paths relative to the playbook's folder). */
  source: string
}

/** `examples/NAME.facts.yaml` beside the playbook `NAME.yaml`, as the shipped examples and `candor init` lay them out. */
export function exampleFactsFile(playbookFile: string): string {
  const base = path.basename(playbookFile).replace(/\.ya?ml$/i, '')
  return path.join(path.dirname(playbookFile), 'examples', `${base}.facts.yaml`)
}

/**
 * The facts a playbook is rendered with when there is no incident: its `examples:` block,
 * with `--facts FILE` laid over it (as `playbook lint` does). A playbook without the block
 * and without `--facts` uses `examples/NAME.facts.yaml` beside it when there is one, else the
 * facts' defaults when no fact is required.
 */
export function exampleFacts(playbook: Playbook, factsFile?: string): ExampleFacts {
  const own = playbook.examples
  const sibling = exampleFactsFile(playbook.file)
  const file = factsFile ?? (!own && existsSync(sibling) ? sibling : undefined)
  if (!own && !file) {
    // Nothing to lay over: a playbook whose facts are all optional renders with their defaults.
    try {
      return {facts: resolveFacts(playbook, {}), source: "none given: the facts' defaults"}
    } catch {
      throw new CandorError(`playbook "${playbook.name}" has no example facts to render with`, {
        code: 'snapshot_needs_facts',
        suggestions: [
          `Pass --facts FILE, add an "examples:" block to the playbook, or write ${path.relative(process.cwd(), sibling)}`,
        ],
      })
    }
  }
  const given = mergeFacts({...own}, file ? loadFactsFile(file) : {})
  const relative = (f: string) => path.relative(path.dirname(playbook.file), path.resolve(f)).split(path.sep).join('/')
  const source = [own ? 'the playbook\'s "examples:" block' : '', file ? `\`${relative(file)}\`` : '']
    .filter(Boolean)
    .join(', with ')
  return {facts: resolveFacts(playbook, given), source}
}

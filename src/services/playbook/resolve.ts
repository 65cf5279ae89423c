import {existsSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {CandorError} from '../../domain/errors.js'
import {loadPlaybook, type LoadOptions} from './load.js'
import {formatProblem, type Playbook} from '../../domain/playbook/model.js'

export const DEFAULT_PLAYBOOK_DIR = 'playbooks'

/** YAML files directly inside `dir`, sorted. */
export function listPlaybookFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return []
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f))
}

/**
 * A playbook argument is a file path, or a bare name looked up as
 * `playbooks/NAME.yaml` (so `candor preview outage` works from a project root).
 */
export function resolvePlaybookPath(arg: string): string {
  if (existsSync(arg)) return arg
  if (!arg.includes('/') && !/\.ya?ml$/.test(arg)) {
    for (const ext of ['.yaml', '.yml']) {
      const candidate = path.join(DEFAULT_PLAYBOOK_DIR, arg + ext)
      if (existsSync(candidate)) return candidate
    }
  }
  const known = listPlaybookFiles(DEFAULT_PLAYBOOK_DIR)
  throw new CandorError(`no playbook at "${arg}"`, {
    code: 'playbook_not_found',
    suggestions: [
      known.length > 0
        ? `Playbooks here: ${known.join(', ')}`
        : 'Create one with `candor init`, or pass the path of a playbook YAML file',
    ],
  })
}

/** Loads a playbook for use; an invalid one is an error that points at its first problem. */
export function requirePlaybook(arg: string, options: LoadOptions = {}): Playbook {
  const file = resolvePlaybookPath(arg)
  const {playbook, problems} = loadPlaybook(file, options)
  if (!playbook) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
    throw new CandorError(`invalid playbook: ${formatProblem(problems[0])}${more}`, {
      code: 'playbook_invalid',
      suggestions: [`Run \`candor playbook validate ${file}\` to see every problem`],
    })
  }
  return playbook
}

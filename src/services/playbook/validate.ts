import {existsSync} from 'node:fs'
import path from 'node:path'
import {displayPath, loadPlaybook} from './load.js'
import type {Problem} from '../../domain/playbook/model.js'
import {DEFAULT_PLAYBOOK_DIR} from './resolve.js'

export interface FileReport {
  file: string
  name?: string
  valid: boolean
  problems: Problem[]
  /** Allowed, but worth a look: endpoint overrides (where the channel's credentials would go). */
  warnings: Problem[]
}

export interface ValidationReport {
  files: FileReport[]
  problemCount: number
}

/** Validates each playbook; a bare name is looked up in ./playbooks like elsewhere. */
export function validatePlaybooks(args: readonly string[]): ValidationReport {
  const files = args.map((arg): FileReport => {
    let file = arg
    if (!existsSync(arg) && !arg.includes('/') && !/\.ya?ml$/.test(arg)) {
      const candidate = path.join(DEFAULT_PLAYBOOK_DIR, `${arg}.yaml`)
      if (existsSync(candidate)) file = candidate
    }
    const {playbook, problems, warnings = []} = loadPlaybook(file)
    return {
      file: displayPath(path.resolve(file)),
      name: playbook?.name,
      valid: problems.length === 0,
      problems,
      warnings,
    }
  })
  return {files, problemCount: files.reduce((n, f) => n + f.problems.length, 0)}
}

import {writeFileSync} from 'node:fs'
import path from 'node:path'
import type {Playbook} from '../../src/domain/playbook/model.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {tempDir} from './cli.js'

/** The playbook `yaml` loads into, from a file in a fresh folder; its problems, if any, as the error. */
export function playbookOf(yaml: string): Playbook {
  const file = path.join(tempDir(), 'incident.yaml')
  writeFileSync(file, yaml)
  const {playbook, problems} = loadPlaybook(file)
  if (!playbook) throw new Error(problems.map((p) => p.message).join('; '))
  return playbook
}

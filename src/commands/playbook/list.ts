import {Args} from '@oclif/core'
import {CandorCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/style.js'
import {CandorError} from '../../domain/errors.js'
import {displayPath, loadPlaybook} from '../../services/playbook/load.js'
import {DEFAULT_PLAYBOOK_DIR, listPlaybookFiles} from '../../services/playbook/resolve.js'
import {existsSync} from 'node:fs'
import path from 'node:path'

export default class PlaybookList extends CandorCommand {
  static override summary = 'List the playbooks in a folder with their phases and channels'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ops/playbooks --json',
  ]

  static override args = {
    dir: Args.string({description: 'folder to look in', default: DEFAULT_PLAYBOOK_DIR}),
  }

  async run() {
    const {args} = await this.parse(PlaybookList)
    if (!existsSync(args.dir)) {
      throw new CandorError(`no folder "${args.dir}"`, {
        code: 'dir_not_found',
        suggestions: ['Create example playbooks with `candor init`, or name the folder that holds them'],
      })
    }
    const playbooks = listPlaybookFiles(args.dir).map((file) => {
      const {playbook, problems} = loadPlaybook(file)
      return {
        file: displayPath(path.resolve(file)),
        name: playbook?.name ?? null,
        description: playbook?.description ?? null,
        valid: problems.length === 0,
        problems: problems.length,
        phases: playbook?.phases.map((p) => p.name) ?? [],
        channels: playbook ? [...playbook.channels.values()].map((c) => ({name: c.name, type: c.type})) : [],
      }
    })
    if (playbooks.length === 0) this.log(`No playbooks in ${args.dir}. Create one with \`candor init\`.`)
    for (const p of playbooks) {
      if (!p.valid) {
        this.log(
          `${paint('bold', p.file)}  ${paint('red', `invalid: ${p.problems} ${p.problems === 1 ? 'problem' : 'problems'}`)} (run \`candor playbook validate ${p.file}\`)`,
        )
        continue
      }
      this.log(`${paint('bold', p.name!)}  ${paint('dim', p.file)}${p.description ? `  ${p.description}` : ''}`)
      this.log(`  phases:   ${p.phases.join(' → ')}`)
      this.log(
        `  channels: ${p.channels.map((c) => (c.name === c.type ? c.name : `${c.name} (${c.type})`)).join(', ')}`,
      )
    }
    return {playbooks}
  }
}

import {Args, Flags} from '@oclif/core'
import path from 'node:path'
import {CandorCommand} from '../cli/base-command.js'
import {paint} from '../cli/style.js'
import {scaffoldProject} from '../scaffold.js'

export default class Init extends CandorCommand {
  static override summary = 'Create a playbooks/ folder with a working example playbook and templates'
  static override description = 'Copies a shipped example playbook, its templates and an example facts file into DIR/playbooks. Existing files are never overwritten: if any would be, nothing is written.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> ops --example scheduled-maintenance']

  static override args = {
    dir: Args.string({description: 'folder to create playbooks/ in', default: '.'}),
  }

  static override flags = {
    example: Flags.string({description: 'which shipped playbook to start from', default: 'outage', options: ['outage', 'degraded-performance', 'scheduled-maintenance']}),
  }

  async run() {
    const {args, flags} = await this.parse(Init)
    const result = scaffoldProject(args.dir, flags.example)
    for (const file of result.created) this.log(`${paint('green', 'created')} ${file}`)
    const playbook = path.join(args.dir, 'playbooks', `${flags.example}.yaml`)
    const facts = path.join(args.dir, 'playbooks', 'examples', `${flags.example}.facts.yaml`)
    this.log('')
    this.log(`Next: candor preview ${playbook} --phase ${flags.example === 'scheduled-maintenance' ? 'announced' : 'investigating'} --facts ${facts}`)
    return {created: result.created}
  }
}

import {Flags} from '@oclif/core'
import {CandorCommand, stateFlags} from '../../cli/base-command.js'
import {paint} from '../../cli/style.js'
import {rehearsalMark} from '../../cli/rehearsal.js'
import {listIncidents} from '../../services/incident/service.js'

export default class IncidentList extends CandorCommand {
  static override summary = 'List open incidents (or all with --all, resolved and closed ones too)'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all --json']
  static override flags = {
    all: Flags.boolean({char: 'a', description: 'include resolved and closed incidents'}),
    ...stateFlags,
  }

  async run() {
    const {flags} = await this.parse(IncidentList)
    const warnings: string[] = []
    const incidents = await listIncidents(await this.openStore(flags), {
      all: flags.all,
      onSkip: (w) => warnings.push(w),
    })
    for (const w of warnings) this.warnLine(w)
    if (incidents.length === 0) this.log(flags.all ? 'No incidents.' : 'No open incidents.')
    const width = Math.max(0, ...incidents.map((i) => i.id.length))
    for (const i of incidents) {
      const state = i.closed
        ? paint('dim', 'closed')
        : i.resolved
          ? paint('green', 'resolved')
          : paint('yellow', i.phase ?? 'opened')
      this.log(
        `${paint('bold', i.id.padEnd(width))}  ${state}  ${paint('dim', `${i.playbook}, started ${i.started_at}`)}${i.rehearsal ? `  ${rehearsalMark(paint)}` : ''}`,
      )
    }
    return {incidents, warnings}
  }
}

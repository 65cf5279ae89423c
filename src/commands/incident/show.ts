import {Args} from '@oclif/core'
import {CandorCommand, incidentFlag, stateFlags} from '../../cli/base-command.js'
import {chooseIncident} from '../../cli/incident-choice.js'
import {paint} from '../../cli/style.js'
import {rehearsalMark} from '../../cli/rehearsal.js'
import {formatTime} from '../../domain/time.js'
import {loadIncident} from '../../services/incident/service.js'
import {incidentStatus} from '../../services/incident/status.js'
import {describeEvent} from '../../services/incident/timeline.js'

export default class IncidentShow extends CandorCommand {
  static override summary = "Show an incident's timeline: facts, approvals and every delivery"
  static override description = 'Without an id: the only open incident, else the most recent one (said on stderr).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 2026-11-25-acme-voice',
    '<%= config.bin %> <%= command.id %> -i 2026-11-25-acme-voice --json',
  ]
  static override args = {
    id: Args.string({
      description: 'incident id, as --incident (default: the only open incident, else the most recent)',
    }),
  }
  static override flags = {incident: incidentFlag, ...stateFlags}

  async run() {
    const {args, flags} = await this.parse(IncidentShow)
    const store = await this.openStore(flags)
    const id = await chooseIncident(
      store,
      {flag: flags.incident, arg: args.id},
      {fallback: () => true, onSkip: (w) => this.warnLine(w)},
    )
    const {state, warnings} = await loadIncident(store, id)
    for (const w of warnings) this.warnLine(w)
    const status = incidentStatus(state)
    // With --json the lines are never shown: don't build them (a long incident has thousands).
    if (!this.jsonEnabled()) {
      const lines = [
        `${status.rehearsal ? `${rehearsalMark(paint)}  ` : ''}${paint('bold', state.id)}  ${state.closed ? paint('dim', 'closed') : status.resolved ? paint('green', 'resolved') : paint('yellow', status.phase ?? 'opened')}  ${paint('dim', `playbook ${state.playbook.name}`)}`,
        '',
      ]
      let day = ''
      for (const e of state.events) {
        if (e.at.slice(0, 10) !== day) {
          day = e.at.slice(0, 10) // `at` is UTC ISO: a new date heading when its day changes
          lines.push(paint('bold', formatTime(e.at, 'date')))
        }
        lines.push(`  ${paint('dim', e.at.slice(11, 19))}  ${paint('cyan', e.by)}  ${describeEvent(e)}`)
      }
      this.print(lines.join('\n')) // one write, not one per event
    }
    return {
      incident: state.id,
      rehearsal: status.rehearsal,
      sandbox: status.sandbox,
      playbook: state.playbook,
      status,
      events: state.events,
      warnings,
    }
  }
}

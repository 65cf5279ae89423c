import {CandorCommand, incidentFlag, stateFlags} from '../cli/base-command.js'
import {paint} from '../cli/style.js'
import {rehearsalMark} from '../cli/rehearsal.js'
import {describeDuration, formatTime} from '../domain/time.js'
import {chooseIncident, incidentPlaybookFlag, lookForPlaybooks} from '../cli/incident-choice.js'
import {loadIncident} from '../services/incident/service.js'
import {incidentStatus} from '../services/incident/status.js'

export default class Status extends CandorCommand {
  static override summary = 'Where an incident stands: phase, facts, last post per channel, next update due'
  static override description =
    'Flags the next update OVERDUE when the time promised in the last update has passed. Without --incident: the only open incident, else the most recent one (said on stderr).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --incident 2026-11-25-acme-voice --json',
  ]
  static override flags = {incident: incidentFlag, playbook: incidentPlaybookFlag, ...stateFlags}

  async run() {
    const {flags} = await this.parse(Status)
    const store = await this.openStore(flags)
    lookForPlaybooks(store, flags.playbook)
    const skipped: string[] = []
    const loaded = await loadIncident(
      store,
      await chooseIncident(store, {flag: flags.incident}, {fallback: () => true, onSkip: (w) => skipped.push(w)}),
    )
    const warnings = [...skipped, ...loaded.warnings]
    const state = loaded.state
    for (const w of warnings) this.warnLine(w)
    const now = new Date()
    const s = incidentStatus(state, now)
    this.log(
      `${s.rehearsal ? `${rehearsalMark(paint)}  ` : ''}${paint('bold', s.incident)}  ${state.closed ? paint('dim', `closed: ${state.closed.reason}`) : s.resolved ? paint('green', 'resolved') : paint('yellow', s.phase ?? 'opened, nothing published yet')}  ${paint('dim', `${s.playbook}, started ${formatTime(s.started_at, 'datetime')} (${describeDuration(now.getTime() - Date.parse(s.started_at))} ago)`)}`,
    )
    if (s.rehearsal) this.log(`Every channel goes to the sandbox at ${s.sandbox}: nothing reaches a real platform.`)
    if (s.next_update_due) {
      const due = Date.parse(s.next_update_due)
      const line = s.overdue
        ? paint(
            'red',
            paint(
              'bold',
              `OVERDUE: the ${s.first_update ? 'first update was due' : 'next update was promised'} by ${formatTime(s.next_update_due, 'datetime')} (${describeDuration(now.getTime() - due)} ago)`,
            ),
          )
        : `${s.first_update ? 'First update' : 'Next update'} due by ${formatTime(s.next_update_due, 'datetime')} (in ${describeDuration(due - now.getTime())})`
      this.log(line)
    }
    this.log('')
    this.log(paint('bold', 'Facts'))
    for (const [k, v] of Object.entries(s.facts)) this.log(`  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    this.log('')
    this.log(paint('bold', 'Last post per channel'))
    if (s.channels.length === 0) this.log('  (none yet)')
    for (const c of s.channels)
      this.log(
        `  ${c.channel}: ${c.url ?? c.id} ${paint('dim', `(update ${c.update}, ${formatTime(c.at, 'datetime')})`)}`,
      )
    if (s.unfinished.length > 0) {
      this.log('')
      this.log(paint('red', 'Not delivered (run `candor retry`)'))
      for (const u of s.unfinished)
        this.log(`  update ${u.update} (${u.phase}) ${u.channel}: ${u.status}${u.error ? ` — ${u.error}` : ''}`)
    }
    return {...s, warnings}
  }
}

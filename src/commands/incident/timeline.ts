import {Args, Flags} from '@oclif/core'
import {CandorCommand, stateFlags} from '../../cli/base-command.js'
import {postmortemTimeline, timelineMarkdown} from '../../incident/postmortem.js'
import {loadIncident, openStore, resolveIncidentId} from '../../incident/service.js'

export default class IncidentTimeline extends CandorCommand {
  static override summary = 'The complete record of an incident for the postmortem, as Markdown or JSON'
  static override description = `Every fact change, approval (and who gave it), post (channel, time, URL), failure and retry in time order; the time from opening to the first public acknowledgement; and each gap between published updates against the time the previous update promised, flagged when late.

Markdown (the default) is for pasting into a postmortem document; --format json or --json give the same as data.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 2026-11-25-acme-voice > timeline.md',
    '<%= config.bin %> <%= command.id %> 2026-11-25-acme-voice --format json',
  ]

  static override args = {id: Args.string({description: 'incident id (may be left out when exactly one is open)'})}
  static override flags = {
    format: Flags.string({char: 'f', description: 'output format', options: ['md', 'json'], default: 'md'}),
    ...stateFlags,
  }

  async run() {
    const {args, flags} = await this.parse(IncidentTimeline)
    const store = openStore({stateDir: flags['state-dir'], store: flags.store})
    const {state, warnings} = await loadIncident(store, await resolveIncidentId(store, args.id, (w) => this.warnLine(w)))
    for (const w of warnings) this.warnLine(w)
    const timeline = {...postmortemTimeline(state), warnings}
    if (this.jsonEnabled()) return timeline
    this.log(flags.format === 'json' ? JSON.stringify(timeline, null, 2) : timelineMarkdown(timeline))
    return timeline
  }
}

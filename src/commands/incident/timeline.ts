import {Args, Flags} from '@oclif/core'
import {CandorCommand, incidentFlag, stateFlags} from '../../cli/base-command.js'
import {chooseIncident} from '../../cli/incident-choice.js'
import {postmortemTimeline, timelineMarkdown} from '../../services/incident/postmortem.js'
import {loadIncident} from '../../services/incident/service.js'

export default class IncidentTimeline extends CandorCommand {
  static override summary = 'The complete record of an incident for the postmortem, as Markdown or JSON'
  static override description =
    `Every fact change, approval (and who gave it), post (channel, time, URL), failure and retry in time order; the time from opening to the first public acknowledgement; and each gap between published updates against the time the previous update promised, flagged when late.

Markdown (the default) is for pasting into a postmortem document; --format json or --json give the same as data. Without an id: the only open incident, else the most recent one (said on stderr).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 2026-11-25-acme-voice > timeline.md',
    '<%= config.bin %> <%= command.id %> -i 2026-11-25-acme-voice --format json',
  ]

  static override args = {
    id: Args.string({
      description: 'incident id, as --incident (default: the only open incident, else the most recent)',
    }),
  }
  static override flags = {
    format: Flags.string({char: 'f', description: 'output format', options: ['md', 'json'], default: 'md'}),
    incident: incidentFlag,
    ...stateFlags,
  }

  async run() {
    const {args, flags} = await this.parse(IncidentTimeline)
    const store = await this.openStore(flags)
    const {state, warnings} = await loadIncident(
      store,
      await chooseIncident(
        store,
        {flag: flags.incident, arg: args.id},
        {fallback: () => true, onSkip: (w) => this.warnLine(w)},
      ),
    )
    for (const w of warnings) this.warnLine(w)
    const timeline = {...postmortemTimeline(state), warnings}
    if (this.jsonEnabled()) return timeline
    this.log(flags.format === 'json' ? JSON.stringify(timeline, null, 2) : timelineMarkdown(timeline))
    return timeline
  }
}

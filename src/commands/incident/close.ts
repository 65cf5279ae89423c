import {Args, Flags} from '@oclif/core'
import {actorFlag, CandorCommand, incidentFlag, stateFlags} from '../../cli/base-command.js'
import {chooseIncident} from '../../cli/incident-choice.js'
import {closeIncident} from '../../services/incident/service.js'

export default class IncidentClose extends CandorCommand {
  static override summary = 'End an incident without posting anything (a duplicate, a false alarm)'
  static override description =
    'Records who closed it and why in the journal; a closed incident leaves the open list (`incident list --all` still shows it) and nothing more is published for it. An incident that went public ends with its final phase instead (`candor publish --phase resolved`).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 2026-11-25-acme-voice-2 --reason "duplicate of 2026-11-25-acme-voice"',
    '<%= config.bin %> <%= command.id %> --reason "false alarm: a monitoring glitch" --json',
  ]

  static override args = {
    id: Args.string({description: 'incident id, as --incident (default: the only open incident)'}),
  }
  static override flags = {
    incident: incidentFlag,
    reason: Flags.string({
      char: 'r',
      description: 'why it ends without posting, for the record',
      required: true,
      helpValue: 'TEXT',
    }),
    as: actorFlag,
    ...stateFlags,
  }

  async run() {
    const {args, flags} = await this.parse(IncidentClose)
    const store = await this.openStore(flags)
    const id = await chooseIncident(store, {flag: flags.incident, arg: args.id}, {changes: true})
    const state = await closeIncident(store, {
      incident: id,
      reason: flags.reason,
      actor: (await this.actor(flags)).name,
    })
    const published = state.lastPosts.size
    if (published > 0)
      this.warnLine(
        `${published} ${published === 1 ? 'channel has' : 'channels have'} posts about it that stay up; followers there were not told it is over`,
      )
    this.log(`Closed ${id}: ${state.closed!.reason}`)
    return {incident: id, closed: state.closed}
  }
}

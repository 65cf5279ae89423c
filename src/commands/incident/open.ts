import {Args, Flags} from '@oclif/core'
import {actorFlag, CandorCommand, factFlags, stateFlags} from '../../cli/base-command.js'
import {paint, paintErr} from '../../cli/style.js'
import {openIncident, type IncidentSummary} from '../../services/incident/service.js'
import {readFactInput} from '../../services/publish/preview.js'
import {DEFAULT_SANDBOX_URL, SANDBOX_VAR, sandboxUrl} from '../../services/publish/rehearsal.js'
import {rehearsalMark, withOptionalValue} from '../../cli/rehearsal.js'

export default class IncidentOpen extends CandorCommand {
  static override summary = 'Open an incident from a playbook and print its id'
  static override description =
    'Starts the incident journal with the facts known so far. Facts can be added or changed later with publish --set/--facts; required facts must be known by the first publish.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> playbooks/outage.yaml --facts facts.yaml',
    '<%= config.bin %> <%= command.id %> outage --set service="Acme Voice" --set impact="Calls fail to connect"',
    '<%= config.bin %> <%= command.id %> outage --id voice-2026-11 --json',
    {
      description: 'A rehearsal: every channel goes to `candor sandbox` on this machine, never to a platform',
      command: '<%= config.bin %> <%= command.id %> outage --sandbox',
    },
  ]

  static override args = {
    playbook: Args.string({description: 'playbook file, or a name in ./playbooks', required: true}),
  }
  static override flags = {
    id: Flags.string({description: 'incident id (default: date and a slug of the service fact)'}),
    ...factFlags,
    ...stateFlags,
    as: actorFlag,
    sandbox: Flags.string({
      description: `a rehearsal: every channel goes to the sandbox at URL (\`candor sandbox\`; default $${SANDBOX_VAR} or ${DEFAULT_SANDBOX_URL}), no credentials are read, nothing reaches a real platform`,
      helpValue: '[URL]',
    }),
    yes: Flags.boolean({
      char: 'y',
      description: 'open it even when the same service has an open incident from this playbook',
    }),
  }

  async run() {
    const {args, flags} = await this.parse(IncidentOpen, withOptionalValue(this.argv, '--sandbox'))
    // Checked before anything is opened: a rehearsal is only ever one on this machine.
    const rehearsal = flags.sandbox === undefined ? undefined : {sandbox: sandboxUrl(flags.sandbox, this.env)}
    const store = await this.openStore(flags)
    const {interactive} = this
    const onDuplicate = async (open: IncidentSummary[]) => {
      const which = open.map((i) => `${i.id} (${i.phase ?? 'nothing published yet'})`).join(', ')
      if (flags.yes) return true
      if (!interactive) {
        process.stderr.write(
          `${paintErr('yellow', '›')} ${open.length === 1 ? 'an incident is' : `${open.length} incidents are`} already open for the same service: ${which}; opening another (close a duplicate with \`candor incident close ID --reason TEXT\`)\n`,
        )
        return true
      }
      return this.prompter.ask(
        (p) =>
          p.confirm({
            message: `Already open for the same service: ${which}. Open another incident anyway?`,
            default: false,
          }),
        'no incident was opened',
      )
    }
    const state = await openIncident(store, {
      playbook: args.playbook,
      id: flags.id,
      facts: readFactInput({factsFile: flags.facts, sets: flags.set}),
      actor: (await this.actor(flags)).name,
      onDuplicate,
      rehearsal,
    })
    this.log(state.id)
    if (rehearsal && !this.jsonEnabled())
      process.stderr.write(
        `${rehearsalMark(paintErr)} every channel of ${state.id} goes to the sandbox at ${rehearsal.sandbox} (start it with \`candor sandbox\`)\n`,
      )
    if (!this.jsonEnabled() && process.stderr.isTTY)
      process.stderr.write(paint('dim', `Next: candor publish --incident ${state.id} --phase ${'<phase>'}\n`))
    return {id: state.id, ...(rehearsal && {rehearsal: true, sandbox: rehearsal.sandbox})}
  }
}

import {Flags} from '@oclif/core'
import {incidentFlag, sendingFlags, stateFlags} from '../cli/base-command.js'
import {SendingCommand} from '../cli/sending-command.js'
import {warnIfRehearsal} from '../cli/rehearsal.js'
import {ExitCode} from '../domain/errors.js'
import {chooseIncident, incidentPlaybookFlag, lookForPlaybooks} from '../cli/incident-choice.js'
import {incidentStatus} from '../services/incident/status.js'
import {retryFailed} from '../services/publish/publish.js'

export default class Retry extends SendingCommand {
  static override summary = 'Send again the deliveries that failed; never re-send a published one'
  static override description =
    'Threading is kept: a retried part replies to the post it would have replied to. Exit 0 when everything is now published, 3 when something still failed. Without --incident: the only open incident, else the most recent one with deliveries left to send (said on stderr).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --incident 2026-11-25-acme-voice --json',
  ]
  static override flags = {
    incident: incidentFlag,
    channel: Flags.string({char: 'c', description: 'only this channel (repeatable)', multiple: true}),
    'assume-sent': Flags.boolean({
      description: 'a part whose send was interrupted, on a platform that cannot be asked, is taken as published',
      exclusive: ['assume-lost'],
    }),
    'assume-lost': Flags.boolean({
      description: 'a part whose send was interrupted, on a platform that cannot be asked, is sent again',
      exclusive: ['assume-sent'],
    }),
    playbook: incidentPlaybookFlag,
    ...sendingFlags,
    ...stateFlags,
  }

  async run() {
    const {flags} = await this.parse(Retry)
    const store = await this.openStore(flags)
    lookForPlaybooks(store, flags.playbook)
    const incident = await chooseIncident(
      store,
      {flag: flags.incident},
      {
        changes: true,
        verb: 'retrying',
        onSkip: (w) => this.warnLine(w),
        fallback: (state) => !state.closed && incidentStatus(state, new Date(), null).unfinished.length > 0,
      },
    )
    await warnIfRehearsal(store, incident, (line) => this.warnLine(line))
    const ask = this.interactive
      ? async (p: {update: number; channel: string; part: number; text: string}) =>
          this.prompter.ask(
            (prompts) =>
              prompts.select<'sent' | 'lost'>({
                message: `Candor got no clear answer while sending update ${p.update} part ${p.part} to ${p.channel}:\n  ${p.text.split('\n').join('\n  ')}\nIs it on ${p.channel}?`,
                choices: [
                  {name: 'Yes, it is there: record it as published', value: 'sent'},
                  {name: 'No: send it again', value: 'lost'},
                ],
              }),
            'nothing more was sent (`candor status` shows what was)',
          )
      : undefined
    const assume = flags['assume-sent'] ? 'sent' : flags['assume-lost'] ? 'lost' : undefined
    const result = await this.sending(flags, {store, incident}, (deps) =>
      retryFailed({incident, channels: flags.channel, assume, ask}, deps),
    )
    for (const w of result.warnings) this.warnLine(w)
    for (const r of result.resolved)
      this.log(`update ${r.update} ${r.channel} part ${r.part}: interrupted send settled (${r.how})`)
    if (result.updates.length === 0) this.log('Nothing to retry: every approved delivery is published.')
    for (const u of result.updates)
      for (const d of u.deliveries)
        this.log(
          `update ${u.update} (${u.phase}) ${d.channel}: ${d.status}${d.urls.length ? ' ' + d.urls.join(' ') : ''}${d.error ? ` (${d.error})` : ''}`,
        )
    if (this.interrupted) {
      // As publish ends when interrupted: exit 130, what went out is journaled.
      process.exitCode = ExitCode.Interrupted
      this.warnLine(
        `interrupted: what was sent is journaled; run \`candor retry --incident ${result.incident}\` to finish`,
      )
      return {incident: result.incident, updates: result.updates, resolved: result.resolved, interrupted: true}
    }
    if (result.updates.some((u) => u.deliveries.some((d) => d.status !== 'published')))
      process.exitCode = ExitCode.PartialDelivery
    return {incident: result.incident, updates: result.updates, resolved: result.resolved}
  }
}

import {Flags} from '@oclif/core'
import {announceLockWait, CandorCommand, incidentFlag, sendingFlags, stateFlags} from '../cli/base-command.js'
import {createReporter} from '../cli/progress.js'
import {ask as askPerson} from '../cli/prompt.js'
import {ExitCode} from '../domain/errors.js'
import {resolveActor} from '../services/incident/identity.js'
import {chooseIncident, incidentPlaybookFlag, lookForPlaybooks} from '../cli/incident-choice.js'
import {openStore} from '../infrastructure/store/open-store.js'
import {incidentStatus} from '../services/incident/status.js'
import {loadEnvironment} from '../services/publish/credentials.js'
import {retryFailed} from '../services/publish/publish.js'

export default class Retry extends CandorCommand {
  static override summary = 'Send again the deliveries that failed; never re-send a published one'
  static override description = 'Threading is kept: a retried part replies to the post it would have replied to. Exit 0 when everything is now published, 3 when something still failed. Without --incident: the only open incident, else the most recent one with deliveries left to send (said on stderr).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --incident 2026-11-25-acme-voice --json']
  static override flags = {
    incident: incidentFlag,
    channel: Flags.string({char: 'c', description: 'only this channel (repeatable)', multiple: true}),
    'assume-sent': Flags.boolean({description: 'a part whose send was interrupted, on a platform that cannot be asked, is taken as published', exclusive: ['assume-lost']}),
    'assume-lost': Flags.boolean({description: 'a part whose send was interrupted, on a platform that cannot be asked, is sent again', exclusive: ['assume-sent']}),
    playbook: incidentPlaybookFlag,
    ...sendingFlags,
    ...stateFlags,
  }

  async run() {
    const {flags} = await this.parse(Retry)
    const store = openStore({stateDir: flags['state-dir'], store: flags.store})
    lookForPlaybooks(store, flags.playbook)
    const incident = await chooseIncident(store, {flag: flags.incident}, {changes: true, verb: 'retrying', onSkip: (w) => this.warnLine(w), fallback: (state) => !state.closed && incidentStatus(state, new Date(), null).unfinished.length > 0})
    const reporter = await createReporter(this.jsonEnabled())
    let result
    try {
      const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !this.jsonEnabled()
      const ask = interactive
        ? async (p: {update: number; channel: string; part: number; text: string}) => {
            return askPerson(
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
          }
        : undefined
      result = await retryFailed(
        {incident, channels: flags.channel, assume: flags['assume-sent'] ? 'sent' : flags['assume-lost'] ? 'lost' : undefined, ask},
        {store, actor: resolveActor(flags.as), env: loadEnvironment(), reporter, maxWaitMs: flags['max-wait'] * 1000, lockTimeoutMs: flags['lock-timeout'] * 1000, timeoutMs: flags.timeout * 1000, onLockWait: announceLockWait(incident)},
      )
    } finally {
      ;(reporter as {finish?(): void}).finish?.()
    }
    for (const w of result.warnings) this.warnLine(w)
    for (const r of result.resolved) this.log(`update ${r.update} ${r.channel} part ${r.part}: interrupted send settled (${r.how})`)
    if (result.updates.length === 0) this.log('Nothing to retry: every approved delivery is published.')
    for (const u of result.updates) for (const d of u.deliveries) this.log(`update ${u.update} (${u.phase}) ${d.channel}: ${d.status}${d.urls.length ? ' ' + d.urls.join(' ') : ''}${d.error ? ` (${d.error})` : ''}`)
    if (result.updates.some((u) => u.deliveries.some((d) => d.status !== 'published'))) process.exitCode = ExitCode.PartialDelivery
    return {incident: result.incident, updates: result.updates, resolved: result.resolved}
  }
}

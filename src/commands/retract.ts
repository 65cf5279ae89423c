import {Flags} from '@oclif/core'
import {actorFlag, CandorCommand, incidentFlag, lockTimeoutFlag, stateFlags} from '../cli/base-command.js'
import {graceOnCtrlC} from '../cli/interrupt.js'
import {announceLockWait} from '../cli/lock-wait.js'
import {warnIfRehearsal} from '../cli/rehearsal.js'
import {paint} from '../cli/style.js'
import {CandorError, ExitCode} from '../domain/errors.js'
import {incidentPlaybookFlag, lookForPlaybooks} from '../cli/incident-choice.js'
import {resolveIncidentId} from '../services/incident/service.js'
import {retractUpdate} from '../services/publish/retract.js'

export default class Retract extends CandorCommand {
  static override summary = 'Delete the posts of one update, where the platform allows it'
  static override description =
    `Deletes every published part of the update on X, Mastodon, Bluesky, Facebook, Slack (bot mode), Discord, Statuspage, the blog and the status site, records each deletion in the journal, and says plainly where a platform can't delete (email, webhooks, Slack webhooks). Asks for confirmation; off a terminal, --yes is required.

Exit codes: 0 everything asked for was deleted; 3 some deletions failed or are not possible; 4 not confirmed; 130 interrupted (Ctrl-C: what was deleted is journaled; run it again to finish).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --incident 2026-11-25-acme-voice --update 2',
    '<%= config.bin %> <%= command.id %> --update 3 --channel x --yes --json',
  ]
  static override flags = {
    incident: incidentFlag,
    update: Flags.integer({
      char: 'u',
      description: 'update number (see `candor incident show`)',
      required: true,
      min: 1,
    }),
    channel: Flags.string({char: 'c', description: 'only this channel (repeatable)', multiple: true}),
    yes: Flags.boolean({char: 'y', description: 'delete without asking (for scripts)'}),
    'lock-timeout': lockTimeoutFlag,
    playbook: incidentPlaybookFlag,
    as: actorFlag,
    ...stateFlags,
  }

  async run() {
    const {flags} = await this.parse(Retract)
    const store = await this.openStore(flags)
    lookForPlaybooks(store, flags.playbook)
    const incident = await resolveIncidentId(store, flags.incident, (w) => this.warnLine(w))
    await warnIfRehearsal(store, incident, (line) => this.warnLine(line))
    const {interactive, noPromptReason} = this
    const confirm = flags.yes
      ? undefined
      : async (summary: {
          update: number
          phase: string
          posts: Array<{channel: string; ids: string[]}>
          warnings: string[]
        }) => {
          if (!interactive) {
            throw new CandorError(`deleting posts needs confirmation, and no one can be asked: ${noPromptReason}`, {
              code: 'confirmation_required',
              exit: ExitCode.NotApproved,
              suggestions: ['Pass --yes to confirm in a script'],
            })
          }
          for (const w of summary.warnings) this.warnLine(w)
          const what = summary.posts
            .map((p) => `${p.channel} (${p.ids.length} ${p.ids.length === 1 ? 'post' : 'posts'})`)
            .join(', ')
          return this.prompter.ask(
            (p) =>
              p.confirm({message: `Delete update ${summary.update} (${summary.phase}) from ${what}?`, default: false}),
            'nothing was deleted',
          )
        }
    const actor = (await this.actor(flags)).name
    // As the sending commands: the first Ctrl-C deletes nothing new and lets a deletion in flight settle.
    const grace = graceOnCtrlC('deleting')
    const result = await retractUpdate(
      {incident, update: flags.update, channels: flags.channel, confirm},
      {
        store,
        actor,
        env: this.env,
        signal: grace.signal,
        lockTimeoutMs: flags['lock-timeout'] * 1000,
        onLockWait: announceLockWait(incident),
      },
    ).finally(() => grace.stop())
    if (flags.yes) for (const w of result.warnings) this.warnLine(w)
    for (const r of result.retractions) {
      const line =
        r.status === 'deleted'
          ? paint('green', `deleted ${r.ids.length} ${r.ids.length === 1 ? 'post' : 'posts'}`)
          : r.status === 'already-retracted'
            ? paint('dim', `already retracted (update ${result.update} was deleted here before)`)
            : r.status === 'nothing'
              ? paint('dim', 'nothing published')
              : r.status === 'unsupported'
                ? paint('yellow', `can't delete: ${r.error}`)
                : r.status === 'interrupted'
                  ? paint('yellow', `interrupted after ${r.ids.length} of its posts`)
                  : paint('red', `failed: ${r.error}`)
      this.log(`${r.channel}: ${line}`)
    }
    if (grace.signal.aborted) {
      const channels = flags.channel?.map((c) => ` --channel ${c}`).join('') ?? ''
      this.warnLine(
        `interrupted: what was deleted is journaled; run \`candor retract --incident ${result.incident} --update ${result.update}${channels}\` to finish`,
      )
      process.exitCode = ExitCode.Interrupted
      return {...result, interrupted: true}
    }
    if (result.retractions.some((r) => r.status === 'failed' || r.status === 'unsupported'))
      process.exitCode = ExitCode.PartialDelivery
    return result
  }
}

import {Args, Flags} from '@oclif/core'
import {incidentFlag, sendingFlags, stateFlags} from '../cli/base-command.js'
import {SendingCommand} from '../cli/sending-command.js'
import {incidentPlaybookFlag, lookForPlaybooks} from '../cli/incident-choice.js'
import {reportDeliveries} from '../cli/report-delivery.js'
import {describeActor, type Actor} from '../services/incident/identity.js'
import {ask} from '../cli/prompt.js'
import {loadIncident, refuseClosedIncident, resolveIncidentId} from '../services/incident/service.js'
import {describeDraft} from '../cli/drafts-view.js'
import {approveDraft, findDraftIncident, type DraftView} from '../services/publish/drafts.js'

/** Asks the person approving (Enter alone approves nothing); says who it is recorded as and where it goes. */
function confirmDraft(actor: Actor) {
  return (view: DraftView, action: 'approve' | 'approve-and-publish' | 'publish'): Promise<boolean> => {
    const to = view.channels.join(', ')
    const question =
      action === 'approve'
        ? `Approve draft ${view.draft} (to ${to}) exactly as shown?`
        : action === 'publish'
          ? `Send draft ${view.draft} to ${to} now?`
          : `Approve draft ${view.draft} and send it to ${to} now (yours is the last approval needed)?`
    const as = `${action === 'publish' ? 'sending' : 'approving'} as ${describeActor(actor)}`
    return ask(
      (p) => p.confirm({message: `${question}\n  ${as}`, default: false}),
      action === 'approve' ? 'nothing was recorded' : 'nothing was recorded or sent',
    )
  }
}

export default class Approve extends SendingCommand {
  static override summary = 'Approve a draft; the last approval needed publishes it'
  static override description =
    `Shows the posts exactly as they will go out and records your approval. When yours is the last one the playbook requires, the posts are published at once (same output and exit codes as \`candor publish\`), unless --no-publish: then someone runs \`candor publish --draft ID\`.

An approval counts once per person, and only for the content approved: if the posts changed since (facts edited, playbook changed), they are shown again and earlier approvals no longer count. Off a terminal, --yes is required.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> d-3f9a0c12',
    {
      description: 'Scripted second approval, publishing at once',
      command: '<%= config.bin %> <%= command.id %> d-3f9a0c12 --as "Sam Lead" --yes --json',
    },
    {
      description: 'Approve, and leave the sending to someone with the credentials',
      command: '<%= config.bin %> <%= command.id %> d-3f9a0c12 --yes --no-publish',
    },
  ]

  static override args = {draft: Args.string({description: 'draft id (see `candor drafts`)', required: true})}
  static override flags = {
    incident: incidentFlag,
    yes: Flags.boolean({char: 'y', description: 'approve without asking (for scripts)'}),
    publish: Flags.boolean({
      description: 'publish when this approval completes the draft (--no-publish: only record it)',
      default: true,
      allowNo: true,
    }),
    playbook: incidentPlaybookFlag,
    ...sendingFlags,
    ...stateFlags,
  }

  async run() {
    const {args, flags} = await this.parse(Approve)
    const store = await this.openStore(flags)
    lookForPlaybooks(store, flags.playbook)
    const incident = flags.incident
      ? await resolveIncidentId(store, flags.incident)
      : await findDraftIncident(store, args.draft)
    await refuseClosedIncident(store, incident)
    const json = this.jsonEnabled()
    const {interactive, noPromptReason} = this
    const actor = await this.actor(flags)
    const {rehearsal} = (await loadIncident(store, incident)).state
    if (rehearsal && !json)
      this.warnLine(`${incident} is a rehearsal: every channel goes to the sandbox at ${rehearsal.sandbox}`)
    const result = await this.sending(flags, {store, incident}, (deps) =>
      approveDraft(
        {
          draft: args.draft,
          incident,
          yes: flags.yes,
          interactive,
          noPromptReason,
          publish: flags.publish,
          confirm: interactive ? confirmDraft(actor) : undefined,
          show: json ? undefined : (view) => this.log(describeDraft(view) + '\n'),
        },
        deps,
      ),
    )
    for (const w of result.warnings) this.warnLine(w)

    const published = result.published
    if (!published) {
      const p = result.pending!
      if (!json) {
        if (p.status === 'approved')
          this.log(
            `Draft ${p.draft} has all ${p.required} approvals (${p.approvals.join(', ')}); nothing was sent. Send it with: candor publish --draft ${p.draft}`,
          )
        else
          this.log(
            `${result.recorded ? 'Approved' : 'Already approved; nothing recorded'}: draft ${p.draft} has ${p.approvals.length} of ${p.required} approvals (${p.approvals.join(', ')}). Nothing was sent.`,
          )
      }
      return {draft: p.draft, status: p.status, approvals: p.approvals, required: p.required}
    }

    // The same output and exit codes as `candor publish`.
    return reportDeliveries({log: (m) => this.log(m), warn: (m) => this.warnLine(m)}, published, {
      json,
      interrupted: this.interrupted,
    })
  }
}

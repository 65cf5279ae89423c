import {CandorCommand, incidentFlag, stateFlags} from '../cli/base-command.js'
import {paint} from '../cli/style.js'
import {resolveIncidentId} from '../services/incident/service.js'
import {listDrafts} from '../services/publish/drafts.js'

export default class Drafts extends CandorCommand {
  static override summary = 'List drafts waiting for approval (two-person approval)'
  static override description =
    'A playbook or phase with `approval: { required: N }` needs N people to approve before anything goes out: `candor publish` records a draft, `candor approve DRAFT` adds approvals. Expired, replaced and published drafts are not listed.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --incident 2026-11-25-acme-voice --json',
  ]
  static override flags = {incident: incidentFlag, ...stateFlags}

  async run() {
    const {flags} = await this.parse(Drafts)
    const store = await this.openStore(flags)
    const incident = flags.incident ? await resolveIncidentId(store, flags.incident) : undefined
    const drafts = await listDrafts(store, {incident})
    if (drafts.length === 0) this.log('No drafts waiting for approval.')
    for (const d of drafts) {
      const state =
        d.status === 'approved'
          ? paint('green', 'approved, not sent')
          : paint('yellow', `${d.approvals.length} of ${d.required} approvals`)
      this.log(
        `${paint('bold', d.draft)}  ${d.incident} · ${d.phase}  ${state}  ${paint('dim', `asked by ${d.requested_by}; ${d.approvals.length ? `approved by ${d.approvals.join(', ')}; ` : ''}expires ${d.expires_at}`)}`,
      )
    }
    return {drafts}
  }
}

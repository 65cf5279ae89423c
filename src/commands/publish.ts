import {Flags} from '@oclif/core'
import {factFlags, incidentFlag, sendingFlags, stateFlags} from '../cli/base-command.js'
import {SendingCommand} from '../cli/sending-command.js'
import {formatPreview, gutterLines, terminalWidth} from '../cli/render-preview.js'
import {reportDeliveries} from '../cli/report-delivery.js'
import {paint} from '../cli/style.js'
import {rehearsalMark} from '../cli/rehearsal.js'
import {ExitCode} from '../domain/errors.js'
import {POLICY_RULES} from '../services/policy/rules.js'
import {describeActor, type Actor} from '../services/incident/identity.js'
import {ask} from '../cli/prompt.js'
import {chooseIncident, incidentPlaybookFlag, lookForPlaybooks} from '../cli/incident-choice.js'
import {incidentPlaybook, loadIncident, refuseClosedIncident} from '../services/incident/service.js'
import {RESOLVING_PHASES, type IncidentState} from '../services/incident/state.js'
import {readFactInput} from '../services/publish/preview.js'
import {publishUpdate, type PendingApproval, type PublishResult} from '../services/publish/publish.js'
import {describeDraft, parseDraftTtl as parseTtl} from '../cli/drafts-view.js'
import {findDraftIncident, publishDraft, type DraftView} from '../services/publish/drafts.js'
import {describeAlreadyCarried} from '../services/publish/duplicates.js'

/** A resolved incident whose playbook has `phase` after the phase that resolved it (a postmortem). */
function comesAfterResolution(state: IncidentState, phase: string): boolean {
  if (!state.resolved || state.closed) return false
  try {
    const phases = incidentPlaybook(state, {templatesOf: []}).phases.map((p) => p.name)
    const end = phases.findIndex((p) => RESOLVING_PHASES.has(p))
    return end >= 0 && phases.indexOf(phase) > end
  } catch {
    return false // its playbook is gone or broken: not a candidate
  }
}

/** Asks before sending an approved draft (interactive only); Enter alone sends nothing. */
function confirmDraft(actor: Actor) {
  return (view: DraftView): Promise<boolean> =>
    ask(
      (p) =>
        p.confirm({
          message: `Send draft ${view.draft} (${view.phase}) of ${view.incident} to ${view.channels.join(', ')} now?\n  sending as ${describeActor(actor)}`,
          default: false,
        }),
      'nothing was sent',
    )
}

export default class Publish extends SendingCommand {
  static override summary = "Publish a phase's posts to every channel at once, after approval"
  static override description =
    `Merges new facts into the incident (recorded), renders the phase, shows the preview and asks for approval: review the posts again (the default: Enter alone never publishes), publish, choose channels, edit a post in $EDITOR, or abort. If the posts' next-update promise is past or under a minute away by the time you approve, they are rendered again from that moment and shown for approval once more. Preflight checks every channel's credentials and every post's length first: if anything fails, nothing goes out anywhere.

Channels publish concurrently; each update replies to the incident's last post on channels that thread. Off a terminal, --yes is required. A channel whose latest update already is this phase with the same facts is skipped and named; --again sends it there anyway.

Without --incident: the only open incident; with none open, a phase that comes after the incident is resolved (postmortem) goes to the most recently resolved incident whose playbook has it (said on stderr).

Exit codes: 0 every approved delivery published (or every channel already had the update: nothing sent); 1 bad input or preflight failure (nothing sent); 3 some deliveries failed, or a skipped channel's earlier delivery is not finished (run \`candor retry\`); 4 approval refused or impossible (nothing sent); 130 interrupted (Ctrl-C; at the prompt, nothing sent).`

  static override examples = [
    {
      description: 'First update, asking for approval',
      command: '<%= config.bin %> <%= command.id %> --incident 2026-11-25-acme-voice --phase investigating',
    },
    {
      description: 'Scripted, with a new fact',
      command:
        '<%= config.bin %> <%= command.id %> --phase identified --set cause="a failed database upgrade" --yes --json',
    },
    {
      description: 'Show exactly what would be sent, touching no network',
      command: '<%= config.bin %> <%= command.id %> --phase monitoring --dry-run',
    },
  ]

  static override flags = {
    incident: incidentFlag,
    phase: Flags.string({char: 'p', description: 'phase to publish', exclusive: ['draft']}),
    draft: Flags.string({
      description: 'send a draft that has all the approvals its playbook requires (see `candor approve`)',
      helpValue: 'ID',
      exclusive: ['phase'],
    }),
    'draft-ttl': Flags.string({
      description: 'when more than one person must approve: how long the draft waits for approvals',
      default: '2h',
      env: 'CANDOR_DRAFT_TTL',
      helpValue: 'DURATION',
    }),
    ...factFlags,
    channel: Flags.string({char: 'c', description: 'only this channel (repeatable)', multiple: true}),
    yes: Flags.boolean({char: 'y', description: 'approve without asking (for scripts)'}),
    'dry-run': Flags.boolean({description: 'show exactly what would be sent, and to which account; send nothing'}),
    allow: Flags.string({
      description: 'override one post-policy rule for this update (repeatable; journaled with who gave it)',
      multiple: true,
      options: [...POLICY_RULES],
      helpValue: 'RULE',
    }),
    again: Flags.boolean({
      description: "publish a new update even on channels that already have this phase's update with the same facts",
    }),
    playbook: incidentPlaybookFlag,
    ...sendingFlags,
    ...stateFlags,
  }

  async run() {
    const {flags} = await this.parse(Publish)
    const store = await this.openStore(flags)
    lookForPlaybooks(store, flags.playbook)
    const incident =
      flags.draft && !flags.incident
        ? await findDraftIncident(store, flags.draft)
        : await chooseIncident(
            store,
            {flag: flags.incident},
            {
              changes: true,
              verb: 'publishing to',
              recency: 'resolution',
              onSkip: (w) => this.warnLine(w),
              fallback: flags.phase ? (state) => comesAfterResolution(state, flags.phase!) : undefined,
            },
          )
    if (flags.draft) await refuseClosedIncident(store, incident)
    const json = this.jsonEnabled()
    const {interactive, noPromptReason} = this
    const actor = await this.actor(flags)
    const {rehearsal} = (await loadIncident(store, incident)).state
    const heading = rehearsal ? `${rehearsalMark(paint)} ` : ''
    if (rehearsal && !json)
      this.warnLine(`${incident} is a rehearsal: every channel goes to the sandbox at ${rehearsal.sandbox}`)
    const result: PublishResult = await this.sending(
      flags,
      {store, incident, reporter: !flags['dry-run']},
      async (deps) =>
        flags.draft
          ? // Team mode: send a draft that has all its approvals.
            publishDraft(
              {
                draft: flags.draft,
                incident,
                yes: flags.yes,
                interactive,
                noPromptReason,
                confirm: interactive ? confirmDraft(actor) : undefined,
                show: json ? undefined : (view) => this.log(describeDraft(view)),
              },
              deps,
            )
          : publishUpdate(
              {
                incident,
                phase: flags.phase,
                facts: readFactInput({factsFile: flags.facts, sets: flags.set}),
                channels: flags.channel,
                yes: flags.yes,
                dryRun: flags['dry-run'],
                again: flags.again,
                allow: flags.allow,
                interactive,
                noPromptReason,
                approver: interactive
                  ? new (await import('../cli/approval.js')).PromptApprover({actor, rehearsal})
                  : undefined,
                preview:
                  interactive && !flags.yes
                    ? (rendered, already) =>
                        this.log(
                          [
                            formatPreview(rendered, `${heading}Update for ${incident} · ${rendered.phase}`, {
                              width: terminalWidth(),
                            }),
                            ...already.map(describeAlreadyCarried),
                          ].join('\n'),
                        )
                    : undefined,
                draftTtlMs: parseTtl(flags['draft-ttl']),
              },
              deps,
            ),
    )
    for (const w of result.warnings) this.warnLine(w)
    if (result.pending) return this.pendingApproval(result.pending, result)

    if (result.plan) {
      this.log(
        paint(
          'bold',
          result.plan.length > 0
            ? `${heading}Dry run: update ${result.update} (${result.phase}) of ${result.incident}; nothing is sent`
            : `${heading}Dry run: every channel already has this update of ${result.incident} (${result.phase}); nothing would be sent`,
        ),
      )
      for (const a of result.already ?? []) this.log(describeAlreadyCarried(a))
      for (const p of result.plan) {
        this.log('')
        this.log(
          `${paint('cyan', paint('bold', p.channel))} → ${p.target}${p.credentials.ok ? '' : paint('red', ` (missing ${p.credentials.missing.join(', ')})`)}`,
        )
        for (const [i, part] of p.parts.entries()) {
          this.log(
            paint(
              'dim',
              `  ── part ${i + 1}/${p.parts.length}${part.reply_to ? `, replying to ${part.reply_to}` : ''} (${part.length}${part.limit ? `/${part.limit}` : ''})`,
            ),
          )
          this.log(gutterLines(part.text, terminalWidth()).join('\n'))
        }
      }
      if (result.warnings.some((w) => w.startsWith('would not publish'))) process.exitCode = ExitCode.Error
      return {
        incident: result.incident,
        phase: result.phase,
        update: result.update,
        dry_run: true,
        ...(rehearsal && {rehearsal: true, sandbox: rehearsal.sandbox}),
        plan: result.plan,
        already: result.already ?? [],
      }
    }

    return reportDeliveries({log: (m) => this.log(m), warn: (m) => this.warnLine(m)}, result, {
      json,
      interrupted: this.interrupted,
    })
  }

  /** More approvals are needed: a draft was recorded, nothing was sent (exit 0). */
  private pendingApproval(pending: PendingApproval, result: PublishResult) {
    if (!this.jsonEnabled()) {
      for (const a of result.already ?? []) this.log(describeAlreadyCarried(a))
      this.log(
        `Draft ${pending.draft} of ${result.incident} (${result.phase}) waits for approval: ${pending.approvals.length} of ${pending.required} (${pending.approvals.join(', ')}). Nothing was sent.`,
      )
      this.log(`Another person approves it with: candor approve ${pending.draft}   (it expires ${pending.expires_at})`)
    }
    return {
      draft: pending.draft,
      status: pending.status,
      approvals: pending.approvals,
      required: pending.required,
      ...(result.already?.length && {already: result.already}),
    }
  }
}

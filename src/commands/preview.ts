import {Args, Flags} from '@oclif/core'
import {CandorCommand, factFlags} from '../cli/base-command.js'
import {formatPreview, terminalWidth} from '../cli/render-preview.js'
import {ExitCode} from '../domain/errors.js'
import {POLICY_RULES} from '../services/policy/rules.js'
import {previewPhase} from '../services/publish/preview.js'

export default class Preview extends CandorCommand {
  static override summary = 'Show every post of a phase as it would go out (dry run, no network)'
  static override description =
    `Fills the phase's templates with the incident facts, measures each post against its channel's real limit (X's weighted length, Mastodon's URL rule, Bluesky's graphemes, ...), splits over-long posts into threads where the channel threads, and prints the result. Nothing is sent and no credentials are needed.

Every post is checked against the post policy: private and loopback IP addresses (private-ip), internal host names (internal-host), things that look like secrets (secret), rendering leftovers such as "undefined" (render-leftover) and the playbook's own forbid patterns (forbid). A hit is an error naming the channel, the rule and the text; --allow RULE overrides one rule for this run.

Exits 1 when a post cannot be published as is (over the limit of a channel that can't thread, empty, or a policy hit).`

  static override examples = [
    {
      description: 'Preview the first phase of the shipped outage playbook',
      command:
        '<%= config.bin %> <%= command.id %> playbooks/outage.yaml --phase investigating --facts playbooks/examples/outage.facts.yaml',
    },
    {
      description: 'Set facts on the command line, only for X and Bluesky',
      command:
        '<%= config.bin %> <%= command.id %> outage --phase identified --set service="Acme Voice" --set impact="Calls fail" --channel x --channel bluesky',
    },
    {
      description: 'Machine-readable output for a runbook',
      command: '<%= config.bin %> <%= command.id %> outage --phase resolved --facts facts.yaml --json',
    },
    {
      description: 'See the posts as they would go out with one policy rule overridden',
      command: '<%= config.bin %> <%= command.id %> outage --phase identified --facts facts.yaml --allow internal-host',
    },
  ]

  static override args = {
    playbook: Args.string({description: 'playbook file, or a name in ./playbooks', required: true}),
  }

  static override flags = {
    phase: Flags.string({
      char: 'p',
      description: 'phase to preview (required; without it, the error lists the phases)',
    }),
    ...factFlags,
    channel: Flags.string({char: 'c', description: 'only this channel (repeatable)', multiple: true}),
    allow: Flags.string({
      description: 'override one policy rule for this run (repeatable)',
      multiple: true,
      options: [...POLICY_RULES],
      helpValue: 'RULE',
    }),
  }

  async run() {
    const {args, flags} = await this.parse(Preview)
    const result = previewPhase({
      playbook: args.playbook,
      phase: flags.phase,
      factsFile: flags.facts,
      sets: flags.set,
      channels: flags.channel,
      allow: flags.allow,
      env: this.env,
    })
    if (result.blocked) process.exitCode = ExitCode.Error
    this.log(
      formatPreview(result, `Preview of ${result.playbook} · ${result.phase} ${'(dry run: nothing is sent)'}`, {
        width: terminalWidth(),
      }),
    )
    return {
      playbook: result.playbook,
      phase: result.phase,
      next_update_due: result.nextUpdateDue ?? null,
      posts: result.posts.map((p) => ({
        channel: p.channel,
        type: p.type,
        target: result.targets[p.channel] ?? null,
        ...(p.title !== undefined && {title: p.title}),
        ...(p.subject !== undefined && {subject: p.subject}),
        ...(p.link !== undefined && {link: p.link}),
        parts: p.parts,
        ...(p.limitNote !== undefined && {limit_note: p.limitNote}),
        warnings: p.warnings,
        errors: p.errors,
        ...(p.violations.length > 0 && {violations: p.violations}),
      })),
    }
  }
}

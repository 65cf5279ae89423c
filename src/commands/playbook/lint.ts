import {Args, Flags} from '@oclif/core'
import {CandorCommand} from '../../cli/base-command.js'
import {paint, paintErr} from '../../cli/style.js'
import {ExitCode} from '../../domain/errors.js'
import {lintPlaybookFile} from '../../services/lint/lint-file.js'

export default class PlaybookLint extends CandorCommand {
  static override summary = "Check a playbook's communication: cadence, apology, where to follow, tone, fit"
  static override description =
    `Renders every post of every phase, in every locale the playbook has, with example facts (--facts FILE, laid over the playbook's "examples:" block), and checks what customers would read:

  next-update   every phase with next_update says when the next update comes
  apology       the first phase acknowledges the problem and apologises
  follow-along  every public post of a phase with next_update points to the status page fact
  coverage      every channel posts in the first and the final phase
  fits          every post fits its channel in one post
  policy        no post trips the post policy (private-ip, internal-host, secret, render-leftover, forbid)
  tone          no blame ("human error", "our vendor's fault") and no promises ("will be fixed in 10 minutes")
  cadence       no phase leaves customers more than an hour without news
  translation   every post has a version in every locale
  placeholder   nothing the playbook itself posts (templates, channel settings, fact defaults) keeps a placeholder of the shipped examples (https://status.example.com, Acme)
  punctuation   no fact ends a sentence the template ends too ("Calls fail..")
  mention       no fact puts an @user@domain into a Mastodon post (it would notify that person)

Prints one line per finding as FILE:LINE:COL: severity: message [rule]. Findings are warnings (exit 0); with --strict they are errors (exit 1).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> playbooks/outage.yaml --strict',
    '<%= config.bin %> <%= command.id %> degraded-performance --facts playbooks/examples/degraded-performance.facts.yaml',
    {
      description: 'Your own apology words for French posts',
      command: '<%= config.bin %> <%= command.id %> outage --words words.yaml --json',
    },
  ]

  static override args = {
    playbook: Args.string({description: 'playbook file, or a name in ./playbooks', required: true}),
  }

  static override flags = {
    facts: Flags.string({
      description: 'YAML or JSON file of example facts (laid over the playbook\'s "examples:")',
      helpValue: 'FILE',
    }),
    strict: Flags.boolean({description: 'every finding is an error (exit 1)'}),
    words: Flags.string({
      description: 'YAML file replacing word lists: {apology|acknowledge|blame|promise: {LANG: [regex, ...]}}',
      helpValue: 'FILE',
    }),
  }

  async run() {
    const {args, flags} = await this.parse(PlaybookLint)
    const report = lintPlaybookFile({
      playbook: args.playbook,
      factsFile: flags.facts,
      strict: flags.strict,
      wordsFile: flags.words,
    })
    for (const f of report.findings) this.log(`${f.file}:${f.line}:${f.col}: ${f.severity}: ${f.message} [${f.rule}]`)
    if (!this.jsonEnabled()) {
      const n = report.findings.length
      const summary =
        n === 0
          ? paint('green', `✓ ${report.file}: no findings`)
          : report.errors > 0
            ? paintErr('red', `✗ ${report.file}: ${n} ${n === 1 ? 'error' : 'errors'}`)
            : paintErr(
                'yellow',
                `! ${report.file}: ${n} ${n === 1 ? 'warning' : 'warnings'} (--strict makes them errors)`,
              )
      process.stderr.write(summary + '\n')
    }
    if (report.errors > 0) process.exitCode = ExitCode.Error
    return {ok: report.errors === 0, ...report}
  }
}

import {Args} from '@oclif/core'
import {CandorCommand} from '../../cli/base-command.js'
import {paint, paintErr} from '../../cli/style.js'
import {ExitCode} from '../../domain/errors.js'
import {validatePlaybooks} from '../../services/playbook/validate.js'
import {formatProblem} from '../../domain/playbook/model.js'

export default class PlaybookValidate extends CandorCommand {
  static override summary = 'Check playbooks for every problem at once'
  static override description =
    `Checks YAML syntax and duplicate keys, the playbook schema and unknown keys, that every template file exists and compiles, that templates only use declared facts, helpers and built-ins, and that every post names a defined channel.

Prints one line per problem as FILE:LINE:COL: message (template problems point into the template file). Exits 1 if there is any problem, 0 if none. Every endpoint a playbook sets (api_url, instance, service, url: where the channel's credentials would go) is a warning on stderr, FILE:LINE:COL: warning: …, that does not change the exit code.`

  static override strict = false
  static override examples = [
    '<%= config.bin %> <%= command.id %> playbooks/outage.yaml',
    '<%= config.bin %> <%= command.id %> playbooks/*.yaml',
    '<%= config.bin %> <%= command.id %> playbooks/outage.yaml --json',
  ]

  static override args = {
    file: Args.string({description: 'playbook file(s), or names in ./playbooks', required: true}),
  }

  async run() {
    const {argv} = await this.parse(PlaybookValidate)
    const report = validatePlaybooks(argv as string[])
    for (const file of report.files) for (const p of file.problems) this.log(formatProblem(p))
    if (!this.jsonEnabled()) {
      for (const file of report.files)
        for (const w of file.warnings)
          process.stderr.write(`${formatProblem({...w, message: `warning: ${w.message}`})}\n`)
      const bad = report.files.filter((f) => f.problems.length > 0).length
      const summary =
        report.problemCount === 0
          ? paint(
              'green',
              `✓ ${report.files.length === 1 ? `${report.files[0].file} is valid` : `${report.files.length} playbooks are valid`}`,
            )
          : paintErr(
              'red',
              `✗ ${report.problemCount} ${report.problemCount === 1 ? 'problem' : 'problems'} in ${bad} of ${report.files.length} ${report.files.length === 1 ? 'playbook' : 'playbooks'}`,
            )
      process.stderr.write(summary + '\n')
    }
    if (report.problemCount > 0) process.exitCode = ExitCode.Error
    return {valid: report.problemCount === 0, problems: report.problemCount, files: report.files}
  }
}

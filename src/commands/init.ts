import {Args, Flags} from '@oclif/core'
import path from 'node:path'
import {CandorCommand} from '../cli/base-command.js'
import {paint} from '../cli/style.js'
import {scaffoldProject, WORKFLOW_PATH} from '../cli/scaffold.js'

export default class Init extends CandorCommand {
  static override summary =
    'Create a playbooks/ folder with a working example playbook and templates, and a facts.yaml to edit'
  static override description =
    `Copies a shipped example playbook, its templates, its example facts and its snapshot (for \`candor playbook test\`) into DIR/playbooks, writes DIR/facts.yaml: the facts of the incident at hand, to edit, and DIR/.github/workflows/playbooks.yml: a GitHub Actions workflow that runs \`playbook validate\`, \`playbook lint --strict\`, \`playbook test\` and \`rehearse\` on every pull request that changes playbooks/ (DIR is meant to be the repository's root). Existing files are never overwritten: if any would be, nothing is written.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ops --example scheduled-maintenance',
  ]

  static override args = {
    dir: Args.string({description: 'folder to create playbooks/ and facts.yaml in', default: '.'}),
  }

  static override flags = {
    example: Flags.string({
      description: 'which shipped playbook to start from',
      default: 'outage',
      options: ['outage', 'degraded-performance', 'scheduled-maintenance'],
    }),
  }

  async run() {
    const {args, flags} = await this.parse(Init)
    const result = scaffoldProject(args.dir, flags.example)
    const name = flags.example
    const phase = name === 'scheduled-maintenance' ? 'announced' : 'investigating'
    const here = path.resolve(args.dir) === process.cwd()
    const workflow = path.join(args.dir, WORKFLOW_PATH)
    this.log(
      `${paint('green', 'Created')} ${path.join(args.dir, 'playbooks', `${name}.yaml`)} with ${result.templates} templates, example facts${result.snapshot ? ' and its snapshot' : ''}, ${path.join(args.dir, 'facts.yaml')}, and ${workflow} (checks playbooks/ on every pull request: commit it).`,
    )
    const steps: Array<[string, string?]> = [
      ...(here ? [] : [[`cd ${args.dir}`] as [string]]),
      ['edit facts.yaml', 'your service, what customers notice, your status page'],
      [`candor preview ${name} --phase ${phase} --facts facts.yaml`, 'every post, nothing is sent'],
      [`candor playbook lint ${name} --facts facts.yaml`, 'how the posts read'],
      [`candor playbook test ${name}`, 'posts against their snapshot; after changing a template, --update'],
      [`candor channels check ${name}`, 'credentials: CANDOR_<CHANNEL>_… variables, see the README'],
      [`candor incident open ${name} --facts facts.yaml`, 'when it happens; then candor publish --phase ' + phase],
    ]
    const width = Math.max(...steps.map(([command]) => command.length))
    this.log('')
    this.log(paint('bold', 'Next steps:'))
    for (const [i, [command, why]] of steps.entries())
      this.log(`  ${i + 1}. ${why ? `${command.padEnd(width)}  ${paint('dim', `# ${why}`)}` : command}`)
    return {
      created: result.created,
      playbook: result.playbook,
      facts: result.facts,
      snapshot: result.snapshot ?? null,
      workflow: result.workflow,
    }
  }
}

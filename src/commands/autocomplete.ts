import path from 'node:path'
import {Args} from '@oclif/core'
import {CandorCommand} from '../cli/base-command.js'
import {completionScript, SHELLS} from '../cli/complete.js'
import {CandorError, ExitCode} from '../domain/errors.js'

const INSTALL: Record<(typeof SHELLS)[number], string> = {
  bash: 'candor autocomplete bash >> ~/.bashrc',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh's ${fpath[1]}, printed for the person to run
  zsh: 'candor autocomplete zsh > "${fpath[1]}/_candor"   (then start a new shell)',
  fish: 'candor autocomplete fish > ~/.config/fish/completions/candor.fish',
}

export default class Autocomplete extends CandorCommand {
  static override summary = 'Print the shell completion script for bash, zsh or fish'
  static override description =
    `Completes commands, flags, phase and channel names (from the playbook named on the command line, else the incident's), incident ids (from the state directory or store at hand) and playbook names. The script calls \`candor __complete\` for each completion, so it stays right as playbooks and incidents change.

Without SHELL, the shell is taken from $SHELL.`

  static override enableJsonFlag = false
  static override args = {
    shell: Args.string({description: 'bash, zsh or fish (default: from $SHELL)', options: [...SHELLS]}),
  }
  static override examples = [
    {
      description: 'bash: add it to your startup file',
      command: '<%= config.bin %> <%= command.id %> bash >> ~/.bashrc',
    },
    {
      description: 'zsh: install it where zsh looks for completions',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh's ${fpath[1]}, printed for the person to run
      command: '<%= config.bin %> <%= command.id %> zsh > "${fpath[1]}/_candor"',
    },
    {description: 'fish', command: '<%= config.bin %> <%= command.id %> fish > ~/.config/fish/completions/candor.fish'},
    {description: 'Try it in this shell only', command: 'source <(<%= config.bin %> <%= command.id %> bash)'},
  ]

  async run(): Promise<void> {
    const {args} = await this.parse(Autocomplete)
    const fromEnv = path.basename(process.env.SHELL ?? '')
    const shell = args.shell ?? fromEnv
    if (!(SHELLS as readonly string[]).includes(shell)) {
      throw new CandorError(
        fromEnv
          ? `no completion for ${fromEnv} ($SHELL); candor completes in bash, zsh and fish`
          : 'which shell? $SHELL is not set',
        {code: 'unknown_shell', exit: ExitCode.Usage, suggestions: ['Name it: candor autocomplete bash|zsh|fish']},
      )
    }
    const name = shell as (typeof SHELLS)[number]
    process.stdout.write(completionScript(name, this.config.bin))
    // At a terminal the script itself is not what a person wants to read: say how to install it.
    if (process.stdout.isTTY) process.stderr.write(`\nTo install: ${INSTALL[name]}\n`)
  }
}

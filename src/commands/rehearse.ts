import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {CandorCommand} from '../cli/base-command.js'
import {formatRehearsal} from '../cli/rehearse-view.js'
import {ExitCode} from '../domain/errors.js'
import {DEFAULT_PHASE_STEP_MS, rehearsalInput, rehearsePlaybook} from '../services/rehearsal/rehearse.js'

export default class Rehearse extends CandorCommand {
  static override summary = 'Publish every phase of a playbook to an in-process sandbox and report what would fail'
  static override description =
    `Opens a rehearsal incident of the playbook with its example facts (the playbook's "examples:", else examples/NAME.facts.yaml beside it; or --facts), publishes every phase in order without prompts to a sandbox started on a free loopback port, on a simulated clock that moves to each phase's promised next update (${DEFAULT_PHASE_STEP_MS / 60_000} minutes after a phase that promises none), and checks what would fail on the day: every channel delivered, every thread linked, limits, the post policy, the lint rules (as \`playbook lint --strict\`), every locale. Uses a temporary state directory (removed afterwards, unless --keep), never your own; nothing reaches the network beyond this machine and no credential is read.

Exit codes: 0 everything would have gone out cleanly; 1 something would fail (the last line names the first phase, channel and rule), or bad input.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> playbooks/outage.yaml',
    '<%= config.bin %> <%= command.id %> outage --facts facts.yaml --json',
  ]

  static override args = {
    playbook: Args.string({description: 'playbook file, or a name in ./playbooks', required: true}),
  }

  static override flags = {
    facts: Flags.string({
      description: 'YAML or JSON file of facts, laid over the playbook\'s "examples:"',
      helpValue: 'FILE',
    }),
    keep: Flags.string({
      description: "keep the rehearsal's state directory (its journal, the Markdown and site files) in DIR",
      helpValue: 'DIR',
    }),
  }

  async run() {
    const {args, flags} = await this.parse(Rehearse)
    // Bad input (a playbook that does not load, facts that lack a required one) stops before anything starts.
    rehearsalInput({playbook: args.playbook, factsFile: flags.facts})
    const {startSandbox} = await import('../infrastructure/sandbox/sandbox-server.js')
    const {FileIncidentStore} = await import('../infrastructure/store/file-store.js')
    const {makeFolder} = await import('../infrastructure/fs/make-folder.js')
    const stateDir = flags.keep ? path.resolve(flags.keep) : mkdtempSync(path.join(os.tmpdir(), 'candor-rehearse-'))
    if (flags.keep) makeFolder(stateDir, 0o700)
    const removeStateDir = () => {
      if (!flags.keep) rmSync(stateDir, {recursive: true, force: true})
    }
    // Ctrl-C: leave nothing behind.
    const onInterrupt = () => {
      removeStateDir()
      process.exit(ExitCode.Interrupted)
    }
    process.once('SIGINT', onInterrupt)
    const sandbox = await startSandbox({port: 0, host: '127.0.0.1'})
    try {
      const report = await rehearsePlaybook(
        {
          playbook: args.playbook,
          factsFile: flags.facts,
          actor: (await this.actor({})).name,
          env: this.env,
        },
        {sandbox: sandbox.url, received: () => sandbox.posts(), store: new FileIncidentStore(stateDir)},
      )
      if (!this.jsonEnabled()) this.print(formatRehearsal(report).join('\n'))
      if (flags.keep && !this.jsonEnabled()) this.print(`kept in ${stateDir}`)
      if (!report.ok) process.exitCode = ExitCode.Error
      return report
    } finally {
      process.off('SIGINT', onInterrupt)
      await sandbox.close()
      removeStateDir()
    }
  }
}

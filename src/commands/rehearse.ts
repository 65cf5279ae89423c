import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {actorFlag, CandorCommand, stateFlags} from '../cli/base-command.js'
import {rehearsalMark, withOptionalValue} from '../cli/rehearsal.js'
import {formatRehearsal, formatScorecard} from '../cli/rehearse-view.js'
import {paintErr} from '../cli/style.js'
import {CandorError, ExitCode} from '../domain/errors.js'
import {loadIncident, resolveIncidentId} from '../services/incident/service.js'
import type {IncidentStore} from '../services/incident/store.js'
import {DEFAULT_SANDBOX_URL, readSandboxInfo, SANDBOX_VAR, sandboxUrl} from '../services/publish/rehearsal.js'
import {DEFAULT_PHASE_STEP_MS, rehearsalInput, rehearsePlaybook} from '../services/rehearsal/rehearse.js'
import {scorecard} from '../services/rehearsal/scorecard.js'

export default class Rehearse extends CandorCommand {
  static override summary = 'Rehearse a playbook: every phase to an in-process sandbox, or a game day with --live'
  static override description =
    `Opens a rehearsal incident of the playbook with its example facts (the playbook's "examples:", else examples/NAME.facts.yaml beside it; or --facts), publishes every phase in order without prompts to a sandbox started on a free loopback port, on a simulated clock that moves to each phase's promised next update (${DEFAULT_PHASE_STEP_MS / 60_000} minutes after a phase that promises none), and checks what would fail on the day: every channel delivered, every thread linked, limits, the post policy, the lint rules (as \`playbook lint --strict\`), every locale. Uses a temporary state directory (removed afterwards, unless --keep), never your own; nothing reaches the network beyond this machine and no credential is read. One playbook per run.

--live is the game day: a rehearsal incident opened in your state directory (or store), against the sandbox at --sandbox (default $${SANDBOX_VAR} or ${DEFAULT_SANDBOX_URL}; when none runs there, one is started in this process), worked by the team from other terminals with the normal commands. When it is resolved or closed (or at Ctrl-C), the scorecard: time to first post against the 5-minute target, each gap against what the post before promised, facts consistent across channels, what was edited at approval. --scorecard INCIDENT prints it for a finished rehearsal.

Exit codes: 0 everything would have gone out cleanly (a clean game with --live/--scorecard); 1 something would fail (the last line names the first phase, channel and rule), or bad input; 130 a game day stopped with Ctrl-C (the scorecard is printed).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> playbooks/outage.yaml',
    '<%= config.bin %> <%= command.id %> outage --facts facts.yaml --json',
    {description: 'A game day for the team', command: '<%= config.bin %> <%= command.id %> outage --live'},
    '<%= config.bin %> <%= command.id %> --scorecard 2026-11-25-acme-voice',
  ]

  static override args = {
    playbook: Args.string({description: 'playbook file, or a name in ./playbooks'}),
  }

  static override flags = {
    facts: Flags.string({
      description: 'YAML or JSON file of facts, laid over the playbook\'s "examples:"',
      helpValue: 'FILE',
    }),
    keep: Flags.string({
      description: "keep the rehearsal's state directory (its journal, the Markdown and site files) in DIR",
      helpValue: 'DIR',
      exclusive: ['live', 'scorecard'],
    }),
    live: Flags.boolean({description: 'a game day: the team works a rehearsal incident for real; then its scorecard'}),
    sandbox: Flags.string({
      description: `with --live: the sandbox to use (default $${SANDBOX_VAR} or ${DEFAULT_SANDBOX_URL}); one is started here when none runs there`,
      helpValue: '[URL]',
      dependsOn: ['live'],
    }),
    scorecard: Flags.string({
      description: 'print the scorecard of a rehearsal (or any incident) from its journal',
      helpValue: 'INCIDENT',
      exclusive: ['live'],
    }),
    as: actorFlag,
    ...stateFlags,
  }

  async run() {
    const {args, flags} = await this.parse(Rehearse, withOptionalValue(this.argv, '--sandbox'))
    if (flags.scorecard !== undefined) return this.printScorecard(await this.openStore(flags), flags.scorecard)
    if (!args.playbook)
      throw new CandorError('missing PLAYBOOK: which playbook to rehearse', {
        code: 'missing_playbook',
        exit: ExitCode.Usage,
        suggestions: ['candor rehearse playbooks/outage.yaml, or --scorecard INCIDENT for a finished rehearsal'],
      })
    // Bad input (a playbook that does not load, facts that lack a required one) stops before anything starts.
    rehearsalInput({playbook: args.playbook, factsFile: flags.facts})
    if (flags.live) return this.gameDay(args.playbook, flags)
    return this.rehearse(args.playbook, flags)
  }

  private async rehearse(playbook: string, flags: {facts?: string; keep?: string; as?: string}) {
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
        {playbook, factsFile: flags.facts, actor: (await this.actor(flags)).name, env: this.env},
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

  /** The game day: a rehearsal in the real store, watched until it ends, then scored. */
  private async gameDay(
    playbook: string,
    flags: {facts?: string; sandbox?: string; as?: string; 'state-dir'?: string; store?: string},
  ) {
    const url = sandboxUrl(flags.sandbox || undefined, this.env)
    const say = (line: string) => process.stderr.write(`${line}\n`)
    let started: {url: string; close(): Promise<void>} | undefined
    try {
      await readSandboxInfo(url)
    } catch {
      // None running there: start one in this process, on that port.
      const {startSandbox} = await import('../infrastructure/sandbox/sandbox-server.js')
      const port = Number(new URL(url).port || 80)
      try {
        started = await startSandbox({port, host: '127.0.0.1'})
      } catch (error) {
        throw new CandorError(
          `no sandbox answers at ${url}, and one cannot be started there: ${(error as Error).message}`,
          {
            code: 'sandbox_not_running',
            suggestions: ['Start `candor sandbox` in another terminal, or pass --sandbox with a free port'],
          },
        )
      }
      say(
        `Started a sandbox at ${started.url}: open ${started.url}/ to see every channel's posts (it stops with this game)`,
      )
    }
    const store = await this.openStore(flags)
    const controller = new AbortController()
    const onInterrupt = () => controller.abort()
    process.once('SIGINT', onInterrupt)
    try {
      const {playGameDay} = await import('../services/rehearsal/game-day.js')
      const where = [
        flags['state-dir'] ? ` --state-dir ${flags['state-dir']}` : '',
        flags.store ? ` --store ${flags.store}` : '',
      ].join('')
      const result = await playGameDay({
        playbook,
        factsFile: flags.facts,
        actor: (await this.actor(flags)).name,
        sandbox: started?.url ?? url,
        store,
        signal: controller.signal,
        onOpened: (state, phases) => {
          say(
            [
              `${rehearsalMark(paintErr)} game day: incident ${state.id} (${state.playbook.name}) is open; every channel goes to the sandbox at ${started?.url ?? url}`,
              'Work it from another terminal, as on the day:',
              `  candor publish --incident ${state.id} --phase ${phases[0]}${where}   (phases: ${phases.join(', ')})`,
              `  candor status --incident ${state.id}${where}`,
              `  candor incident close ${state.id} --reason "game over"${where}   (or publish the phase that resolves it)`,
              'Watching the journal: the scorecard comes when it is resolved or closed; Ctrl-C ends the game (and closes the incident) now.',
            ].join('\n'),
          )
        },
      })
      if (!this.jsonEnabled()) this.print(formatScorecard(result.scorecard).join('\n'))
      process.exitCode = result.stopped ? ExitCode.Interrupted : result.scorecard.ok ? 0 : ExitCode.Error
      return result.scorecard
    } finally {
      process.off('SIGINT', onInterrupt)
      await started?.close()
    }
  }

  private async printScorecard(store: IncidentStore, given: string) {
    const id = await resolveIncidentId(store, given)
    const {state} = await loadIncident(store, id)
    const card = scorecard(state.events, {now: new Date()})
    if (!this.jsonEnabled()) this.print(formatScorecard(card).join('\n'))
    if (!card.ok) process.exitCode = ExitCode.Error
    return card
  }
}

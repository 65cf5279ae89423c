import {Command, Errors, Flags} from '@oclif/core'
import {CandorError, ExitCode} from '../domain/errors.js'
import {paintErr} from './style.js'
import {secretValues} from '../services/publish/credentials.js'
import {envFileWarning, processEnvironment, type Environment} from '../infrastructure/env.js'
import {installOutputRedaction} from './redact-output.js'
import {storeSecrets} from '../infrastructure/store/url.js'
import {processTemplateCache} from '../infrastructure/template-cache.js'
import {useTemplateCache} from '../services/render/template-cache-port.js'
import {ask, isPromptClosed, type Prompts} from './prompt.js'
import {canPrompt} from './terminal.js'
import type {Actor} from '../services/incident/identity.js'
import type {IncidentStore} from '../services/incident/store.js'
import {toUsageError} from './usage-errors.js'

/** Formats an error the way every Candor command prints it: unwrapped, one line each. */
export function formatError(cli: Errors.CLIError, debug = Boolean(process.env.DEBUG)): string {
  const lines = [`${paintErr('red', 'Error:')} ${cli.message}`]
  if (cli.code) lines.push(paintErr('dim', `Code: ${cli.code}`))
  const suggestions = cli.suggestions ?? []
  if (suggestions.length === 1) lines.push(`Try this: ${suggestions[0]}`)
  else if (suggestions.length > 1) lines.push('Try this:', ...suggestions.map((s) => `  * ${s}`))
  if (debug && cli.stack) lines.push('', cli.stack)
  return lines.join('\n') + '\n'
}

/**
 * What every Candor command shares: `--json`, one-line errors with a code and a
 * suggestion (stack traces only with DEBUG), and warnings on stderr.
 */
export abstract class CandorCommand extends Command {
  static override enableJsonFlag = true
  // Read by bin/run.js before anything is printed (it sets NO_COLOR); declared here so oclif accepts it.
  static override baseFlags = {
    'no-color': Flags.boolean({description: 'no colours in the output (same as NO_COLOR=1)', helpGroup: 'GLOBAL'}),
  }

  protected override async init(): Promise<void> {
    // bin/run.js installed it already (src/cli/main.ts); this covers a command run some
    // other way (Command.run), before oclif's init logs argv under DEBUG.
    installOutputRedaction([...secretValues(this.env), ...storeSecrets(this.argv, this.env)])
    // Compiled templates kept between runs: a preview in a fresh process skips Handlebars' compile.
    useTemplateCache(() => processTemplateCache(this.env))
    await super.init()
    // A leak risk is worth saying even under --json (it goes to stderr).
    const warning = envFileWarning()
    if (warning) process.stderr.write(`${paintErr('yellow', '›')} ${warning}\n`)
  }

  /** Where every setting comes from: the process environment over ./.env, read once per process. */
  protected get env(): Environment {
    return processEnvironment()
  }

  /** Whether a person can be asked at this terminal: stdin and stdout are terminals, and no --json. */
  protected get interactive(): boolean {
    return canPrompt(this.jsonEnabled()).interactive
  }

  /** Why no one can be asked (when not interactive), as the error that needs an answer says it. */
  protected get noPromptReason(): string | undefined {
    return canPrompt(this.jsonEnabled()).reason
  }

  /**
   * Asks the person at the terminal (@inquirer/prompts loads only then). Ctrl-C at the
   * prompt becomes "Aborted: <nothingDone>", exit 130.
   */
  protected readonly prompter = {
    ask<T>(question: (prompts: Prompts) => Promise<T>, nothingDone: string): Promise<T> {
      return ask(question, nothingDone)
    },
  }

  /**
   * The store the command works on (--store, --state-dir, $CANDOR_STORE, $CANDOR_STATE_DIR,
   * ./.candor: see openStore). Loaded on use, so a command that opens no store loads none of it.
   */
  protected async openStore(flags: {'state-dir'?: string; store?: string}): Promise<IncidentStore> {
    const {openStore} = await import('../infrastructure/store/open-store.js')
    return openStore({stateDir: flags['state-dir'], store: flags.store}, this.env)
  }

  private actors = new Map<string | undefined, Actor>()

  /**
   * Who is acting (--as, $CANDOR_USER, git user.name, the OS user): `git config` runs at most
   * once, and only for a command that records who acted.
   */
  protected async actor(flags: {as?: string}): Promise<Actor> {
    let actor = this.actors.get(flags.as)
    if (!actor) {
      const {whoIsActing} = await import('../services/incident/identity.js')
      this.actors.set(flags.as, (actor = whoIsActing(flags.as, this.env)))
    }
    return actor
  }

  /**
   * A person at a terminal gets oclif's indented, coloured JSON; a program (stdout not a
   * terminal) gets it compact on one line, as gh does: no colour codes, and a 10,000-event
   * timeline is written in half the time. Pipe through `jq .` to read it indented.
   */
  override logJson(json: unknown): void {
    if (process.stdout.isTTY) super.logJson(json)
    else process.stdout.write(JSON.stringify(json) + '\n')
  }

  /**
   * Writes text as it is, with a newline: `log` without util.format, which scans every
   * character for % placeholders (35 ms for a 10,000-event timeline). Silent under --json.
   */
  protected print(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text + '\n')
  }

  protected warnLine(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${paintErr('yellow', '›')} ${message}\n`)
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    const shape = {
      name: (this.id ?? '').replaceAll(':', ' '),
      flags: {...this.ctor.baseFlags, ...this.ctor.flags},
      args: this.ctor.args,
    }
    const cli = toCliError((!(error instanceof CandorError) && toUsageError(error, shape)) || error)
    process.exitCode = cli.oclif.exit ?? ExitCode.Error
    if (this.jsonEnabled()) {
      this.logJson({
        error: {code: cli.code, message: cli.message, suggestions: cli.suggestions ?? [], exit: cli.oclif.exit},
      })
      return
    }
    // oclif would wrap the message at the terminal width and indent it; print it whole.
    // Ctrl-C at a prompt is the person's choice, not an error: "Aborted: nothing was sent".
    process.stderr.write(cli.code === 'interrupted' && !process.env.DEBUG ? `${cli.message}\n` : formatError(cli))
    throw Object.assign(new Error(cli.message), {
      skipOclifErrorHandling: true,
      oclif: {exit: cli.oclif.exit ?? ExitCode.Error},
    })
  }
}

export function toCliError(error: Error & {exitCode?: number}): Errors.CLIError {
  if (error instanceof CandorError) {
    const cli = new Errors.CLIError(error.message, {code: error.code, suggestions: error.suggestions, exit: error.exit})
    Object.defineProperty(cli, 'stack', {value: error.stack})
    return cli
  }
  if (error instanceof Errors.CLIError) return error
  // Ctrl-C at a prompt no command wrapped with ask(): still an interruption (130), never "internal".
  if (isPromptClosed(error))
    return new Errors.CLIError('Aborted at the prompt (Ctrl-C)', {code: 'interrupted', exit: ExitCode.Interrupted})
  // An unexpected failure: one line unless DEBUG asks for the stack.
  const cli = new Errors.CLIError(error.message || String(error), {
    code: 'internal',
    exit: ExitCode.Error,
    suggestions: ['Run again with DEBUG=candor* for the full stack trace, and report it if it looks like a bug'],
  })
  Object.defineProperty(cli, 'stack', {value: error.stack})
  return cli
}

/** Flags shared by commands that fill templates with facts. */
export const factFlags = {
  facts: Flags.string({description: 'YAML or JSON file of incident facts', helpValue: 'FILE'}),
  set: Flags.string({
    description: 'set one fact (repeatable; wins over --facts)',
    multiple: true,
    helpValue: 'KEY=VALUE',
  }),
}

/** Flags of commands that read or write incident state. */
export const stateFlags = {
  'state-dir': Flags.string({
    description: 'state directory (default: $CANDOR_STATE_DIR, else .candor/ here or in the nearest parent)',
    helpValue: 'DIR',
  }),
  store: Flags.string({
    description:
      'shared store: postgres://USER@HOST/DB for team mode (the password goes in PGPASSWORD, ~/.pgpass or $CANDOR_STORE, not on the command line), or a directory (default: $CANDOR_STORE, else the state directory)',
    helpValue: 'URL',
  }),
}

export const incidentFlag = Flags.string({
  char: 'i',
  description: 'incident id (may be left out when exactly one incident is open)',
  helpValue: 'ID',
})

export const actorFlag = Flags.string({
  description: 'who is acting, for the record (default: $CANDOR_USER, git user.name, or the OS user)',
  helpValue: 'NAME',
})

export const maxWaitFlag = Flags.integer({
  description: 'longest wait for a rate limit, in seconds',
  default: 120,
  min: 0,
  helpValue: 'SECONDS',
})
export const lockTimeoutFlag = Flags.integer({
  description: 'seconds to wait while another command works on the same incident',
  default: 60,
  min: 0,
  helpValue: 'SECONDS',
})

export const requestTimeoutFlag = Flags.integer({
  description: 'seconds to wait for each request to a platform before trying again',
  default: 15,
  min: 1,
  helpValue: 'SECONDS',
})

/** What every command that sends to channels takes: rate-limit wait, lock wait, request timeout, who acts. */
export const sendingFlags = {
  'max-wait': maxWaitFlag,
  'lock-timeout': lockTimeoutFlag,
  timeout: requestTimeoutFlag,
  as: actorFlag,
}

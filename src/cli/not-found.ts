import type {Hook} from '@oclif/core'
import {CandorError, ExitCode} from '../domain/errors.js'
import {closest} from '../domain/text/closest.js'
import {formatError, toCliError} from './base-command.js'

/**
 * oclif's `command_not_found` hook: an unknown command is a usage error (exit 2) in
 * Candor's format, naming the closest command (`candor incident opn` → `incident open`,
 * with spaces as typed). It never runs the guess: a mistyped `publish` must not publish.
 */
const hook: Hook<'command_not_found'> = async (opts) => {
  const error = unknownCommand(opts.id, opts.argv ?? [], visibleCommands(opts.config), visibleTopics(opts.config))
  const cli = toCliError(error)
  process.exitCode = ExitCode.Usage
  if (jsonWanted(opts.argv ?? []))
    process.stdout.write(
      JSON.stringify({
        error: {code: cli.code, message: cli.message, suggestions: cli.suggestions ?? [], exit: ExitCode.Usage},
      }) + '\n',
    )
  else process.stderr.write(formatError(cli))
}
export default hook

export function visibleCommands(config: {commands: Array<{id: string; hidden?: boolean}>}): string[] {
  return config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '))
}

export function visibleTopics(config: {topics: Array<{name: string; hidden?: boolean}>}): string[] {
  return config.topics.filter((t) => !t.hidden).map((t) => t.name.replaceAll(':', ' '))
}

/** The error for a command that does not exist, with the closest one the user may have meant. */
export function unknownCommand(id: string, argv: string[], commands: string[], topics: string[] = []): CandorError {
  const typed = id.replaceAll(':', ' ')
  if (typed.startsWith('-')) {
    // `candor --verison`: oclif takes a first word that is no command for the command's id.
    const flag = typed.split(' ')[0].split('=')[0]
    const guess = closest(flag.replace(/^-+/, ''), ['help', 'version'])
    return new CandorError(`unknown flag ${flag} for \`candor\``, {
      code: 'unknown_flag',
      exit: ExitCode.Usage,
      suggestions: [...(guess ? [`Did you mean --${guess}?`] : []), 'See the commands with `candor help`'],
    })
  }
  // `candor status extra`: oclif joins a word after a command without arguments to its id.
  const words = typed.split(' ')
  for (let n = words.length - 1; n > 0; n--) {
    const command = words.slice(0, n).join(' ')
    if (commands.includes(command)) {
      return new CandorError(
        `unexpected argument ${words
          .slice(n)
          .map((w) => `"${w}"`)
          .join(', ')} for \`candor ${command}\``,
        {code: 'unexpected_argument', exit: ExitCode.Usage, suggestions: [`See \`candor ${command} --help\``]},
      )
    }
  }
  // `candor incdent open`: oclif stops the id at the unknown word; the next word may finish it.
  const next = argv[0] && !argv[0].startsWith('-') ? `${typed} ${argv[0]}` : undefined
  const guess = (next && closest(next, commands)) || closest(typed, [...commands, ...topics])
  return new CandorError(`"${typed}" is not a candor command`, {
    code: 'command_not_found',
    exit: ExitCode.Usage,
    suggestions: [...(guess ? [`Did you mean \`candor ${guess}\`?`] : []), 'See the commands with `candor help`'],
  })
}

function jsonWanted(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

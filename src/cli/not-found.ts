import type {Hook} from '@oclif/core'
import {CandorError, ExitCode} from '../errors.js'
import {closest} from '../text/closest.js'
import {formatError, toCliError} from './base-command.js'

/**
 * oclif's `command_not_found` hook: an unknown command is a usage error (exit 2) in
 * Candor's format, naming the closest command (`candor incident opn` → `incident open`,
 * with spaces as typed). It never runs the guess: a mistyped `publish` must not publish.
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const error = unknownCommand(opts.id, opts.argv ?? [], visibleCommands(opts.config))
  const cli = toCliError(error)
  process.exitCode = ExitCode.Usage
  if (jsonWanted(opts.argv ?? [])) process.stdout.write(JSON.stringify({error: {code: cli.code, message: cli.message, suggestions: cli.suggestions ?? [], exit: ExitCode.Usage}}) + '\n')
  else process.stderr.write(formatError(cli))
}
export default hook

function visibleCommands(config: {commands: Array<{id: string; hidden?: boolean}>; topics: Array<{name: string; hidden?: boolean}>}): string[] {
  return [...config.commands, ...config.topics.map((t) => ({id: t.name, hidden: t.hidden}))].filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '))
}

/** The error for a command that does not exist, with the closest one the user may have meant. */
export function unknownCommand(id: string, argv: string[], commands: string[]): CandorError {
  const typed = id.replaceAll(':', ' ')
  // `candor incdent open`: oclif stops the id at the unknown word; the next word may finish it.
  const next = argv[0] && !argv[0].startsWith('-') ? `${typed} ${argv[0]}` : undefined
  const guess = (next && closest(next, commands)) || closest(typed, commands)
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

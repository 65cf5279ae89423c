import {CandorError, ExitCode} from '../domain/errors.js'
import {didYouMean} from '../domain/text/closest.js'

/** What a usage error needs to know about the command it came from. */
export interface CommandShape {
  /** The command as typed, e.g. "incident show". */
  name: string
  flags: Record<
    string,
    {char?: string; description?: string; summary?: string; options?: readonly string[]; helpValue?: string | string[]}
  >
  args?: Record<string, {description?: string}>
}

type ParseError = Error & {flags?: string[]; args?: Array<{name?: string; description?: string}>}

/**
 * oclif's parse errors ("Nonexistent flag: --jsn", "The following error occurred: …",
 * "Parsing --max-wait \n\tExpected an integer…") as one Candor usage error: what is
 * wrong in one line, a code, exit 2, and what would be right (the closest flag, the
 * allowed values). Undefined for anything that is not a parse error.
 */
export function toUsageError(error: Error, command: CommandShape): CandorError | undefined {
  const help = `See \`candor ${command.name} --help\``
  // oclif does not export its parser's error classes (and the bundle may rename them):
  // they are told apart by their fields and wording.
  const usage = (message: string, code: string, suggestions: string[] = [help]) =>
    new CandorError(message, {code, exit: ExitCode.Usage, suggestions})
  const parse = error as ParseError

  if (/^Nonexistent flags?: /.test(error.message) && parse.flags?.length) {
    const given = parse.flags[0]
    const names = [...Object.keys(command.flags), 'json', 'help']
    const typed = given.replace(/^-+/, '').split('=')[0]
    return usage(`unknown flag ${given.split('=')[0]} for \`candor ${command.name}\``, 'unknown_flag', [
      ...didYouMean(typed, names, (n) => `--${n}`),
      help,
    ])
  }
  if (/^Missing \d+ required args?/.test(error.message) && parse.args?.length) {
    const arg = parse.args[0]
    return usage(
      `missing ${String(arg.name).toUpperCase()}${arg.description ? `: ${arg.description}` : ''}`,
      'missing_argument',
    )
  }
  const extra = error.message.match(/^Unexpected arguments?: (.*)$/m)?.[1]
  if (extra !== undefined) {
    return usage(
      `unexpected argument ${extra
        .split(', ')
        .map((a) => `"${a}"`)
        .join(', ')} for \`candor ${command.name}\``,
      'unexpected_argument',
    )
  }

  const text = error.message.replace(/\nSee more help with --help$/, '')
  let m: RegExpMatchArray | null
  if ((m = text.match(/^Parsing --([\w-]+) \s*\n\s*Expected an integer but received: (.*)$/))) {
    return usage(`--${m[1]} takes a whole number, not "${m[2]}"`, 'invalid_flag_value', [
      `Pass --${m[1]} ${flagValueName(command, m[1], 'N')}`,
      help,
    ])
  }
  if (
    (m = text.match(
      /^Parsing --([\w-]+) \s*\n\s*Expected an integer (greater|less) than or equal to (-?\d+) but received: (.*)$/,
    ))
  ) {
    return usage(
      `--${m[1]} must be ${m[2] === 'greater' ? 'at least' : 'at most'} ${m[3]}, not ${m[4]}`,
      'invalid_flag_value',
      [help],
    )
  }
  if ((m = text.match(/^Parsing --([\w-]+) \s*\n\s*(?:Error: )?([\s\S]*)$/))) {
    return usage(`--${m[1]}: ${oneLine(m[2])}`, 'invalid_flag_value', [help])
  }
  if (
    (m = text.match(/^Expected --([\w-]+)=([\s\S]*) to be one of: (.*)$/)) ||
    (m = text.match(/^Flag --([\w-]+)() expects one of these values: (.*)$/))
  ) {
    const values = m[3].split(', ')
    return usage(
      m[2] ? `--${m[1]} "${m[2]}" is not one of: ${values.join(', ')}` : `--${m[1]} needs one of: ${values.join(', ')}`,
      'invalid_flag_value',
      [...(m[2] ? didYouMean(m[2], values) : []), help],
    )
  }
  if ((m = text.match(/^Expected (.*) to be one of: (.*)$/))) {
    const values = m[2].split(', ')
    return usage(`"${m[1]}" is not one of: ${values.join(', ')}`, 'invalid_argument', [
      ...didYouMean(m[1], values),
      help,
    ])
  }
  if ((m = text.match(/^Flag --([\w-]+) expects a value$/))) {
    return usage(`--${m[1]} needs a value`, 'missing_flag_value', [
      `Pass --${m[1]} ${flagValueName(command, m[1], 'VALUE')}`,
      help,
    ])
  }
  if ((m = text.match(/^Flag --([\w-]+) can only be specified once$/))) {
    return usage(`--${m[1]} is given more than once; it takes one value`, 'repeated_flag', [help])
  }
  if ((m = text.match(/^The following errors? occurred:\n([\s\S]*)$/))) {
    // oclif dims the reasons; keep the words.
    const reasons = m[1]
      .replace(/\u001B\[[0-9;]*m/g, '')
      .split('\n')
      .map((r) => r.trim())
      .filter(Boolean)
    return constraintError(reasons[0], command, usage) ?? usage(reasons.join('; '), 'usage')
  }
  if ('parse' in error) return usage(oneLine(text), 'usage')
  return undefined
}

function constraintError(
  reason: string,
  command: CommandShape,
  usage: (message: string, code: string, suggestions?: string[]) => CandorError,
): CandorError | undefined {
  let m: RegExpMatchArray | null
  if ((m = reason.match(/^Missing required flag ([\w-]+)$/))) {
    const flag = command.flags[m[1]]
    const about = flag?.options ? `one of: ${flag.options.join(', ')}` : (flag?.summary ?? flag?.description)
    return usage(`missing --${m[1]}${about ? `: ${about}` : ''}`, 'missing_flag', [
      `Pass --${m[1]} ${flagValueName(command, m[1], 'VALUE')}`,
    ])
  }
  if ((m = reason.match(/^(?:Exactly|At least) one of the following must be provided: (.*)$/)))
    return usage(`missing one of ${m[1]}`, 'missing_flag')
  if ((m = reason.match(/^(--[\w-]+)(?:=\S*)? cannot also be provided when using (--[\w-]+)$/)))
    return usage(`${m[1]} and ${m[2]} can't be used together`, 'conflicting_flags')
  if ((m = reason.match(/^(?:All|One) of the following must be provided when using (--[\w-]+): (.*)$/)))
    return usage(`${m[1]} also needs ${m[2]}`, 'missing_flag')
  return undefined
}

function flagValueName(command: CommandShape, flag: string, fallback: string): string {
  const helpValue = command.flags[flag]?.helpValue
  return (Array.isArray(helpValue) ? helpValue[0] : helpValue) ?? fallback
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ')
}

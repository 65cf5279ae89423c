/**
 * A user-facing failure: one line saying what is wrong, plus what to do about it.
 * Commands turn it into oclif's `this.error(message, {code, suggestions, exit})`.
 */
export class CandorError extends Error {
  readonly code: string
  readonly suggestions: string[]
  readonly exit: number

  constructor(message: string, opts: {code: string; suggestions?: string[]; exit?: number}) {
    super(message)
    this.name = 'CandorError'
    this.code = opts.code
    this.suggestions = opts.suggestions ?? []
    this.exit = opts.exit ?? ExitCode.Error
  }
}

/** Exit codes, documented in the README. */
export const ExitCode = {
  Ok: 0,
  /** Bad input, validation failure, anything the user must fix. */
  Error: 1,
  /** Flag or argument syntax (oclif's own parse errors use 2 as well). */
  Usage: 2,
  /** Publishing ran but not every approved delivery was published. */
  PartialDelivery: 3,
  /** Nothing was sent because approval was refused or could not be asked for. */
  NotApproved: 4,
  /** Interrupted (Ctrl-C) while publishing. */
  Interrupted: 130,
} as const

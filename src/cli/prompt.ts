import {CandorError, ExitCode} from '../domain/errors.js'

/** The prompts Candor uses (@inquirer/prompts), loaded only when a person is asked. */
export type Prompts = Pick<typeof import('@inquirer/prompts'), 'select' | 'checkbox' | 'confirm' | 'editor'>

/** Loads the prompts; tests pass their own. */
export type LoadPrompts = () => Promise<Prompts>

export const loadPrompts: LoadPrompts = () => import('@inquirer/prompts')

/**
 * Ctrl-C at a prompt: @inquirer rejects with an ExitPromptError ("User force closed the
 * prompt with SIGINT") for the key, with an AbortPromptError when a SIGINT signal closes it.
 */
export function isPromptClosed(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')
}

/** What a command says when a person leaves a prompt with Ctrl-C: exit 130 (interrupted), never an internal error. */
export function promptAborted(what: string): CandorError {
  return new CandorError(`Aborted: ${what}`, {code: 'interrupted', exit: ExitCode.Interrupted})
}

let open = 0

/** Whether a person is being asked right now (a SIGINT then closes the prompt: see ask()). */
export function promptOpen(): boolean {
  return open > 0
}

/**
 * Asks a person something. Ctrl-C at the prompt, as a key or as a SIGINT signal, becomes
 * "Aborted: <nothingDone>" (e.g. "nothing was sent"), exit 130; say there what is true
 * at that point.
 */
export async function ask<T>(
  question: (prompts: Prompts) => Promise<T>,
  nothingDone: string,
  load: LoadPrompts = loadPrompts,
): Promise<T> {
  const prompts = await load()
  const closed = new AbortController()
  const onSigint = () => closed.abort()
  const context = {signal: closed.signal}
  // Every prompt asked in `question` closes on SIGINT.
  const bound: Prompts = {
    select: ((config: never) => prompts.select(config, context)) as Prompts['select'],
    checkbox: ((config: never) => prompts.checkbox(config, context)) as Prompts['checkbox'],
    confirm: ((config: never) => prompts.confirm(config, context)) as Prompts['confirm'],
    editor: ((config: never) => prompts.editor(config, context)) as Prompts['editor'],
  }
  process.on('SIGINT', onSigint)
  open++
  try {
    return await question(bound)
  } catch (error) {
    if (isPromptClosed(error)) throw promptAborted(nothingDone)
    throw error
  } finally {
    open--
    process.removeListener('SIGINT', onSigint)
  }
}

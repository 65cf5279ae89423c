import {CandorError, ExitCode} from '../errors.js'

/** The prompts Candor uses (@inquirer/prompts), loaded only when a person is asked. */
export type Prompts = Pick<typeof import('@inquirer/prompts'), 'select' | 'checkbox' | 'confirm' | 'editor'>

/** Loads the prompts; tests pass their own. */
export type LoadPrompts = () => Promise<Prompts>

export const loadPrompts: LoadPrompts = () => import('@inquirer/prompts')

/** Ctrl-C at a prompt: @inquirer rejects with an ExitPromptError ("User force closed the prompt with SIGINT"). */
export function isPromptClosed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError'
}

/** What a command says when a person leaves a prompt with Ctrl-C: exit 130 (interrupted), never an internal error. */
export function promptAborted(what: string): CandorError {
  return new CandorError(`Aborted: ${what}`, {code: 'interrupted', exit: ExitCode.Interrupted})
}

/**
 * Asks a person something. Ctrl-C at the prompt becomes "Aborted: <nothingDone>"
 * (e.g. "nothing was sent"), exit 130; say there what is true at that point.
 */
export async function ask<T>(question: (prompts: Prompts) => Promise<T>, nothingDone: string, load: LoadPrompts = loadPrompts): Promise<T> {
  const prompts = await load()
  try {
    return await question(prompts)
  } catch (error) {
    if (isPromptClosed(error)) throw promptAborted(nothingDone)
    throw error
  }
}

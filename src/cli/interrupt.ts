import {ExitCode} from '../domain/errors.js'
import {promptOpen} from './prompt.js'

/**
 * Ctrl-C while sending: the first one sends nothing new, lets requests in flight settle
 * and be journaled (the command then exits 130); a second one exits at once (parts in
 * flight then show as unknown until `candor retry`). At a prompt, nothing is being sent:
 * the prompt itself closes ("Aborted: nothing was sent"). `stop()` stops listening.
 */
export function graceOnCtrlC(doing: 'sending' | 'deleting' = 'sending'): {signal: AbortSignal; stop(): void} {
  const controller = new AbortController()
  const onSigint = () => {
    if (promptOpen()) return
    if (controller.signal.aborted) process.exit(ExitCode.Interrupted)
    process.stderr.write(
      `\nInterrupted: ${doing} nothing new; waiting a few seconds for requests in flight (Ctrl-C again to quit now)\n`,
    )
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  return {signal: controller.signal, stop: () => process.removeListener('SIGINT', onSigint)}
}

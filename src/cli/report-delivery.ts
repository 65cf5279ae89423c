import {ExitCode} from '../errors.js'
import type {PublishResult} from '../publish/publish.js'

/** Where a command's lines go: its own log and warning methods. */
export interface CommandOutput {
  log(message: string): void
  warn(message: string): void
}

/**
 * How `publish` and `approve` end once posts went out: a line per channel off a terminal
 * (on one, the spinner board showed each already), the exit code (130 interrupted,
 * 3 when a delivery failed) and what `--json` prints.
 */
export function reportDeliveries(out: CommandOutput, result: PublishResult, opts: {json: boolean; interrupted: boolean}): Record<string, unknown> {
  const {incident, phase, update, deliveries} = result
  if (opts.interrupted) {
    process.exitCode = ExitCode.Interrupted
    out.warn(`interrupted: what was sent is journaled; run \`candor retry --incident ${incident}\` to finish`)
    return {incident, phase, update, deliveries, interrupted: true}
  }
  if (!opts.json && !(process.stdout.isTTY && process.stderr.isTTY)) {
    for (const d of deliveries) out.log(`${d.channel}: ${d.status}${d.urls.length ? ' ' + d.urls.join(' ') : ''}${d.error ? ` (${d.error})` : ''}`)
  }
  const failed = deliveries.filter((d) => d.status === 'failed')
  if (failed.length > 0) {
    process.exitCode = ExitCode.PartialDelivery
    out.warn(`${failed.length} of ${deliveries.length} deliveries failed; fix the cause and run \`candor retry --incident ${incident}\``)
  }
  return {incident, phase, update, deliveries}
}

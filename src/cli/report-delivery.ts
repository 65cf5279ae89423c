import {ExitCode} from '../domain/errors.js'
import {describeAlreadyCarried} from '../services/publish/duplicates.js'
import type {PublishResult} from '../services/publish/publish.js'

/** Where a command's lines go: its own log and warning methods. */
export interface CommandOutput {
  log(message: string): void
  warn(message: string): void
}

/**
 * How `publish` and `approve` end once posts went out: a line per channel off a terminal
 * (on one, the spinner board showed each already), a line per channel skipped because it
 * already has the update (on a terminal too: those never reach the board), the exit code
 * (130 interrupted, 3 when a delivery failed or a skipped channel's earlier one is not
 * finished) and what `--json` prints.
 */
export function reportDeliveries(
  out: CommandOutput,
  result: PublishResult,
  opts: {json: boolean; interrupted: boolean},
): Record<string, unknown> {
  const {incident, phase, update, deliveries} = result
  if (opts.interrupted) {
    process.exitCode = ExitCode.Interrupted
    out.warn(`interrupted: what was sent is journaled; run \`candor retry --incident ${incident}\` to finish`)
    return {incident, phase, update, deliveries, interrupted: true}
  }
  const already = result.already ?? []
  if (!opts.json) {
    const board = process.stdout.isTTY && process.stderr.isTTY
    for (const d of deliveries) {
      if (d.already) out.log(describeAlreadyCarried({channel: d.channel, ...d.already}))
      else if (!board)
        out.log(
          `${d.channel}: ${d.status}${d.urls.length ? ' ' + d.urls.join(' ') : ''}${d.error ? ` (${d.error})` : ''}`,
        )
    }
    if (update === null)
      out.log(`Nothing was sent: every channel already has this update. Pass --again to publish it once more.`)
  }
  const failed = deliveries.filter((d) => d.status === 'failed')
  const unfinished = already.filter((a) => a.status !== 'published')
  if (failed.length > 0) {
    process.exitCode = ExitCode.PartialDelivery
    out.warn(
      `${failed.length} of ${deliveries.length} deliveries failed; fix the cause and run \`candor retry --incident ${incident}\``,
    )
  } else if (unfinished.length > 0) {
    process.exitCode = ExitCode.PartialDelivery
    out.warn(
      `${unfinished.map((a) => `${a.channel} (update ${a.update})`).join(', ')} not finished yet; run \`candor retry --incident ${incident}\``,
    )
  }
  return {incident, phase, update, deliveries}
}

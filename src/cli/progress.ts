import type {ChannelProgress, DeliveryReporter} from '../publish/deliver.js'
import {formatWait} from '../publish/deliver.js'
import {makeStyler} from './style.js'

const paint = makeStyler(process.stderr)

function describe(progress: ChannelProgress, now: number): string {
  switch (progress.state) {
    case 'queued':
      return paint('dim', 'queued')
    case 'sending':
      return progress.parts > 1 ? `sending part ${progress.part}/${progress.parts}` : 'sending'
    case 'waiting':
      return paint('yellow', `rate limited: waiting ${formatWait(progress.until.getTime() - now)}`)
    case 'retrying':
      return paint('yellow', `${progress.reason}: retrying in ${formatWait(progress.at.getTime() - now)}`)
    case 'published':
      return paint('green', `published ${progress.urls.join(' ')}`)
    case 'failed':
      return paint('red', `failed: ${progress.error}`)
  }
}

/** Off a TTY: one plain line per change of state, on stderr. */
export class LineReporter implements DeliveryReporter {
  progress(channel: string, progress: ChannelProgress): void {
    if (progress.state === 'queued') return
    process.stderr.write(`${channel}: ${describe(progress, Date.now())}\n`)
  }
}

/**
 * On a TTY: one ora spinner whose text is a live board, a line per channel, with a
 * countdown while a channel waits for a rate limit.
 */
export class SpinnerReporter implements DeliveryReporter {
  private readonly states = new Map<string, ChannelProgress>()
  private spinner?: {text: string; stop(): void; start(): unknown; stopAndPersist(o: {symbol: string; text: string}): void}
  private timer?: NodeJS.Timeout

  static async create(): Promise<SpinnerReporter> {
    const reporter = new SpinnerReporter()
    const {default: ora} = await import('ora')
    reporter.spinner = ora({stream: process.stderr, color: 'cyan', isEnabled: true, discardStdin: false})
    return reporter
  }

  progress(channel: string, progress: ChannelProgress): void {
    this.states.set(channel, progress)
    if (!this.timer) {
      this.spinner?.start()
      this.timer = setInterval(() => this.render(), 250)
      this.timer.unref()
    }
    this.render()
  }

  private render(): void {
    if (!this.spinner) return
    const now = Date.now()
    const width = Math.max(...[...this.states.keys()].map((k) => k.length))
    this.spinner.text = [...this.states.entries()].map(([c, p]) => `${c.padEnd(width)}  ${describe(p, now)}`).join('\n  ')
  }

  /** Replaces the board with a final line per channel. */
  finish(): void {
    if (this.timer) clearInterval(this.timer)
    this.spinner?.stop()
    const width = Math.max(0, ...[...this.states.keys()].map((k) => k.length))
    for (const [channel, p] of this.states) {
      const symbol = p.state === 'published' ? paint('green', '✔') : p.state === 'failed' ? paint('red', '✖') : paint('yellow', '•')
      process.stderr.write(`${symbol} ${channel.padEnd(width)}  ${describe(p, Date.now())}\n`)
    }
  }
}

export async function createReporter(json: boolean): Promise<DeliveryReporter & {finish?(): void}> {
  if (!json && process.stderr.isTTY && process.env.TERM !== 'dumb') return SpinnerReporter.create()
  if (json) return {progress() {}}
  return new LineReporter()
}

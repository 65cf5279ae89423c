import type {ChannelProgress, DeliveryReporter} from '../services/publish/deliver.js'
import {formatWait} from '../services/publish/deliver.js'
import {makeStyler} from './style.js'

/** Where progress goes: stderr, or a stand-in in tests (a TTY of a given width). */
export type ProgressStream = Pick<NodeJS.WriteStream, 'write'> &
  Partial<Pick<NodeJS.WriteStream, 'isTTY' | 'columns' | 'cursorTo' | 'moveCursor' | 'clearLine'>>

/**
 * The narrowest terminal a live board is drawn on. A spinner redraws by counting how many
 * rows its text wraps to (width / columns): at 0 columns (`script -qc`, `ssh -tt`) that is
 * a division by zero and the spinner never stops clearing; on a very narrow one every
 * character is a row. Below this width, and where the width is unknown, progress is plain lines.
 */
export const MIN_SPINNER_COLUMNS = 20

/** Whether a live board fits on `stream`: a terminal whose width is known and at least MIN_SPINNER_COLUMNS. */
export function boardFits(stream: ProgressStream): boolean {
  const columns = stream.columns
  return (
    Boolean(stream.isTTY) && typeof columns === 'number' && Number.isFinite(columns) && columns >= MIN_SPINNER_COLUMNS
  )
}

function describe(paint: ReturnType<typeof makeStyler>, progress: ChannelProgress, now: number): string {
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

/** Off a TTY (or on one too narrow for a board): one plain line per change of state, on stderr. */
export class LineReporter implements DeliveryReporter {
  private readonly paint: ReturnType<typeof makeStyler>

  constructor(private readonly stream: ProgressStream = process.stderr) {
    this.paint = makeStyler(stream as NodeJS.WriteStream)
  }

  progress(channel: string, progress: ChannelProgress): void {
    if (progress.state === 'queued') return
    this.stream.write(`${channel}: ${describe(this.paint, progress, Date.now())}\n`)
  }
}

/**
 * On a TTY: one ora spinner whose text is a live board, a line per channel, with a
 * countdown while a channel waits for a rate limit. Should the terminal shrink below
 * MIN_SPINNER_COLUMNS (or report 0 columns) meanwhile, the board stops and progress
 * goes on as plain lines.
 */
export class SpinnerReporter implements DeliveryReporter {
  private readonly states = new Map<string, ChannelProgress>()
  private spinner?: {text: string; stop(): void; start(): unknown; render(): unknown}
  private timer?: NodeJS.Timeout
  private lines?: LineReporter
  private readonly paint: ReturnType<typeof makeStyler>

  private constructor(private readonly stream: ProgressStream) {
    this.paint = makeStyler(stream as NodeJS.WriteStream)
  }

  static async create(stream: ProgressStream = process.stderr): Promise<SpinnerReporter> {
    const reporter = new SpinnerReporter(stream)
    const {default: ora} = await import('ora')
    reporter.spinner = ora({stream: stream as NodeJS.WriteStream, color: 'cyan', isEnabled: true, discardStdin: false})
    return reporter
  }

  progress(channel: string, progress: ChannelProgress): void {
    this.states.set(channel, progress)
    if (this.lines) {
      this.lines.progress(channel, progress)
      return
    }
    if (!boardFits(this.stream)) {
      this.fallBack()
      return
    }
    this.render()
    if (!this.timer) {
      this.spinner?.start()
      this.timer = setInterval(() => this.render(), 250)
      this.timer.unref()
    } else this.spinner?.render()
  }

  private render(): void {
    if (!this.spinner || this.lines) return
    if (!boardFits(this.stream)) {
      this.fallBack()
      return
    }
    const now = Date.now()
    const width = Math.max(...[...this.states.keys()].map((k) => k.length))
    this.spinner.text = [...this.states.entries()]
      .map(([c, p]) => `${c.padEnd(width)}  ${describe(this.paint, p, now)}`)
      .join('\n  ')
  }

  /** The terminal is too narrow (or says 0 columns): stop the board, write each channel's state as a line from now on. */
  private fallBack(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.spinner?.stop()
    this.lines = new LineReporter(this.stream)
    for (const [channel, p] of this.states) this.lines.progress(channel, p)
  }

  /** Replaces the board with a final line per channel. */
  finish(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.lines) return
    this.spinner?.stop()
    const width = Math.max(0, ...[...this.states.keys()].map((k) => k.length))
    for (const [channel, p] of this.states) {
      const symbol =
        p.state === 'published'
          ? this.paint('green', '✔')
          : p.state === 'failed'
            ? this.paint('red', '✖')
            : this.paint('yellow', '•')
      this.stream.write(`${symbol} ${channel.padEnd(width)}  ${describe(this.paint, p, Date.now())}\n`)
    }
  }
}

/**
 * How a command shows delivery progress: nothing under --json, a live board on a terminal
 * wide enough for one, otherwise a plain line per change.
 */
export async function createReporter(
  json: boolean,
  stream: ProgressStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DeliveryReporter & {finish?(): void}> {
  if (json) return {progress() {}}
  if (stream.isTTY && env.TERM !== 'dumb' && boardFits(stream)) return SpinnerReporter.create(stream)
  return new LineReporter(stream)
}

import {describe, expect, it, vi} from 'vitest'
import {createReporter, type ProgressStream} from '../../src/cli/progress.js'
import type {ChannelProgress} from '../../src/services/publish/deliver.js'

/**
 * A terminal of a given width. ora redraws by clearing as many rows as its text wraps
 * to; a runaway clear (rows = text / 0 columns = Infinity) throws here instead of
 * hanging the test.
 */
function terminal(columns: number | undefined) {
  let clears = 0
  const out: string[] = []
  const stream: ProgressStream & {columns?: number} = {
    isTTY: true,
    columns,
    write: (chunk: string | Uint8Array) => {
      out.push(String(chunk))
      return true
    },
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => {
      if (++clears > 10_000) throw new Error('runaway clear: the spinner divided by the terminal width')
      return true
    },
  }
  return {stream, text: () => out.join(''), writes: () => out.length}
}

const PUBLISHED: ChannelProgress = {state: 'published', urls: ['https://x.example/1']}
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g

async function run(columns: number | undefined) {
  const t = terminal(columns)
  const reporter = await createReporter(false, t.stream, {TERM: 'xterm-256color'})
  reporter.progress('x', {state: 'queued'})
  reporter.progress('mastodon', {state: 'queued'})
  reporter.progress('x', {state: 'sending', part: 1, parts: 1})
  reporter.progress('mastodon', {state: 'failed', error: 'Mastodon answered 401'})
  reporter.progress('x', PUBLISHED)
  reporter.finish?.()
  return {...t, reporter, plain: t.text().replace(ANSI, '')}
}

describe('delivery progress on terminals of any width', () => {
  it('at 0 columns (script -qc, ssh -tt) falls back to plain lines and finishes', async () => {
    const r = await run(0)
    expect(r.plain).toBe('x: sending\nmastodon: failed: Mastodon answered 401\nx: published https://x.example/1\n')
  })

  it('at 1 column, and where the width is unknown, also plain lines', async () => {
    for (const columns of [1, undefined]) {
      const r = await run(columns)
      expect(r.plain).toBe('x: sending\nmastodon: failed: Mastodon answered 401\nx: published https://x.example/1\n')
    }
  })

  it('at 80 columns draws a live board, then one final line per channel, and stops drawing', async () => {
    // Timers are faked so that "stops drawing" is checked by running them, not by waiting.
    vi.useFakeTimers({toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout']})
    try {
      const r = await run(80)
      // The board showed both channels side by side while it ran...
      expect(r.plain).toMatch(/x {8}\s+sending/)
      // ...and was replaced by a final line each.
      expect(r.plain).toContain('✖ mastodon  failed: Mastodon answered 401\n')
      expect(r.plain).toContain('✔ x         published https://x.example/1\n')
      const after = r.writes()
      vi.advanceTimersByTime(5000)
      expect(r.writes()).toBe(after)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('a terminal that shrinks to 0 columns while sending stops the board and goes on in lines', async () => {
    const t = terminal(80)
    const reporter = await createReporter(false, t.stream, {TERM: 'xterm-256color'})
    reporter.progress('x', {state: 'sending', part: 1, parts: 2})
    t.stream.columns = 0
    reporter.progress('x', {state: 'sending', part: 2, parts: 2})
    reporter.progress('x', PUBLISHED)
    reporter.finish?.()
    const plain = t.text().replace(ANSI, '')
    expect(plain.endsWith('x: sending part 2/2\nx: published https://x.example/1\n')).toBe(true)
  })

  it('TERM=dumb and --json get no spinner', async () => {
    const t = terminal(80)
    const dumb = await createReporter(false, t.stream, {TERM: 'dumb'})
    dumb.progress('x', PUBLISHED)
    expect(t.text()).toBe('x: published https://x.example/1\n')
    const json = await createReporter(true, t.stream, {TERM: 'xterm'})
    json.progress('x', PUBLISHED)
    expect(t.text()).toBe('x: published https://x.example/1\n')
  })
})

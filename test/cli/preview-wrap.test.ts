import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {gutterLines, wrapLine} from '../../src/cli/render-preview.js'
import {BIN, ROOT, runCli} from '../helpers/cli.js'

/** Columns a line takes in a terminal (CJK and emoji take two). */
function width(line: string): number {
  let n = 0
  for (const {segment} of new Intl.Segmenter(undefined, {granularity: 'grapheme'}).segment(line))
    n += /^(?:\p{Extended_Pictographic}|[\u3000-\u9FFF\uFF00-\uFF60])/u.test(segment) ? 2 : 1
  return n
}

describe('preview lines wrap inside the │ gutter', () => {
  it('wraps at spaces, breaks a word only when it alone is too wide, and keeps every character', () => {
    const text =
      'We are investigating problems with Acme Voice. Follow along: https://status.acme.example/incidents/2026-11-25-acme-voice-outage'
    const lines = wrapLine(text, 30)
    expect(lines.length).toBeGreaterThan(3)
    for (const line of lines) expect(width(line)).toBeLessThanOrEqual(30)
    expect(lines[0]).toBe('We are investigating problems')
    expect(lines.join(' ').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''))
  })

  it('counts wide characters and emoji as two columns', () => {
    const ja = 'ご迷惑をおかけし、申し訳ございません。現在、原因を調査しております。🙏'
    const lines = wrapLine(ja, 20)
    for (const line of lines) expect(width(line)).toBeLessThanOrEqual(20)
    expect(lines.join('')).toBe(ja)
    expect(lines[0]).toHaveLength(10)
  })

  it('does not wrap when the width is unknown', () => {
    const long = 'word '.repeat(60).trim()
    expect(gutterLines(long)).toEqual([`  │ ${long}`])
    expect(gutterLines(long, 40).every((l) => l.startsWith('  │ ') && width(l) <= 40)).toBe(true)
  })

  it('candor preview wraps at the terminal width, and not when stdout is not a terminal', async () => {
    const args = [
      'preview',
      'outage',
      '--phase',
      'investigating',
      '--facts',
      'playbooks/examples/outage.facts.yaml',
      '--channel',
      'blog',
    ]
    const piped = await runCli(args)
    expect(piped.code).toBe(0)
    const longest = Math.max(
      ...piped.stdout
        .split('\n')
        .filter((l) => l.startsWith('  │ '))
        .map(width),
    )
    expect(longest).toBeGreaterThan(60)

    const hasScript = spawnSync('script', ['--version']).status === 0
    if (!hasScript) return // util-linux `script` gives the CLI a terminal; without it only the pipe case runs
    const command = `stty cols 60; ${process.execPath} ${BIN} ${args.join(' ')}`
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: ROOT,
      env: {...process.env, NO_COLOR: '1', FORCE_COLOR: undefined},
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(tty.status, tty.stderr).toBe(0)
    const gutter = tty.stdout.split(/\r?\n/).filter((l) => l.startsWith('  │ '))
    expect(gutter.length).toBeGreaterThan(piped.stdout.split('\n').filter((l) => l.startsWith('  │ ')).length)
    for (const line of gutter) expect(width(line.trimEnd())).toBeLessThanOrEqual(60)
  })
})

import {styleText} from 'node:util'

type Style = Parameters<typeof styleText>[0]

/** Colours only for a terminal that wants them: a TTY, no NO_COLOR, not TERM=dumb. */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY) && process.env.TERM !== 'dumb'
}

export function makeStyler(stream: NodeJS.WriteStream = process.stdout) {
  const on = colorEnabled(stream)
  return (style: Style, text: string): string => (on ? styleText(style, text) : text)
}

export const paint = makeStyler(process.stdout)
export const paintErr = makeStyler(process.stderr)

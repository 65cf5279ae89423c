import type {RenderedPhase, RenderedPost} from '../services/render/render-phase.js'
import {formatTime} from '../domain/time.js'
import {CHANNEL_KINDS, isChannelType} from '../channels/registry.js'
import {paint} from './style.js'

let segmenter: Intl.Segmenter | undefined
const graphemes = (text: string) =>
  [...(segmenter ??= new Intl.Segmenter(undefined, {granularity: 'grapheme'})).segment(text)].map((s) => s.segment)

/** Wide (2 columns) in a terminal: East Asian wide and fullwidth characters, and emoji. */
const WIDE =
  /^(?:\p{Extended_Pictographic}|[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F1E6}-\u{1F1FF}\u{20000}-\u{3FFFD}])/u
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}]+$/u

/** How many terminal columns a grapheme takes. */
function columns(grapheme: string): number {
  if (ZERO.test(grapheme)) return 0
  return WIDE.test(grapheme) ? 2 : 1
}

/**
 * One line of a post cut into lines of at most `width` columns: at spaces where it can,
 * inside a word only when the word alone is wider (a long URL, text without spaces).
 */
export function wrapLine(line: string, width: number): string[] {
  if (!(width > 0)) return [line]
  const out: string[] = []
  let current = ''
  let used = 0
  for (const word of line.split(/(?<= )/)) {
    const cells = graphemes(word)
    const size = cells.reduce((n, g) => n + columns(g), 0)
    const bare = size - (word.endsWith(' ') ? 1 : 0) // a trailing space may hang past the edge
    if (used > 0 && used + bare > width) {
      out.push(current.trimEnd())
      current = ''
      used = 0
    }
    if (bare <= width - used) {
      current += word
      used += size
      continue
    }
    for (const g of cells) {
      const w = columns(g)
      if (used + w > width && used > 0) {
        out.push(current.trimEnd())
        current = ''
        used = 0
      }
      current += g
      used += w
    }
  }
  out.push(current.trimEnd())
  return out
}

/** A post's text as preview lines inside the `│` gutter, wrapped to `width` columns when it is known. */
export function gutterLines(text: string, width?: number): string[] {
  const room = width ? Math.max(20, width - 4) : 0 // "  │ " takes 4 columns
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, room))
    .map((line) => `  ${paint('dim', '│')} ${line}`)
}

/** The terminal's width when stdout is one; undefined (no wrapping) otherwise. */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  return stream.isTTY && stream.columns > 0 ? stream.columns : undefined
}

/**
 * The human preview of a rendered phase: every post, part by part, with its length.
 * With `width` (the terminal's), post lines wrap inside the gutter.
 */
export function formatPreview(rendered: RenderedPhase, heading: string, opts: {width?: number} = {}): string {
  const lines: string[] = []
  lines.push(paint('bold', heading))
  if (rendered.nextUpdateDue) lines.push(`Next update promised by ${formatTime(rendered.nextUpdateDue, 'datetime')}`)
  for (const post of rendered.posts) lines.push('', ...formatPost(post, opts.width))
  const errors = rendered.posts.reduce((n, p) => n + p.errors.length, 0)
  const warnings = rendered.posts.reduce((n, p) => n + p.warnings.length, 0)
  lines.push('')
  const summary = `${rendered.posts.length} ${rendered.posts.length === 1 ? 'post' : 'posts'}`
  if (errors > 0)
    lines.push(paint('red', `✗ ${summary}, ${errors} ${errors === 1 ? 'error' : 'errors'}: fix them before publishing`))
  else
    lines.push(
      paint(
        'green',
        `✓ ${summary} ready${warnings > 0 ? `, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}` : ''}`,
      ),
    )
  return lines.join('\n')
}

function formatPost(post: RenderedPost, width?: number): string[] {
  const label = isChannelType(post.type) ? CHANNEL_KINDS[post.type].label : post.type
  const unit = isChannelType(post.type) ? (CHANNEL_KINDS[post.type].unit ?? 'characters') : 'characters'
  const count = post.parts.length > 1 ? `thread of ${post.parts.length}` : ''
  const out = [`${paint('cyan', paint('bold', post.channel))} ${paint('dim', `(${label})`)}${count ? ` ${count}` : ''}`]
  if (post.title) out.push(`  ${paint('dim', 'title:')} ${post.title}`)
  if (post.subject) out.push(`  ${paint('dim', 'subject:')} ${post.subject}`)
  if (post.link) out.push(`  ${paint('dim', 'link:')} ${post.link}`)
  post.parts.forEach((part, i) => {
    if (post.parts.length > 1) out.push(paint('dim', `  ── ${i + 1}/${post.parts.length}`))
    out.push(...gutterLines(part.text, width))
    const over = part.limit !== null && part.length > part.limit
    const size = part.limit === null ? `${part.length} ${unit}` : `${part.length}/${part.limit} ${unit}`
    out.push(`  ${paint('dim', '└')} ${over ? paint('red', size) : paint('dim', size)}`)
  })
  if (post.limitNote) out.push(`  ${paint('dim', post.limitNote)}`)
  for (const w of post.warnings) out.push(`  ${paint('yellow', '! ' + w)}`)
  for (const e of post.errors) out.push(`  ${paint('red', '✗ ' + e)}`)
  return out
}

import type {RenderedPhase, RenderedPost} from '../render/render-phase.js'
import {formatTime} from '../render/helpers.js'
import {CHANNEL_KINDS, isChannelType} from '../channels/kinds.js'
import {paint} from './style.js'

/** The human preview of a rendered phase: every post, part by part, with its length. */
export function formatPreview(rendered: RenderedPhase, heading: string): string {
  const lines: string[] = []
  lines.push(paint('bold', heading))
  if (rendered.nextUpdateDue) lines.push(`Next update promised by ${formatTime(rendered.nextUpdateDue, 'datetime')}`)
  for (const post of rendered.posts) lines.push('', ...formatPost(post))
  const errors = rendered.posts.reduce((n, p) => n + p.errors.length, 0)
  const warnings = rendered.posts.reduce((n, p) => n + p.warnings.length, 0)
  lines.push('')
  const summary = `${rendered.posts.length} ${rendered.posts.length === 1 ? 'post' : 'posts'}`
  if (errors > 0) lines.push(paint('red', `✗ ${summary}, ${errors} ${errors === 1 ? 'error' : 'errors'}: fix them before publishing`))
  else lines.push(paint('green', `✓ ${summary} ready${warnings > 0 ? `, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}` : ''}`))
  return lines.join('\n')
}

function formatPost(post: RenderedPost): string[] {
  const label = isChannelType(post.type) ? CHANNEL_KINDS[post.type].label : post.type
  const unit = isChannelType(post.type) ? (CHANNEL_KINDS[post.type].unit ?? 'characters') : 'characters'
  const count = post.parts.length > 1 ? `thread of ${post.parts.length}` : ''
  const out = [`${paint('cyan', paint('bold', post.channel))} ${paint('dim', `(${label})`)}${count ? ` ${count}` : ''}`]
  if (post.title) out.push(`  ${paint('dim', 'title:')} ${post.title}`)
  if (post.subject) out.push(`  ${paint('dim', 'subject:')} ${post.subject}`)
  if (post.link) out.push(`  ${paint('dim', 'link:')} ${post.link}`)
  post.parts.forEach((part, i) => {
    if (post.parts.length > 1) out.push(paint('dim', `  ── ${i + 1}/${post.parts.length}`))
    for (const line of part.text.split('\n')) out.push(`  ${paint('dim', '│')} ${line}`)
    const over = part.limit !== null && part.length > part.limit
    const size = part.limit === null ? `${part.length} ${unit}` : `${part.length}/${part.limit} ${unit}`
    out.push(`  ${paint('dim', '└')} ${over ? paint('red', size) : paint('dim', size)}`)
  })
  if (post.limitNote) out.push(`  ${paint('dim', post.limitNote)}`)
  for (const w of post.warnings) out.push(`  ${paint('yellow', '! ' + w)}`)
  for (const e of post.errors) out.push(`  ${paint('red', '✗ ' + e)}`)
  return out
}

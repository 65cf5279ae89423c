import {CandorError} from '../domain/errors.js'
import {parseDuration} from '../domain/playbook/model.js'
import type {DraftView} from '../services/publish/drafts.js'

/** Reads --draft-ttl ("2h", "30m", "1d"). */
export function parseDraftTtl(text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined)
    throw new CandorError(`--draft-ttl "${text}" is not a duration`, {
      code: 'bad_duration',
      suggestions: ['Use e.g. 30m, 2h or 1d'],
    })
  return ms
}

/** The draft as plain text: every post exactly as it will go out, and who approved it. */
export function describeDraft(view: DraftView): string {
  const lines = [
    `Draft ${view.draft} of ${view.incident} · ${view.phase} (asked by ${view.requested_by}, expires ${view.expires_at})`,
  ]
  if (view.revised) lines.push(`! ${view.revised}`)
  for (const post of view.posts) {
    const chosen = view.channels.includes(post.channel)
    lines.push('', `${post.channel} (${post.type})${chosen ? '' : ': not sent (declined)'}`)
    if (!chosen) continue
    for (const extra of ['title', 'subject', 'link'] as const) if (post[extra]) lines.push(`  ${extra}: ${post[extra]}`)
    for (const [i, part] of post.parts.entries()) {
      lines.push(
        `  ── ${post.parts.length > 1 ? `part ${i + 1}/${post.parts.length} ` : ''}(${part.length}${part.limit ? `/${part.limit}` : ''})${post.edited ? ' edited' : ''}`,
      )
      for (const line of part.text.split('\n')) lines.push(`  │ ${line}`)
    }
  }
  lines.push(
    '',
    `Approved so far: ${view.approvals.length} of ${view.required}${view.approvals.length ? ` (${view.approvals.join(', ')})` : ''}`,
  )
  return lines.join('\n')
}

/**
 * An engineer's edit at the approval prompt, turned into every form of the post.
 *
 * The editor holds the post as a reader sees it: header lines for the forms a channel
 * renders beside the text (`Subject:`, `Title:`, `Link:`), a blank line, then the text,
 * plain (an HTML channel's escaping undone). Read back, the edit becomes the text
 * (escaped for HTML channels), the email's HTML part, and the subject, title and link;
 * then it is measured and the post policy runs on every form.
 */
import type {Facts} from '../../domain/playbook/facts.js'
import type {RenderedPostRecord} from '../incident/events.js'
import type {ChannelConfig, Playbook} from '../../domain/playbook/model.js'
import type {PlatformLimits} from '../render/platform-limits.js'
import type {ConfiguredCredential} from '../policy/configured-credentials.js'
import {enforcePolicy, measurePost, textToHtml, type RenderedPost} from '../render/render-phase.js'
import {escapeHtml} from '../render/template.js'

/** The forms besides the text that an edit may change, with the header that names each in the editor. */
const FIELDS = [
  ['subject', 'Subject'],
  ['title', 'Title'],
  ['link', 'Link'],
] as const
type Field = (typeof FIELDS)[number][0]

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
  '&#x60;': '`',
  '&#x3D;': '=',
}

/** Undoes the escaping Handlebars and Candor apply (`&amp;`, `&lt;`, `&#x27;`, …), in one pass. */
export function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39|#x27|#x60|#x3D);/g, (entity) => ENTITIES[entity])
}

/** The forms this post has besides its text: those its channel renders from a template. */
function fieldsOf(post: RenderedPostRecord): ReadonlyArray<(typeof FIELDS)[number]> {
  return FIELDS.filter(([field]) => post[field] !== undefined)
}

/** The post's text in one piece: a thread's parts joined again, without their "(1/3)" numbers. */
function wholeText(post: RenderedPostRecord): string {
  if (post.parts.length <= 1) return post.parts[0]?.text ?? ''
  return post.parts.map((p) => p.text.replace(/ \(\d+\/\d+\)$/, '')).join(' ')
}

/** What the engineer edits for a post: its header lines (where it has them), a blank line, the plain text. */
export function editableText(post: RenderedPostRecord, channel: ChannelConfig): string {
  const text = wholeText(post)
  const plain = channel.kind.format === 'html' ? unescapeHtml(text) : text
  const headers = fieldsOf(post).map(([field, label]) => `${label}: ${post[field]}`)
  return headers.length > 0 ? `${headers.join('\n')}\n\n${plain}` : plain
}

/**
 * Reads an edit back: leading `Header: value` lines naming forms the post has, then the
 * text. A header line left out keeps that form as it was.
 */
export function parseEdit(
  post: RenderedPostRecord,
  edit: string,
): {text: string; fields: Partial<Record<Field, string>>} {
  const fields: Partial<Record<Field, string>> = {}
  const present = fieldsOf(post)
  const lines = edit.replace(/\r\n?/g, '\n').split('\n')
  let i = 0
  if (present.length > 0) {
    for (; i < lines.length; i++) {
      const m = /^([A-Za-z]+):[ \t]?(.*)$/.exec(lines[i])
      const field = m ? present.find(([, label]) => label.toLowerCase() === m[1].toLowerCase()) : undefined
      if (!m || !field) break
      fields[field[0]] = m[2].trim()
    }
  }
  return {text: lines.slice(i).join('\n').trim(), fields}
}

/**
 * Every form of a post after an edit: the text (HTML-escaped where the channel is HTML),
 * the email's HTML part, the subject, title and link; measured against the channel's
 * limit, with the post policy run on every one of them.
 */
export function reviseFromEdit(
  playbook: Playbook,
  post: RenderedPostRecord,
  edit: string,
  facts: Facts,
  allow?: readonly string[],
  server?: PlatformLimits,
  credentials?: readonly ConfiguredCredential[],
): RenderedPost {
  const channel = playbook.channels.get(post.channel)!
  const {text: plain, fields} = parseEdit(post, edit)
  // An edit is text like any other: an HTML channel (the status site) gets it escaped.
  const text = channel.kind.format === 'html' ? escapeHtml(plain) : plain
  const out: RenderedPost = {
    channel: post.channel,
    type: post.type,
    parts: [],
    warnings: [],
    errors: [],
    violations: [],
  }
  for (const [field] of FIELDS) {
    const value = fields[field] ?? post[field]
    if (value !== undefined) out[field] = value
  }
  if (post.html !== undefined || channel.kind.htmlPart) out.html = textToHtml(escapeHtml(plain))
  const measured = measurePost(channel, text, server)
  const policy = enforcePolicy(
    playbook,
    channel,
    [plain, text, out.html, out.title, out.subject, out.link],
    facts,
    allow,
    {credentials},
  )
  out.parts = measured.parts
  out.warnings = [...measured.warnings, ...policy.warnings]
  out.errors = [...measured.errors, ...policy.errors]
  out.violations = policy.violations
  return out
}

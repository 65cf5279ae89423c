/**
 * Asking a person to approve an update: they see the posts, may choose channels or edit
 * a post, and approve or refuse. What they approve is exactly what goes out: every form
 * of an edited post follows the edit, and a post whose promise ("Next update by 00:40")
 * went stale while they read it is rendered again from the moment of approval and shown
 * to them once more before anything is sent.
 */
import {CandorError, ExitCode} from '../../domain/errors.js'
import type {Facts} from '../../domain/playbook/facts.js'
import type {RenderedPostRecord} from '../incident/events.js'
import type {PlatformLimits} from '../render/platform-limits.js'
import type {Playbook} from '../../domain/playbook/model.js'
import type {ConfiguredCredential} from '../policy/configured-credentials.js'
import {formatTime} from '../../domain/time.js'
import {enforcePolicy, type RenderedPhase, type RenderedPost} from '../render/render-phase.js'
import type {Clock} from './deliver.js'
import {editableText, reviseFromEdit} from './edit.js'

/** What the person approving decides. */
export type ApprovalDecision = {action: 'publish'; channels: string[]; posts: RenderedPostRecord[]} | {action: 'abort'}

export interface ApprovalRequest {
  incident: string
  update: number
  phase: string
  posts: RenderedPostRecord[]
  /** Every channel the phase posts to; `posts` has fewer when `--channel` chose some. */
  phaseChannels: string[]
  /** The channels chosen in an earlier round (all of `posts` when absent). */
  chosen?: string[]
  /** Said before asking: why the posts are shown again. */
  notice?: string
  /** What to open in the editor for a post: `Subject:`/`Title:`/`Link:` lines where it has them, a blank line, the plain text. */
  editText(post: RenderedPostRecord): string
  /** Reads an edit back into every form of the post (text, HTML, subject, title, link), measured and policy-checked. */
  revise(channel: string, text: string): RenderedPost
}

/** Asks a person for approval (interactive prompts in the CLI; scripted in tests). */
export interface Approver {
  approve(request: ApprovalRequest): Promise<ApprovalDecision>
}

export interface ApprovalFlow {
  approver: Approver
  incident: string
  update: number
  playbook: Playbook
  facts: Facts
  allow?: readonly string[]
  /** What each channel's server allows (a Mastodon instance's limits), for measuring an edit. */
  limits?: ReadonlyMap<string, PlatformLimits>
  /** The secrets Candor was given: an edit that contains one is refused like a rendered post. */
  credentials?: readonly ConfiguredCredential[]
  rendered: RenderedPhase
  /** The time `rendered` was rendered at. */
  renderedAt: Date
  clock: Clock
  /** Renders the phase again at `now`, for these channels. */
  render(now: Date, channels: string[]): RenderedPhase
  /** What stops these posts from going out (limits, credentials): checked again after rendering again. */
  preflight(posts: RenderedPost[]): string[]
  /** Shows the rendered posts to the person about to approve them. */
  preview?: (rendered: RenderedPhase) => void
}

export interface Approval {
  /** The phase as last rendered (again, if its promise went stale at the prompt). */
  rendered: RenderedPhase
  renderedAt: Date
  /** The moment the person approved. */
  approvedAt: Date
  /** Every post, as approved (edits included, in every form). */
  posts: RenderedPostRecord[]
  channels: string[]
}

const MINUTE = 60_000

/**
 * Whether the post's promise can't be kept as written at `approvedAt`: the time is past,
 * or less than a minute away (less than half the promised interval, for intervals under
 * two minutes, so a short cadence can still be approved).
 */
export function promiseIsStale(nextUpdateDue: string | undefined, renderedAt: Date, approvedAt: Date): boolean {
  if (!nextUpdateDue) return false
  const due = Date.parse(nextUpdateDue)
  const margin = Math.min(MINUTE, (due - renderedAt.getTime()) / 2)
  return due - approvedAt.getTime() < margin
}

function recordOf(post: RenderedPost): RenderedPostRecord {
  const {warnings: _w, errors: _e, violations: _v, ...record} = post
  return record
}

const sameParts = (a: RenderedPostRecord, b: RenderedPostRecord) =>
  a.parts.length === b.parts.length && a.parts.every((p, i) => p.text === b.parts[i].text)

/**
 * Asks until the person approves posts whose promise still holds, or refuses (an error,
 * exit 4). An edited post goes out in the forms `revise` made of the edit, whatever the
 * approver hands back; an unedited one exactly as rendered.
 */
export async function askApproval(flow: ApprovalFlow): Promise<Approval> {
  let {rendered, renderedAt} = flow
  let notice: string | undefined
  let chosen: string[] | undefined
  for (;;) {
    flow.preview?.(rendered)
    const originals = rendered.posts
    const revisions: RenderedPost[] = []
    const decision = await flow.approver.approve({
      incident: flow.incident,
      update: flow.update,
      phase: rendered.phase,
      posts: originals.map(recordOf),
      phaseChannels:
        flow.playbook.phases.find((p) => p.name === rendered.phase)?.posts.map((p) => p.channel) ??
        originals.map((p) => p.channel),
      ...(chosen && {chosen}),
      ...(notice && {notice}),
      editText: (post) => editableText(post, flow.playbook.channels.get(post.channel)!),
      revise: (channel, text) => {
        const original = originals.find((p) => p.channel === channel)
        if (!original) throw new CandorError(`no ${channel} post to edit in this update`, {code: 'unknown_channel'})
        const revised = reviseFromEdit(
          flow.playbook,
          recordOf(original),
          text,
          flow.facts,
          flow.allow,
          flow.limits?.get(channel),
          flow.credentials,
        )
        revisions.push(revised)
        return revised
      },
    })
    const approvedAt = flow.clock.now()
    if (decision.action === 'abort') {
      throw new CandorError('not published: approval was refused', {
        code: 'aborted',
        exit: ExitCode.NotApproved,
        suggestions: ['Nothing was sent and nothing recorded; run publish again when ready'],
      })
    }

    if (promiseIsStale(rendered.nextUpdateDue, renderedAt, approvedAt)) {
      const promised = formatTime(rendered.nextUpdateDue, 'time')
      const edited = decision.posts.filter((p) => p.edited).map((p) => p.channel)
      rendered = flow.render(
        approvedAt,
        originals.map((p) => p.channel),
      )
      renderedAt = approvedAt
      chosen = decision.channels
      notice =
        `The posts promised the next update by ${promised}, and it is ${formatTime(approvedAt, 'time')} now: rendered again from now` +
        `${rendered.nextUpdateDue ? ` (next update by ${formatTime(rendered.nextUpdateDue, 'time')})` : ''}. Nothing was sent; read them and approve again.` +
        (edited.length > 0
          ? ` Your edit of ${edited.join(', ')} was made to the old text: edit again if you still want it.`
          : '')
      const problems = flow.preflight(rendered.posts)
      if (problems.length > 0)
        throw new CandorError(`nothing was published: ${problems.join('; ')}`, {
          code: 'preflight_failed',
          suggestions: ['Shorten the posts (see `candor preview`), then publish again'],
        })
      continue
    }

    const channels = decision.channels.filter((c) => originals.some((p) => p.channel === c))
    const posts = originals.map((original) => {
      const given = decision.posts.find((p) => p.channel === original.channel)
      if (!given?.edited) return recordOf(original)
      // The forms of an edit are the ones revise() made of it: text, HTML, subject, title, link.
      const revised = [...revisions].reverse().find((r) => r.channel === original.channel && sameParts(r, given))
      if (!revised)
        throw new CandorError(`the edited ${original.channel} post was not read back through revise()`, {
          code: 'internal',
        })
      return {...recordOf(revised), edited: true}
    })
    const invalid = posts.filter(
      (p) => channels.includes(p.channel) && p.parts.some((part) => part.limit !== null && part.length > part.limit),
    )
    if (invalid.length > 0)
      throw new CandorError(`edited posts are over their limit: ${invalid.map((p) => p.channel).join(', ')}`, {
        code: 'preflight_failed',
      })
    const blocked = posts
      .filter((p) => channels.includes(p.channel) && p.edited)
      .flatMap(
        (p) =>
          enforcePolicy(
            flow.playbook,
            flow.playbook.channels.get(p.channel)!,
            [p.parts.map((x) => x.text).join('\n'), p.html, p.title, p.subject, p.link],
            flow.facts,
            flow.allow,
            {credentials: flow.credentials},
          ).errors,
      )
    if (blocked.length > 0)
      throw new CandorError(`edited posts break the post policy: ${blocked.join('; ')}`, {code: 'preflight_failed'})
    return {rendered, renderedAt, approvedAt, posts, channels}
  }
}

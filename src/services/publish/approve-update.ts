import {CandorError, ExitCode} from '../../domain/errors.js'
import type {Facts} from '../../domain/playbook/facts.js'
import type {Playbook} from '../../domain/playbook/model.js'
import type {RenderedPostRecord} from '../incident/events.js'
import type {ConfiguredCredential} from '../policy/configured-credentials.js'
import type {RenderedPhase} from '../render/render-phase.js'
import {askApproval, type Approver} from './approval.js'
import type {Clock} from './deliver.js'
import type {AlreadyCarried} from './duplicates.js'
import type {PlatformLimits} from '../render/platform-limits.js'
import {toRecord} from './update-journal.js'

/** The posts as approved: edits applied, the channels chosen, and when. */
export interface ApprovedPosts {
  /** The posts as last rendered (an edit or a late approval renders them again). */
  rendered: RenderedPhase
  renderedAt: Date
  /** The moment of approval: what the journal records, and what the posts' times count from. */
  approvedAt: Date
  /** Every post as approved, edits included. */
  posts: RenderedPostRecord[]
  /** The channels chosen; the rest are declined. */
  channels: string[]
}

export interface ApprovalContext {
  /** Approve everything without asking (--yes). */
  yes?: boolean
  interactive: boolean
  noPromptReason?: string
  approver?: Approver
  incident: string
  update: number
  playbook: Playbook
  facts: Facts
  allow?: readonly string[]
  limits: Map<string, PlatformLimits>
  credentials: ConfiguredCredential[]
  rendered: RenderedPhase
  now: Date
  clock: Clock
  /** Renders the posts again at `at` (for `only` those channels). */
  render: (at: Date, only?: readonly string[]) => RenderedPhase
  /** What would stop edited posts from going out. */
  preflight: (posts: RenderedPhase['posts']) => string[]
  preview?: (rendered: RenderedPhase, already: AlreadyCarried[]) => void
  already: AlreadyCarried[]
}

/**
 * Has the publisher approve the rendered posts: all of them at once with --yes, else
 * through the approver (a person at a terminal), whose edits and channel choices are
 * applied. Refuses when approval is needed and no one can be asked.
 */
export async function approveRendered(c: ApprovalContext): Promise<ApprovedPosts> {
  if (c.yes)
    return {
      rendered: c.rendered,
      renderedAt: c.now,
      approvedAt: c.now,
      posts: c.rendered.posts.map(toRecord),
      channels: c.rendered.posts.map((p) => p.channel),
    }
  if (!c.interactive || !c.approver) {
    throw new CandorError(`publishing needs approval, and no one can be asked: ${c.noPromptReason ?? 'no terminal'}`, {
      code: 'approval_required',
      exit: ExitCode.NotApproved,
      suggestions: ['Pass --yes to approve in a script, or run it in a terminal; preview first with --dry-run'],
    })
  }
  const preview = c.preview
  const approval = await askApproval({
    approver: c.approver,
    incident: c.incident,
    update: c.update,
    playbook: c.playbook,
    facts: c.facts,
    allow: c.allow,
    limits: c.limits,
    credentials: c.credentials,
    rendered: c.rendered,
    renderedAt: c.now,
    clock: c.clock,
    render: c.render,
    preflight: c.preflight,
    preview: preview ? (r) => preview(r, c.already) : undefined,
  })
  return {
    rendered: approval.rendered,
    renderedAt: approval.renderedAt,
    approvedAt: approval.approvedAt,
    posts: approval.posts,
    channels: approval.channels,
  }
}

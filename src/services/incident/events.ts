/**
 * The incident journal: an append-only list of these events, one JSON object a line.
 * Everything Candor knows about an incident is folded from it (see state.ts); nothing
 * is ever updated in place. Field names are snake_case because the file is read by
 * people and other tools too.
 */

import type {PlaybookImpact} from '../../domain/playbook/model.js'

export interface RemotePost {
  /** The platform's id of the post (tweet id, status id, at:// URI, message ts...). */
  id: string
  url?: string
  /** What else the platform needs to reply to or delete this post (e.g. Bluesky's cid). */
  ref?: Record<string, string>
}

export interface RenderedPartRecord {
  text: string
  length: number
  limit: number | null
}

export interface RenderedPostRecord {
  channel: string
  type: string
  parts: RenderedPartRecord[]
  title?: string
  subject?: string
  link?: string
  html?: string
  /** The approver changed the text in an editor before approving. */
  edited?: boolean
}

/** What a draft would publish, fixed when it is made (or revised). */
export interface DraftContent {
  phase: string
  /** The update number it was rendered with (the next free one is used when it goes out). */
  update: number
  /** The time it was rendered with: re-rendering with it reproduces the posts. */
  rendered_at: string
  next_update_due?: string
  posts: RenderedPostRecord[]
  channels: string[]
  declined: string[]
  /** sha256 of the posts as the templates render them (before any edit): detects changed facts or playbook. */
  source_hash: string
  /** sha256 of exactly what goes out: an approval counts only for this hash. */
  content_hash: string
}

/** Which playbook an incident was opened from. */
export interface PlaybookRecord {
  name: string
  /**
   * Where it was: relative to the project root (the folder holding `.candor/`, or the
   * git root), with `/` separators, so another checkout finds it; absolute when it was
   * outside the project (and in journals written before Candor recorded it relatively).
   */
  file: string
  /** sha256 of the playbook file when the incident opened. */
  sha256?: string
  /** The playbook's `impact:` when the incident opened (the status site draws it). */
  impact?: PlaybookImpact
}

/** Where a rehearsal's channels go: the `candor sandbox` it was opened against. */
export interface RehearsalRecord {
  /** The sandbox's base URL (loopback only), e.g. http://127.0.0.1:4477. */
  sandbox: string
}

interface EventBase {
  /** Position in the journal, 1-based. */
  seq: number
  /** ISO 8601 time the event was written. */
  at: string
  /** Who did it (--as, git user.name, or the OS user). */
  by: string
}

export type JournalEvent = EventBase &
  (
    | {
        type: 'opened'
        incident: string
        playbook: PlaybookRecord
        started_at: string
        facts: Record<string, unknown>
        /** A rehearsal (`incident open --sandbox`): every channel goes to this sandbox, never a platform. */
        rehearsal?: RehearsalRecord
      }
    /** Ended without posting (a duplicate, a false alarm); `by` closed it. */
    | {type: 'closed'; reason: string}
    | {type: 'facts_changed'; changes: Array<{fact: string; from: unknown; to: unknown}>}
    | {type: 'rendered'; update: number; phase: string; next_update_due?: string; posts: RenderedPostRecord[]}
    | {type: 'approved'; update: number; channels: string[]; declined: string[]; draft?: string; approvers?: string[]}
    /** `post_key`: the name the platform keeps the post under (Bluesky's record key), made before the first attempt and reused by every retry. */
    | {
        type: 'delivery_attempt'
        update: number
        channel: string
        part: number
        attempt: number
        reply_to?: string
        post_key?: string
      }
    | {
        type: 'delivery_result'
        update: number
        channel: string
        part: number
        status: 'published' | 'failed'
        remote?: RemotePost
        error?: string
      }
    | {
        type: 'retraction'
        update: number
        channel: string
        part: number
        status: 'deleted' | 'failed' | 'unsupported'
        error?: string
      }
    | {type: 'note'; text: string}
    // Two-person approval (src/services/publish/drafts.ts): posts waiting for approvals.
    | ({
        type: 'draft_created'
        draft: string
        required: number
        expires_at: string
        facts: Record<string, unknown>
        again?: boolean
      } & DraftContent)
    | ({type: 'draft_revised'; draft: string; reason: string} & DraftContent)
    | {type: 'draft_approved'; draft: string; content_hash: string}
    | {type: 'draft_published'; draft: string; update: number}
    | {type: 'draft_expired'; draft: string}
    | {type: 'draft_superseded'; draft: string; superseded_by: string}
    /** Publishing went ahead with policy rules overridden (`--allow RULE`); `by` gave the override. */
    | {
        type: 'policy_override'
        rules: string[]
        update?: number
        hits?: Array<{channel: string; rule: string; match: string}>
      }
  )

export type JournalEventType = JournalEvent['type']

/** What a caller supplies; the store adds seq, time and nothing else. */
export type NewEvent = JournalEvent extends infer E ? (E extends JournalEvent ? Omit<E, 'seq' | 'at'> : never) : never

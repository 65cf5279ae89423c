/**
 * The incident journal: an append-only list of these events, one JSON object a line.
 * Everything Candor knows about an incident is folded from it (see state.ts); nothing
 * is ever updated in place. Field names are snake_case because the file is read by
 * people and other tools too.
 */

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
    | {type: 'opened'; incident: string; playbook: {name: string; file: string}; started_at: string; facts: Record<string, unknown>}
    | {type: 'facts_changed'; changes: Array<{fact: string; from: unknown; to: unknown}>}
    | {type: 'rendered'; update: number; phase: string; next_update_due?: string; posts: RenderedPostRecord[]}
    | {type: 'approved'; update: number; channels: string[]; declined: string[]}
    | {type: 'delivery_attempt'; update: number; channel: string; part: number; attempt: number; reply_to?: string}
    | {type: 'delivery_result'; update: number; channel: string; part: number; status: 'published' | 'failed'; remote?: RemotePost; error?: string}
    | {type: 'retraction'; update: number; channel: string; part: number; status: 'deleted' | 'failed' | 'unsupported'; error?: string}
    | {type: 'note'; text: string}
  )

export type JournalEventType = JournalEvent['type']

/** What a caller supplies; the store adds seq, time and nothing else. */
export type NewEvent = JournalEvent extends infer E ? (E extends JournalEvent ? Omit<E, 'seq' | 'at'> : never) : never

import type {DeliveryOutcome} from './deliver.js'
import type {AlreadyCarried} from './duplicates.js'

/** On --dry-run: what would be sent to one channel, and where. */
export interface PlannedDelivery {
  channel: string
  type: string
  target: string
  parts: Array<{text: string; length: number; limit: number | null; reply_to: string | null}>
  credentials: {ok: boolean; missing: string[]}
}

export interface PublishResult {
  incident: string
  phase: string
  /** The update recorded; null when nothing was, because every channel already had it. */
  update: number | null
  /** Skipped channels (declined, or already carrying this update: see `already`) are listed as `skipped`. */
  deliveries: DeliveryOutcome[]
  /** Channels skipped because their latest update already is this one (same phase and facts). */
  already?: AlreadyCarried[]
  /** Set on --dry-run: what would be sent, and where. */
  plan?: PlannedDelivery[]
  /** Set when more approvals are needed: a draft was recorded and nothing was sent. */
  pending?: PendingApproval
  warnings: string[]
}

/** A draft waiting for approvals (`publish` and `approve` when people are still missing). */
export interface PendingApproval {
  draft: string
  status: 'pending-approval' | 'approved'
  /** Who approved the draft's current content, in order. */
  approvals: string[]
  required: number
  expires_at: string
}

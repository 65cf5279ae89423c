/**
 * What a playbook communicates: an unplanned `incident` (the default), or planned
 * `maintenance`, which platforms with a notion of it (Statuspage's scheduled incidents)
 * publish as such. In a file of its own, below both the playbook model and the channel
 * kinds: channels map it (statuspage-status.ts), and the model holds channels.
 */
export type PlaybookKind = 'incident' | 'maintenance'
export const PLAYBOOK_KINDS: readonly PlaybookKind[] = ['incident', 'maintenance']

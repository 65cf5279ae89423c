import {CandorError} from '../../domain/errors.js'
import type {JournalEvent, NewEvent} from './events.js'
import type {LockOwner} from './lock-owner.js'

export interface JournalRead {
  events: JournalEvent[]
  /** Damaged lines that were skipped (a torn write after a crash), said plainly. */
  warnings: string[]
}

/**
 * Where incident journals live. The file store is the default; a shared PostgreSQL
 * store (team mode) implements the same interface.
 */
export interface IncidentStore {
  /** Human description of where the state is, for messages. */
  readonly location: string
  /** Ids of every incident, oldest first. */
  list(): Promise<string[]>
  exists(id: string): Promise<boolean>
  /** Starts a new journal with its first event; fails if the id is taken. */
  create(id: string, first: NewEvent, now?: Date): Promise<JournalEvent>
  /** Appends one event durably (written and synced before it returns). */
  append(id: string, event: NewEvent, now?: Date): Promise<JournalEvent>
  read(id: string): Promise<JournalRead>
  /** Serialises commands that change one incident; resolves once this process holds it. */
  lock(id: string, opts: LockOptions): Promise<IncidentLock>

  // What only some stores can do: callers check the member, never the class.
  /** The local state directory, for a store kept in one (the file store); playbook paths are recorded relative to its project. */
  readonly stateDir?: string
  /**
   * `list`, fetching every journal in the same go (one round trip for a database): the reads
   * that follow are served from what it fetched, once each.
   */
  prefetchAll?(): Promise<string[]>
  /** Appends several events as one all-or-nothing write (PostgreSQL's transaction). */
  appendMany?(id: string, events: NewEvent[], now?: Date): Promise<JournalEvent[]>
  /** Writes events exactly as they are (own seq and time) after the first `after`: `candor store copy`. */
  importEvents?(id: string, events: JournalEvent[], after: number): Promise<void>
  /** Closes the store's connections (commands need not: idle ones let the process exit). */
  close?(): Promise<void>
  /** Brings a database's schema up to date (`candor store migrate`); a store without a schema leaves it out. */
  migrate?(): Promise<SchemaMigration>
}

/** What a schema migration did: the version before and after, and each step applied. */
export interface SchemaMigration {
  from: number
  to: number
  applied: Array<{version: number; description: string}>
}

export interface LockOptions {
  /** Give up after this long; 0 fails at once when the incident is busy. */
  timeoutMs: number
  /** Called once when we start waiting, with who holds the lock. */
  onWait?: (owner: LockOwner | undefined) => void
  command: string
  by: string
  pollMs?: number
}

export interface IncidentLock {
  /** Lets go of the lock; resolves once it is gone (always awaited). */
  release(): Promise<void>
  /**
   * Fails when the lock was lost meanwhile: a lock that lives on a database connection
   * may be. Locks that cannot be lost (a lock file) leave it out.
   */
  ensureHeld?(): Promise<void>
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Whether `id` can name an incident (and so a journal file): no path separators, no `..`. */
export function isIncidentId(id: string): boolean {
  return ID.test(id) && !id.includes('..')
}

/** Whether an error is a damaged journal: commands that read every incident skip it, with a warning. */
export function isDamagedJournal(error: unknown): error is CandorError {
  return error instanceof CandorError && error.code === 'journal_damaged'
}

export function checkIncidentId(id: string): void {
  if (!isIncidentId(id)) {
    throw new CandorError(`"${id}" is not a valid incident id`, {
      code: 'bad_incident_id',
      suggestions: ['Use letters, digits, dot, dash and underscore, e.g. 2026-11-25-acme-voice'],
    })
  }
}

/** Parses journal text; a line that is not valid JSON is reported and skipped, never fatal. */
export function parseJournal(text: string, label: string): JournalRead {
  const events: JournalEvent[] = []
  const warnings: string[] = []
  const lines = text.split('\n')
  const last = lines.length - 1
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '' || !/\S/.test(line)) continue // (no trim: no copy of every line)
    try {
      const event = JSON.parse(line) as JournalEvent
      if (typeof event !== 'object' || event === null || typeof event.type !== 'string') throw new Error('not an event')
      events.push(event)
    } catch {
      warnings.push(
        i === last
          ? `${label}: the last line is incomplete (a crash while writing?) and was ignored`
          : `${label}: line ${i + 1} is damaged and was ignored`,
      )
    }
  }
  return {events, warnings}
}

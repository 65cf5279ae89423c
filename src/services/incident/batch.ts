import type {JournalEvent, NewEvent} from './events.js'
import type {IncidentLock, IncidentStore} from './store.js'

/** A store that can append several events as one all-or-nothing write. */
export interface BatchAppendStore extends IncidentStore {
  appendMany(id: string, events: NewEvent[], now?: Date): Promise<JournalEvent[]>
}

function isBatchStore(store: IncidentStore): store is BatchAppendStore {
  return typeof (store as Partial<BatchAppendStore>).appendMany === 'function'
}

/**
 * Appends events together: in one transaction where the store has them (PostgreSQL),
 * so a publish never half-records; one after another in the file store, where each
 * line is synced before the next.
 */
export async function appendEvents(store: IncidentStore, id: string, events: NewEvent[], now?: Date): Promise<JournalEvent[]> {
  if (events.length === 0) return []
  if (isBatchStore(store)) return store.appendMany(id, events, now)
  const out: JournalEvent[] = []
  for (const e of events) out.push(await store.append(id, e, now))
  return out
}

/** A lock that can tell whether it is still held (one lost with its database connection may not be). */
export interface VerifiableLock extends IncidentLock {
  ensureHeld(): Promise<void>
}

/** Before anything irreversible: fails if the incident's lock was lost (a no-op for file locks). */
export async function ensureLockHeld(lock: IncidentLock): Promise<void> {
  const l = lock as Partial<VerifiableLock>
  if (typeof l.ensureHeld === 'function') await l.ensureHeld()
}

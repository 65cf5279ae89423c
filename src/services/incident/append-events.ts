import type {JournalEvent, NewEvent} from './events.js'
import type {IncidentStore} from './store.js'

/**
 * Appends events together: in one transaction where the store can (PostgreSQL's
 * `appendMany`), so a publish never half-records; one after another otherwise (the file
 * store, where each line is synced before the next).
 */
export async function appendEvents(
  store: IncidentStore,
  id: string,
  events: NewEvent[],
  now?: Date,
): Promise<JournalEvent[]> {
  if (events.length === 0) return []
  if (store.appendMany) return store.appendMany(id, events, now)
  const out: JournalEvent[] = []
  for (const e of events) out.push(await store.append(id, e, now))
  return out
}

import type {IncidentLock} from './store.js'
import type {LockOwner} from './lock-owner.js'
import type {IncidentStore} from './store.js'

/** Who takes an incident's lock, and how long they wait for it. */
export interface LockHolder {
  store: IncidentStore
  actor: string
  /** How long to wait for another command working on the same incident (default 60 s). */
  lockTimeoutMs?: number
  onLockWait?: (owner: LockOwner | undefined) => void
}

const DEFAULT_LOCK_TIMEOUT_MS = 60_000

/**
 * Runs `fn` holding the lock named `id` (an incident's), so two commands never change
 * one incident at once; the lock is released, and the release awaited, however `fn` ends.
 */
export async function withLock<T>(
  holder: LockHolder,
  id: string,
  command: string,
  fn: (lock: IncidentLock) => Promise<T>,
): Promise<T> {
  const lock = await holder.store.lock(id, {
    timeoutMs: holder.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    onWait: holder.onLockWait,
    command,
    by: holder.actor,
  })
  try {
    return await fn(lock)
  } finally {
    await lock.release()
  }
}

import {closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {CandorError} from '../../domain/errors.js'
import {describeOwner, type LockOwner} from '../../services/incident/lock-owner.js'
import type {IncidentLock, LockOptions} from '../../services/incident/store.js'
import {makeFolder} from '../fs/make-folder.js'
import {requirePrivate} from '../fs/private-path.js'

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner
  } catch {
    return undefined
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A lock is stale when its owner was on this machine and that process is gone. */
function isStale(owner: LockOwner | undefined, file: string): boolean {
  if (!owner) {
    // Unreadable: a crash between create and write. Stale once it is a few seconds old.
    try {
      return Date.now() - statSync(file).mtimeMs > 5000
    } catch {
      return false
    }
  }
  return owner.host === os.hostname() && !processAlive(owner.pid)
}

function tryCreate(file: string, owner: LockOwner): boolean {
  try {
    const fd = openSync(file, 'wx', 0o600)
    try {
      writeSync(fd, JSON.stringify(owner))
    } catch (error) {
      // A full disk: leave no empty lock behind for the next command to wait out.
      closeSync(fd)
      unlinkSync(file)
      throw error
    }
    closeSync(fd)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

/**
 * Takes over a stale lock. A second, short-lived lock guards the takeover, so two
 * processes that both find the lock stale cannot both take it.
 */
function takeOverStale(file: string, seen: LockOwner | undefined, owner: LockOwner): boolean {
  const guard = `${file}.takeover`
  if (!tryCreate(guard, owner)) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > 10_000) unlinkSync(guard)
    } catch {
      // someone else removed it
    }
    return false
  }
  try {
    const now = readOwner(file)
    if (JSON.stringify(now) !== JSON.stringify(seen) || !isStale(now, file)) return false
    unlinkSync(file)
    return tryCreate(file, owner)
  } finally {
    try {
      unlinkSync(guard)
    } catch {
      // already gone
    }
  }
}

/**
 * Serialises commands that change one incident (two terminals, two runbook steps):
 * an exclusive lock file beside the journal. The second command waits, visibly, up to
 * `timeoutMs`; a lock left by a dead process on this machine is taken over.
 */
export async function acquireFileLock(dir: string, id: string, opts: LockOptions): Promise<IncidentLock> {
  makeFolder(dir, 0o700)
  const file = path.join(dir, `${id}.lock`)
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    command: opts.command,
    by: opts.by,
  }
  const deadline = Date.now() + opts.timeoutMs
  let announced = false
  for (;;) {
    if (tryCreate(file, owner)) break
    // A lock file others can write could name anyone: refuse it rather than believe it.
    requirePrivate(file, `lock of incident ${id}`)
    const holder = readOwner(file)
    if (isStale(holder, file) && takeOverStale(file, holder, owner)) break
    if (Date.now() >= deadline) {
      throw new CandorError(`incident ${id} is busy: ${describeOwner(holder)}`, {
        code: 'incident_locked',
        suggestions: [
          'Wait for that command to finish, or raise --lock-timeout',
          `If no such command is running, remove ${file}`,
        ],
      })
    }
    if (!announced) {
      announced = true
      opts.onWait?.(holder)
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200))
  }
  let released = false
  const letGo = () => {
    if (released) return
    released = true
    process.removeListener('exit', letGo)
    try {
      if (readOwner(file)?.pid === process.pid) unlinkSync(file)
    } catch {
      // gone already
    }
  }
  process.once('exit', letGo)
  return {release: async () => letGo()}
}

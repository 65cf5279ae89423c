import {randomBytes} from 'node:crypto'
import {closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs'
import path from 'node:path'

export interface AtomicWriteOptions {
  /** The new file's mode (before the umask); default 0o644. */
  mode?: number
  /** fsync the content before the rename, so a crash cannot leave an empty file in its place (default true). */
  durable?: boolean
}

/**
 * Writes `content` to `file` so that a reader sees the old content or the new, never
 * part of it: into a temporary file beside it (same folder, so the rename stays on one
 * file system), then renamed over it. A failed write leaves no temporary file behind.
 * The folder must exist. Temporary names end in `.tmp`: a folder's cleaner may remove old ones.
 */
export function writeFileAtomic(file: string, content: string, opts: AtomicWriteOptions = {}): void {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  )
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o644)
  try {
    try {
      writeSync(fd, content)
      if (opts.durable ?? true) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } catch (error) {
    try {
      unlinkSync(tmp)
    } catch {
      // already gone
    }
    throw error
  }
}

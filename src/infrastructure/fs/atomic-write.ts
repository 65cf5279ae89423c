import {randomBytes} from 'node:crypto'
import {closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs'
import fs from 'node:fs/promises'
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

/** Makes a rename or link durable: fsync the folder (not possible everywhere; best effort). */
export async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Some platforms cannot open a folder for syncing.
  }
}

/** Writes a synced temp file beside `target` and returns its path. */
async function writeTemp(target: string, content: string): Promise<string> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await fs.open(tmp, 'wx')
  try {
    await handle.writeFile(content, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  return tmp
}

/**
 * Creates `target` only if it does not exist, complete or not at all: a hard link of a
 * synced temp file fails with EEXIST instead of replacing. Returns false if it exists.
 * Where hard links are not supported, falls back to an exclusive open.
 */
export async function createFileExclusive(target: string, content: string): Promise<boolean> {
  const tmp = await writeTemp(target, content)
  try {
    await fs.link(tmp, target)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error
    try {
      await fs.writeFile(target, content, {flag: 'wx'})
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw fallback
    }
  } finally {
    await fs.rm(tmp, {force: true})
  }
  await syncFolder(path.dirname(target))
  return true
}

/** Replaces `target` atomically: readers see the old file or the new one, never half. */
export async function replaceFileAtomic(target: string, content: string): Promise<void> {
  const tmp = await writeTemp(target, content)
  try {
    await fs.rename(tmp, target)
  } catch (error) {
    await fs.rm(tmp, {force: true})
    throw error
  }
  await syncFolder(path.dirname(target))
}

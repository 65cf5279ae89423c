import {existsSync, mkdirSync} from 'node:fs'
import path from 'node:path'

/**
 * `mkdir -p`: creates `dir` and any missing parents, each with `mode`, one level at a
 * time. Node 20's own `mkdirSync(dir, {recursive: true})` never returns on file systems
 * that answer ENOENT for a folder whose parent exists (procfs, sysfs: say
 * `--state-dir /proc/x`); one level at a time, that is an error like any other.
 */
export function makeFolder(dir: string, mode?: number): void {
  const missing: string[] = []
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.unshift(d)
    if (path.dirname(d) === d) break
  }
  for (const d of missing) {
    try {
      mkdirSync(d, mode === undefined ? undefined : {mode})
    } catch (error) {
      // Made by someone else in the meantime: fine, as with `mkdir -p`.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}

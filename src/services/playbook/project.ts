import {existsSync, statSync} from 'node:fs'
import path from 'node:path'

/** The state directory's name inside a project. */
export const STATE_DIR_NAME = '.candor'

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** `from` and each folder above it, nearest first. */
export function* upwards(from: string): Generator<string> {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    yield dir
    if (path.dirname(dir) === dir) return
  }
}

/**
 * The project a folder belongs to: the nearest folder, from `from` upwards, that holds
 * `.candor/` or is a git root (`.git`, a folder or a worktree's file); undefined when none.
 */
export function findProjectRoot(from: string = process.cwd()): string | undefined {
  for (const dir of upwards(from)) {
    if (isFolder(path.join(dir, STATE_DIR_NAME)) || existsSync(path.join(dir, '.git'))) return dir
  }
  return undefined
}

/**
 * The project of a playbook file: its project root, else (no `.candor/`, no git) the
 * folder above `playbooks/` when the playbook sits in one (`candor init`'s layout), else
 * the playbook's own folder.
 */
export function playbookProject(file: string): string {
  const folder = path.dirname(path.resolve(file))
  return findProjectRoot(folder) ?? (path.basename(folder) === 'playbooks' ? path.dirname(folder) : folder)
}

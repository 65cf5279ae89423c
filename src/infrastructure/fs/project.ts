import {statSync} from 'node:fs'
import path from 'node:path'
import {STATE_DIR_NAME, upwards} from '../../services/playbook/project.js'

/** A folder of this user's (where users exist): another user's `.candor/` above us is not ours to use. */
function isOwnFolder(p: string): boolean {
  try {
    const st = statSync(p)
    return st.isDirectory() && (typeof process.getuid !== 'function' || st.uid === process.getuid())
  } catch {
    return false
  }
}

/**
 * The state directory found the way git finds `.git`: `.candor/` in `from` or the
 * nearest folder above it; undefined when there is none. Like git's "dubious ownership"
 * check, a `.candor/` another user owns (in /tmp, say) is passed over. (The project and
 * playbook paths it shares with services live in services/playbook/project.ts.)
 */
export function findStateDir(from: string = process.cwd()): string | undefined {
  for (const dir of upwards(from)) {
    const candidate = path.join(dir, STATE_DIR_NAME)
    if (isOwnFolder(candidate)) return candidate
  }
  return undefined
}

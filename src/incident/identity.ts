import {execFileSync} from 'node:child_process'
import os from 'node:os'

/** Who is acting: --as, else CANDOR_USER, else `git config user.name`, else the OS user. */
export function resolveActor(as?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (as && as.trim()) return as.trim()
  if (env.CANDOR_USER && env.CANDOR_USER.trim()) return env.CANDOR_USER.trim()
  try {
    const name = execFileSync('git', ['config', 'user.name'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000}).trim()
    if (name) return name
  } catch {
    // no git, or no user.name: fall through
  }
  try {
    return os.userInfo().username
  } catch {
    return 'unknown'
  }
}

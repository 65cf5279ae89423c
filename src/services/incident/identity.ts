import {execFileSync} from 'node:child_process'
import os from 'node:os'

/** Who is acting, and where that name came from (shown when someone approves: "approving as Dana (from git config)"). */
export interface Actor {
  name: string
  source: '--as' | '$CANDOR_USER' | 'git config' | 'the OS user'
}

/** Who is acting: --as, else CANDOR_USER, else `git config user.name`, else the OS user. */
export function whoIsActing(as?: string, env: NodeJS.ProcessEnv = process.env): Actor {
  if (as?.trim()) return {name: as.trim(), source: '--as'}
  if (env.CANDOR_USER?.trim()) return {name: env.CANDOR_USER.trim(), source: '$CANDOR_USER'}
  try {
    const name = execFileSync('git', ['config', 'user.name'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    }).trim()
    if (name) return {name, source: 'git config'}
  } catch {
    // no git, or no user.name: fall through
  }
  try {
    return {name: os.userInfo().username, source: 'the OS user'}
  } catch {
    return {name: 'unknown', source: 'the OS user'}
  }
}

/** Who is acting: --as, else CANDOR_USER, else `git config user.name`, else the OS user. */
export function resolveActor(as?: string, env: NodeJS.ProcessEnv = process.env): string {
  return whoIsActing(as, env).name
}

/** "Dana (from git config)": who an approval will be recorded as. */
export function describeActor(actor: Actor): string {
  return `${actor.name} (${actor.source === 'the OS user' ? 'the OS user' : `from ${actor.source}`})`
}

import {statSync, type Stats} from 'node:fs'
import {CandorError} from '../../domain/errors.js'

/**
 * Whether a file or folder is safe to trust: owned by the user running Candor and
 * writable by nobody else. What others can write, they can forge (a journal's approved
 * posts, compiled templates), so Candor never acts on it. Returns what is wrong, or
 * undefined when it is private.
 */
export function privacyProblem(
  st: Pick<Stats, 'uid' | 'mode'>,
): {kind: 'owner'; uid: number} | {kind: 'mode'; mode: number} | undefined {
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return {kind: 'owner', uid: st.uid}
  if ((st.mode & 0o022) !== 0) return {kind: 'mode', mode: st.mode & 0o777}
  return undefined
}

/**
 * Refuses a state path (directory, journal, lock) that another user owns or could
 * write, naming it, its mode and the command that fixes it. A path that does not exist
 * is fine (Candor creates it owner-only). `what` names it for people, e.g. "journal".
 */
export function requirePrivate(file: string, what: string): void {
  let st: Stats
  try {
    st = statSync(file)
  } catch {
    return
  }
  const problem = privacyProblem(st)
  if (!problem) return
  const fix = st.isDirectory() ? 'chmod 700' : 'chmod 600'
  if (problem.kind === 'mode') {
    const who = [problem.mode & 0o020 ? 'group' : '', problem.mode & 0o002 ? 'others' : '']
      .filter(Boolean)
      .join(' and ')
    throw new CandorError(
      `refusing the ${what} ${file}: it is writable by ${who} (mode ${problem.mode.toString(8).padStart(3, '0')}), so anyone could have changed it`,
      {
        code: 'state_not_private',
        suggestions: [`If its contents are yours, run: ${fix} '${file}'`],
      },
    )
  }
  throw new CandorError(
    `refusing the ${what} ${file}: it belongs to another user (uid ${problem.uid}), who could have changed it`,
    {
      code: 'state_not_private',
      suggestions: [
        `Use a state directory of your own (--state-dir or CANDOR_STATE_DIR), or have it handed over: chown $(id -u) '${file}' && ${fix} '${file}'`,
      ],
    },
  )
}

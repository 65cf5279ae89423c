import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {parseEnv} from 'node:util'

/**
 * The variables Candor's settings come from: every `CANDOR_*` (CANDOR_USER, CANDOR_STORE,
 * CANDOR_STATE_DIR, CANDOR_TRUSTED_HOSTS, channel credentials, ...) and the rest of the
 * process environment. Commands hand it to what they call; nothing else reads `.env`.
 */
export type Environment = Readonly<Record<string, string | undefined>>

/** `.env` in `cwd`, parsed by Node's own parser (quotes, `# comments`, multi-line values); {} when there is none. */
export function readDotEnv(cwd: string = process.cwd()): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path.join(cwd, '.env'), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
  const parsed = parseEnv(text) as Record<string, string>
  // Node 20's parser reads a line without `=` as the start of the next line's name
  // ("note\nCANDOR_X_APP_KEY"): skip that line, as dotenv does, instead of losing the variable.
  for (const name of Object.keys(parsed)) {
    if (!name.includes('\n')) continue
    const own = name.slice(name.lastIndexOf('\n') + 1).trim()
    if (own && !(own in parsed)) parsed[own] = parsed[name]
    delete parsed[name]
  }
  return parsed
}

/** `.env` in `cwd` under the real environment, which wins: a variable set in the shell overrides the file. */
export function loadEnvironment(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Environment {
  return {...readDotEnv(cwd), ...env}
}

let loaded: Environment | undefined

/**
 * This process's environment, read once: the output redaction installed before oclif starts
 * and the command after it share one reading of `.env`.
 */
export function processEnvironment(): Environment {
  return (loaded ??= loadEnvironment())
}

/** A .env others can read leaks every secret in it: say so. */
export function envFileWarning(cwd: string = process.cwd()): string | undefined {
  const file = path.join(cwd, '.env')
  try {
    const mode = statSync(file).mode
    if (mode & 0o077) return `.env is readable by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 .env`
  } catch {
    // no .env
  }
  return undefined
}

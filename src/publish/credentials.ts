import {existsSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import type {ChannelConfig} from '../playbook/model.js'

/** `CANDOR_<CHANNEL>_` with the channel name upper-cased and every non-alphanumeric as `_`. */
export function envPrefix(channelName: string): string {
  return `CANDOR_${channelName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`
}

/** Parses a .env file: KEY=VALUE lines, `export` allowed, # comments, single or double quotes. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (!m) continue
    let value = m[2]
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      const quoted = value.slice(1, -1)
      value = value.startsWith('"') ? quoted.replace(/\\n/g, '\n').replace(/\\"/g, '"') : quoted
    } else {
      value = value.replace(/\s+#.*$/, '')
    }
    out[m[1]] = value
  }
  return out
}

/**
 * The environment Candor reads secrets from: `.env` in the current directory (if any)
 * under the real environment, which wins.
 */
export function loadEnvironment(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const file = path.join(cwd, '.env')
  const fromFile = existsSync(file) ? parseDotEnv(readFileSync(file, 'utf8')) : {}
  return {...fromFile, ...env}
}

export interface CredentialCheck {
  channel: string
  ok: boolean
  /** The complete set found (field → value), when ok. */
  values: Record<string, string>
  /** Full variable names missing from the closest set, when not ok. */
  missing: string[]
  /** Present, but unusable (e.g. a signing secret too short), with how to fix it. */
  problem?: string
}

/** Finds a channel's credentials; when absent, names exactly which variables to set. */
export function checkCredentials(channel: ChannelConfig, env: Record<string, string | undefined>): CredentialCheck {
  const prefix = envPrefix(channel.name)
  const sets = channel.kind.credentials(channel.options)
  if (sets.length === 0) return {channel: channel.name, ok: true, values: {}, missing: []}
  let best: string[] | undefined
  for (const set of sets) {
    const missing = set.filter((field) => !env[prefix + field])
    if (missing.length === 0) {
      const values = Object.fromEntries(set.map((f) => [f, env[prefix + f]!]))
      const problem = channel.kind.credentialProblem?.(values, prefix)
      return {channel: channel.name, ok: problem === undefined, values, missing: [], ...(problem && {problem})}
    }
    if (!best || missing.length < best.length) best = missing
  }
  return {channel: channel.name, ok: false, values: {}, missing: best!.map((f) => prefix + f)}
}

/** Every value of a CANDOR_* variable that names a secret, for redaction. */
export function secretValues(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => k.startsWith('CANDOR_') && v && v.length >= 4 && /(KEY|SECRET|TOKEN|PASSWORD|URL|IDENTIFIER)$/.test(k) && !/^CANDOR_(STATE_DIR|USER)$/.test(k))
    .map(([, v]) => v!)
}

/** A .env others can read leaks every secret in it: say so. */
export function envFileWarning(cwd = process.cwd()): string | undefined {
  const file = path.join(cwd, '.env')
  try {
    const mode = statSync(file).mode
    if (mode & 0o077) return `.env is readable by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 .env`
  } catch {
    // no .env
  }
  return undefined
}

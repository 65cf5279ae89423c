import {CHANNEL_KINDS} from '../../channels/registry.js'
import {envPrefix} from '../../channels/env-prefix.js'
import type {ChannelConfig} from '../../domain/playbook/model.js'

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

/**
 * Each credential field any channel kind declares (`credentialFields`), and
 * whether it is secret. A field one kind calls secret is secret everywhere (a variable's
 * name does not say its channel's type).
 */
const FIELDS: ReadonlyArray<[field: string, secret: boolean]> = (() => {
  const fields = new Map<string, boolean>()
  for (const {credentialFields: declared} of Object.values(CHANNEL_KINDS)) {
    for (const [field, what] of Object.entries(declared))
      fields.set(field, fields.get(field) === true || what === 'secret')
  }
  // Longest first: CANDOR_X_APP_SECRET is the field APP_SECRET, not SECRET.
  return [...fields].sort(([a], [b]) => b.length - a.length)
})()

/**
 * Whether a variable holds a secret: a `CANDOR_<CHANNEL>_<FIELD>` whose field a channel kind
 * declares secret. A public identifier (`CANDOR_<CHANNEL>_IDENTIFIER`, a Bluesky handle) is
 * not; a CANDOR_* variable no kind declares counts as secret when its name says so.
 */
export function isSecretVariable(name: string): boolean {
  if (!name.startsWith('CANDOR_')) return false
  const declared = FIELDS.find(([field]) => name.endsWith(`_${field}`))
  if (declared) return declared[1]
  return /(KEY|SECRET|TOKEN|PASSWORD|URL)$/.test(name)
}

/** Every value of a CANDOR_* variable that holds a secret, for masking in diagnostics. */
export function secretValues(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v && v.length >= 4 && isSecretVariable(k))
    .map(([, v]) => v!)
}

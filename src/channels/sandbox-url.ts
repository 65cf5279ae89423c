import type {SandboxTarget} from './kind.js'

/**
 * Where `candor sandbox` serves a channel's imitation of its platform: `<url>/<type>/<channel>`
 * (docs/sandbox.md). The channel's name in the path is how the sandbox files each post under
 * the playbook's channel.
 */
export function sandboxBase(target: SandboxTarget, type: string): string {
  return `${sandboxOrigin(target)}/${type}/${encodeURIComponent(target.channel)}`
}

/** The sandbox's URL without a trailing slash. */
export function sandboxOrigin(target: SandboxTarget): string {
  return target.url.replace(/\/+$/, '')
}

/** A placeholder secret of `length` characters that the sandbox accepts and no platform issues. */
export function placeholderSecret(label: string, length: number): string {
  return `sandbox${label}`.padEnd(length, '0').slice(0, length)
}

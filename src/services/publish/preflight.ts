import {CandorError} from '../../domain/errors.js'
import type {RenderedPostRecord} from '../incident/events.js'
import type {Playbook} from '../../domain/playbook/model.js'
import type {RenderedPost} from '../render/render-phase.js'
import {configuredCredentials} from '../policy/configured-credentials.js'
import {findCredentials} from '../policy/rules.js'
import {checkCredentials} from './credentials.js'
import {endpointProblem} from './endpoint-trust.js'

/** Preflight: every post within limits and every channel's credentials present, or nothing goes out. */
export function preflight(
  playbook: Playbook,
  posts: RenderedPost[],
  env: Record<string, string | undefined>,
): {problems: string[]; missing: string[]; untrusted: string[]} {
  const problems = posts.flatMap((p) => p.errors)
  // Where each channel's credentials would go: refused before any connection when the environment does not trust it.
  const untrusted = posts.flatMap((p) => endpointProblem(playbook.channels.get(p.channel)!, env) ?? [])
  problems.push(...untrusted)
  const checks = posts.map((p) => checkCredentials(playbook.channels.get(p.channel)!, env))
  const missing = checks.flatMap((c) => c.missing)
  if (missing.length > 0) problems.push(`missing credentials: set ${missing.join(', ')} (in the environment or .env)`)
  for (const c of checks) if (c.problem) problems.push(`${c.channel}: ${c.problem}`)
  return {problems, missing, untrusted}
}

/** Refuses to publish when the preflight found problems: nothing goes out, and the error says what to do. */
export function refuseFailedPreflight(check: ReturnType<typeof preflight>): void {
  if (check.problems.length === 0) return
  throw new CandorError(`nothing was published: ${check.problems.join('; ')}`, {
    code:
      check.untrusted.length > 0
        ? 'endpoint_untrusted'
        : check.missing.length > 0
          ? 'credentials_missing'
          : 'preflight_failed',
    suggestions: [
      check.untrusted.length > 0
        ? 'Trust the endpoint where the credentials are set (CANDOR_<CHANNEL>_API_URL, or CANDOR_TRUSTED_HOSTS), fix the playbook, or leave those channels out with --channel'
        : check.missing.length > 0
          ? 'Set the variables, or leave those channels out with --channel'
          : 'Shorten the posts (see `candor preview`), then publish again',
    ],
  })
}

/**
 * The last check before anything is journaled or sent, whoever approved the posts (an
 * edit, a draft's approvers): no form of a post (text, title, subject, link, HTML) may
 * contain a credential Candor was given. No --allow overrides it.
 */
export function refuseCredentials(posts: readonly RenderedPostRecord[], env: Record<string, string | undefined>): void {
  const given = configuredCredentials(env)
  if (given.length === 0) return
  const hits = posts.flatMap((p) =>
    [...p.parts.map((x) => x.text), p.title, p.subject, p.link, p.html]
      .flatMap((text) => (text ? findCredentials(text, given) : []))
      .map((v) => `${p.channel}: ${v.message}`),
  )
  if (hits.length > 0) {
    throw new CandorError(`nothing was published: ${[...new Set(hits)].join('; ')}`, {
      code: 'credential_in_post',
      suggestions: [
        'Remove the credential from the facts (`--set`) or the template; this policy rule cannot be overridden with --allow',
      ],
    })
  }
}

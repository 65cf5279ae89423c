import {cachedLimits} from '../render/platform-limits.js'
import {mergeFacts, parseSetFlags, resolveFacts, type Facts} from '../../domain/playbook/facts.js'
import {loadFactsFile} from '../playbook/facts-file.js'
import type {Playbook} from '../../domain/playbook/model.js'
import {requirePlaybook} from '../playbook/resolve.js'
import {configuredCredentials} from '../policy/configured-credentials.js'
import {endpointTarget} from './endpoint-trust.js'
import {findPhase, renderPhase, type RenderedPhase} from '../render/render-phase.js'

export interface FactInput {
  factsFile?: string
  sets?: readonly string[]
}

/** Facts from a file and `--set` flags, flags winning, not yet checked against a playbook. */
export function readFactInput(input: FactInput): Facts {
  return mergeFacts(input.factsFile ? loadFactsFile(input.factsFile) : {}, parseSetFlags(input.sets ?? []))
}

export interface PreviewRequest extends FactInput {
  playbook: string
  /** Left out (no --phase): an error listing the playbook's phases. */
  phase?: string
  channels?: readonly string[]
  now?: Date
  /** Policy rules to override for this run (`--allow RULE`). */
  allow?: readonly string[]
  /** Where credentials are read from (the environment and .env): a post must not contain one. */
  env: Record<string, string | undefined>
}

export interface PreviewResult extends RenderedPhase {
  /** Any post has an error (over a hard limit, empty, a policy hit): it could not be published as is. */
  blocked: boolean
  /** Per channel, the origin its requests would go to (null: none, or not set yet). */
  targets: Record<string, string | null>
}

/** The dry run: renders one phase with the given facts. Never touches the network. */
export function previewPhase(req: PreviewRequest): PreviewResult {
  const playbook: Playbook = requirePlaybook(req.playbook, {templatesOf: req.phase === undefined ? [] : [req.phase]})
  const phase = findPhase(playbook, req.phase).name
  const facts = resolveFacts(playbook, readFactInput(req))
  const env = req.env
  // The limits publish last read from each channel's server (never asked from here).
  const limits = cachedLimits(playbook, [...playbook.channels.keys()], env)
  const rendered = renderPhase(playbook, phase, facts, {
    channels: req.channels,
    now: req.now ?? new Date(),
    allow: req.allow,
    limits,
    credentials: configuredCredentials(env),
  })
  // Where each channel's credentials would go, judged as publish will: a refusal is an error here too.
  const targets: Record<string, string | null> = {}
  for (const post of rendered.posts) {
    const {target, problem} = endpointTarget(playbook.channels.get(post.channel)!, env)
    targets[post.channel] = target
    if (problem) post.errors.push(problem)
  }
  return {...rendered, blocked: rendered.posts.some((p) => p.errors.length > 0), targets}
}

import {cachedLimits} from './channels/platform-limits.js'
import {loadFactsFile, mergeFacts, parseSetFlags, resolveFacts, type Facts} from './facts.js'
import type {Playbook} from './playbook/model.js'
import {requirePlaybook} from './playbook/resolve.js'
import {renderPhase, type RenderedPhase} from './render/render-phase.js'

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
  phase: string
  channels?: readonly string[]
  now?: Date
  /** Policy rules to override for this run (`--allow RULE`). */
  allow?: readonly string[]
}

export interface PreviewResult extends RenderedPhase {
  /** Any post has an error (over a hard limit, empty, a policy hit): it could not be published as is. */
  blocked: boolean
}

/** The dry run: renders one phase with the given facts. Never touches the network. */
export function previewPhase(req: PreviewRequest): PreviewResult {
  const playbook: Playbook = requirePlaybook(req.playbook, {templatesOf: [req.phase]})
  const facts = resolveFacts(playbook, readFactInput(req))
  // The limits publish last read from each channel's server (never asked from here).
  const limits = cachedLimits(playbook, [...playbook.channels.keys()])
  const rendered = renderPhase(playbook, req.phase, facts, {channels: req.channels, now: req.now ?? new Date(), allow: req.allow, limits})
  return {...rendered, blocked: rendered.posts.some((p) => p.errors.length > 0)}
}

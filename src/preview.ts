import {loadFactsFile, mergeFacts, parseSetFlags, resolveFacts, type Facts} from './facts.js'
import type {Playbook} from './playbook/model.js'
import {requirePlaybook} from './playbook/resolve.js'
import {findPhase, renderPhase, type RenderedPhase} from './render/render-phase.js'

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
}

export interface PreviewResult extends RenderedPhase {
  /** Any post has an error (over a hard limit, empty, a policy hit): it could not be published as is. */
  blocked: boolean
}

/** The dry run: renders one phase with the given facts. Never touches the network. */
export function previewPhase(req: PreviewRequest): PreviewResult {
  const playbook: Playbook = requirePlaybook(req.playbook, {templatesOf: req.phase === undefined ? [] : [req.phase]})
  const phase = findPhase(playbook, req.phase).name
  const facts = resolveFacts(playbook, readFactInput(req))
  const rendered = renderPhase(playbook, phase, facts, {channels: req.channels, now: req.now ?? new Date(), allow: req.allow})
  return {...rendered, blocked: rendered.posts.some((p) => p.errors.length > 0)}
}

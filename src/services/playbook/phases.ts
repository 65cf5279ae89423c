import {parseDuration, type Phase} from '../../domain/playbook/model.js'
import {isPhaseName} from './header.js'
import type {PostReader} from './posts.js'
import {describe, isMapping, type Mapping, type Path, type ProblemList} from './problems.js'
import {readApprovalRule} from './settings.js'
import type {TemplateChecks} from './template-checks.js'

const PHASE_KEYS = ['description', 'next_update', 'long_incident', 'approval', 'posts']

/**
 * The playbook's phases in order, each with its cadence, approval rule and posts. With
 * `templatesOf`, the templates of other phases are read but not checked.
 */
export function readPhases(
  root: Mapping,
  list: ProblemList,
  templates: TemplateChecks,
  posts: PostReader,
  templatesOf?: readonly string[],
): Phase[] {
  const {problem} = list
  const phases: Phase[] = []
  if (root.phases === undefined)
    problem([], 'missing "phases" (the steps of the incident, e.g. investigating, identified, resolved)')
  else if (!isMapping(root.phases) || Object.keys(root.phases).length === 0)
    problem(
      ['phases'],
      `"phases" must be a mapping of phase name to settings, with at least one phase; found ${describe(root.phases)}`,
    )
  for (const [phaseName, rawPhase] of Object.entries(isMapping(root.phases) ? root.phases : {})) {
    const p: Path = ['phases', phaseName]
    if (!isPhaseName(phaseName))
      problem(p, `phase name "${phaseName}" must be lower-case letters, digits and dashes`, true)
    if (!isMapping(rawPhase)) {
      problem(p, `phase "${phaseName}" must be a mapping with "posts"; found ${describe(rawPhase)}`)
      continue
    }
    templates.checking = templatesOf?.includes(phaseName) ?? true
    const phase = readPhase(phaseName, rawPhase, list)
    if (!isMapping(rawPhase.posts)) {
      problem(
        rawPhase.posts === undefined ? p : [...p, 'posts'],
        `phase "${phaseName}" needs "posts": a mapping of channel name to { template: FILE } or { text: "..." }`,
      )
    }
    for (const [channelName, rawPost] of Object.entries(isMapping(rawPhase.posts) ? rawPhase.posts : {})) {
      const post = posts.read(phaseName, channelName, rawPost)
      if (post) phase.posts.push(post)
    }
    phases.push(phase)
  }
  templates.checking = true
  return phases
}

/** A phase's own settings (description, next update, long-incident cadence, approval), without its posts. */
function readPhase(phaseName: string, rawPhase: Mapping, list: ProblemList): Phase {
  const {problem, unknownKeys} = list
  const p: Path = ['phases', phaseName]
  unknownKeys(rawPhase, PHASE_KEYS, p, `phase "${phaseName}"`)
  const phase: Phase = {name: phaseName, posts: []}
  if (typeof rawPhase.description === 'string') phase.description = rawPhase.description
  if (rawPhase.next_update !== undefined) {
    const ms = typeof rawPhase.next_update === 'string' ? parseDuration(rawPhase.next_update) : undefined
    if (ms === undefined)
      problem(
        [...p, 'next_update'],
        `phase "${phaseName}": next_update ${describe(rawPhase.next_update)} is not a duration like 20m, 1h or 1h30m`,
      )
    else phase.nextUpdate = {ms, text: rawPhase.next_update as string}
  }
  if (rawPhase.long_incident !== undefined) {
    const li = rawPhase.long_incident
    const lp: Path = [...p, 'long_incident']
    if (!isMapping(li))
      problem(lp, `phase "${phaseName}": long_incident must be { after: 2h, next_update: 60m }; found ${describe(li)}`)
    else {
      unknownKeys(li, ['after', 'next_update'], lp, `long_incident of phase "${phaseName}"`)
      const after = typeof li.after === 'string' ? parseDuration(li.after) : undefined
      const next = typeof li.next_update === 'string' ? parseDuration(li.next_update) : undefined
      if (after === undefined)
        problem(
          li.after === undefined ? lp : [...lp, 'after'],
          `phase "${phaseName}": long_incident.after must be a duration like 2h; found ${describe(li.after)}`,
        )
      if (next === undefined)
        problem(
          li.next_update === undefined ? lp : [...lp, 'next_update'],
          `phase "${phaseName}": long_incident.next_update must be a duration like 60m; found ${describe(li.next_update)}`,
        )
      if (after !== undefined && next !== undefined)
        phase.longIncident = {
          after: {ms: after, text: li.after as string},
          nextUpdate: {ms: next, text: li.next_update as string},
        }
    }
  }
  if (rawPhase.approval !== undefined)
    phase.approval = readApprovalRule(rawPhase.approval, [...p, 'approval'], `phase "${phaseName}"`, list)
  return phase
}

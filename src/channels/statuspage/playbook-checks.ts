import type {ChannelInPlaybook, PlaybookProblem} from '../kind.js'
import {statusForPhase, WINDOW_FACTS} from './status.js'

/**
 * What a Statuspage channel needs from the playbook: `status_map` keys that are phases and
 * values of the playbook's kind, a status for every phase it posts in, and for maintenance
 * the window facts (`time` facts scheduled_for and scheduled_until).
 */
export function statuspagePlaybookProblems(
  channel: Omit<ChannelInPlaybook, 'options'> & {options: {status_map?: unknown}},
): PlaybookProblem[] {
  const problems: PlaybookProblem[] = []
  const at = ['channels', channel.name]
  const raw = channel.options.status_map
  const map: Record<string, unknown> = raw && typeof raw === 'object' && !Array.isArray(raw) ? {...raw} : {}
  const {playbookKind: kind, phases} = channel
  for (const [phase, value] of Object.entries(map)) {
    if (!phases.has(phase)) {
      const known = [...phases.keys()].join(', ')
      problems.push({
        path: [...at, 'status_map', phase],
        message: `channel "${channel.name}": status_map names phase "${phase}", which the playbook does not have (phases: ${known})`,
        key: true,
      })
      continue
    }
    const mapped = statusForPhase(kind, phase, {[phase]: value})
    if ('problem' in mapped)
      problems.push({path: [...at, 'status_map', phase], message: `channel "${channel.name}": ${mapped.problem}`})
  }
  for (const [phase, {posts}] of phases) {
    if (!posts.includes(channel.name) || phase in map) continue
    const mapped = statusForPhase(kind, phase, map)
    if ('problem' in mapped)
      problems.push({
        path: ['phases', phase, 'posts', channel.name],
        message: `channel "${channel.name}": ${mapped.problem}`,
        key: true,
      })
  }
  if (kind !== 'maintenance') return problems
  for (const name of [WINDOW_FACTS.from, WINDOW_FACTS.until]) {
    if (channel.factTypes.get(name) !== 'time')
      problems.push({
        path: at,
        message: `channel "${channel.name}" schedules the maintenance on Statuspage from the fact "${name}": declare it as { type: time, required: true } (e.g. 2026-12-05T02:00:00Z)`,
      })
  }
  return problems
}

import {statusForPhase, WINDOW_FACTS} from '../../channels/statuspage/status.js'
import type {ChannelConfig, FactSpec, PlaybookKind} from '../../domain/playbook/model.js'
import {isMapping, type Mapping, type Path} from './problems.js'

/**
 * What a Statuspage channel needs from the playbook: `status_map` keys that are phases and
 * values of the playbook's kind, a status for every phase it posts in, and for maintenance
 * the window facts (`time` facts scheduled_for and scheduled_until).
 */
export function statuspageProblems(
  kind: PlaybookKind,
  channels: Map<string, ChannelConfig>,
  phases: Mapping,
  facts: Map<string, FactSpec>,
  problem: (p: Path, message: string, key?: boolean) => void,
): void {
  for (const channel of channels.values()) {
    if (channel.type !== 'statuspage') continue
    const p: Path = ['channels', channel.name]
    const map = isMapping(channel.options.status_map) ? channel.options.status_map : {}
    for (const [phase, value] of Object.entries(map)) {
      if (!(phase in phases))
        problem(
          [...p, 'status_map', phase],
          `channel "${channel.name}": status_map names phase "${phase}", which the playbook does not have (phases: ${Object.keys(phases).join(', ')})`,
          true,
        )
      else {
        const mapped = statusForPhase(kind, phase, {[phase]: value})
        if ('problem' in mapped) problem([...p, 'status_map', phase], `channel "${channel.name}": ${mapped.problem}`)
      }
    }
    for (const [phase, raw] of Object.entries(phases)) {
      const posts = isMapping(raw) && isMapping(raw.posts) ? raw.posts : {}
      if (!(channel.name in posts) || phase in map) continue
      const mapped = statusForPhase(kind, phase, map)
      if ('problem' in mapped)
        problem(['phases', phase, 'posts', channel.name], `channel "${channel.name}": ${mapped.problem}`, true)
    }
    if (kind !== 'maintenance') continue
    for (const name of [WINDOW_FACTS.from, WINDOW_FACTS.until]) {
      if (facts.get(name)?.type !== 'time') {
        problem(
          p,
          `channel "${channel.name}" schedules the maintenance on Statuspage from the fact "${name}": declare it as { type: time, required: true } (e.g. 2026-12-05T02:00:00Z)`,
        )
      }
    }
  }
}

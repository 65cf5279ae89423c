import type {ChannelConfig, FactSpec, PlaybookKind} from '../../domain/playbook/model.js'
import {isMapping, type Mapping, type Path} from './problems.js'

/** What each channel's kind needs from the rest of the playbook (its `playbookProblems`), as load problems. */
export function channelPlaybookProblems(
  kind: PlaybookKind,
  channels: Map<string, ChannelConfig>,
  phases: Mapping,
  facts: Map<string, FactSpec>,
  problem: (p: Path, message: string, key?: boolean) => void,
): void {
  const phaseView = new Map(
    Object.entries(phases).map(([name, raw]) => [
      name,
      {posts: isMapping(raw) && isMapping(raw.posts) ? Object.keys(raw.posts) : []},
    ]),
  )
  const factTypes = new Map([...facts].map(([name, spec]) => [name, spec.type as string]))
  for (const channel of channels.values()) {
    const view = {name: channel.name, options: channel.options, playbookKind: kind, phases: phaseView, factTypes}
    for (const found of channel.kind.playbookProblems?.(view) ?? []) problem(found.path, found.message, found.key)
  }
}

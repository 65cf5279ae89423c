import {PLAYBOOK_IMPACTS, PLAYBOOK_KINDS, type PlaybookImpact, type PlaybookKind} from '../../domain/playbook/model.js'
import {describe, type Mapping, type ProblemList} from './problems.js'

const NAME = /^[a-z0-9][a-z0-9-]*$/
const LOCALE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/

/** The playbook's name, description and kind (incident unless it says maintenance). */
export function readHeader(
  root: Mapping,
  list: ProblemList,
): {name: unknown; description?: string; kind: PlaybookKind; impact?: PlaybookImpact} {
  const {problem} = list
  const name = root.name
  if (name === undefined) problem([], 'missing "name" (a short id like "outage")')
  else if (typeof name !== 'string' || !NAME.test(name))
    problem(['name'], `"name" must be lower-case letters, digits and dashes; found ${describe(name)}`)
  if (root.description !== undefined && typeof root.description !== 'string')
    problem(['description'], '"description" must be text')
  let kind: PlaybookKind = 'incident'
  if (root.kind !== undefined) {
    if (typeof root.kind === 'string' && (PLAYBOOK_KINDS as readonly string[]).includes(root.kind))
      kind = root.kind as PlaybookKind
    else
      problem(
        ['kind'],
        `"kind" must be one of ${PLAYBOOK_KINDS.join(', ')} (maintenance: planned work announced ahead); found ${describe(root.kind)}`,
      )
  }
  let impact: PlaybookImpact | undefined
  if (root.impact !== undefined) {
    if (typeof root.impact === 'string' && (PLAYBOOK_IMPACTS as readonly string[]).includes(root.impact))
      impact = root.impact as PlaybookImpact
    else
      problem(
        ['impact'],
        `"impact" must be one of ${PLAYBOOK_IMPACTS.join(', ')} (how its incidents show on the status site: outage is a full outage, partial a partial outage, degraded slower or less reliable, maintenance planned work); found ${describe(root.impact)}`,
      )
  } else if (kind === 'maintenance') impact = 'maintenance'
  return {name, description: root.description as string | undefined, kind, ...(impact && {impact})}
}

/** Phase names follow the playbook name's rule. */
export function isPhaseName(name: string): boolean {
  return NAME.test(name)
}

/**
 * The languages posts are written in; the first is the default (`en` when not given).
 * `ok` is false when the list was malformed, so channels' locales are not checked against it.
 */
export function readLocales(root: Mapping, list: ProblemList): {locales: string[]; ok: boolean} {
  if (root.locales === undefined) return {locales: ['en'], ok: true}
  const ok =
    Array.isArray(root.locales) &&
    root.locales.length > 0 &&
    root.locales.every((l) => typeof l === 'string' && LOCALE.test(l)) &&
    new Set(root.locales).size === root.locales.length
  if (ok) return {locales: root.locales as string[], ok: true}
  list.problem(
    ['locales'],
    `"locales" must be a list of distinct language tags like [en, de, ja] (the first is the default); found ${describe(root.locales)}`,
  )
  return {locales: ['en'], ok: false}
}

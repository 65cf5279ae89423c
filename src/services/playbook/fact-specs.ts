import {FACT_TYPES, isIsoTime, type FactSpec, type FactType} from '../../domain/playbook/model.js'
import {describe, isMapping, type Mapping, type Path, type ProblemList} from './problems.js'

const FACT_KEYS = ['required', 'description', 'type', 'default']
const FACT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
// Names that would reach Object.prototype or Handlebars' own context words.
const RESERVED_FACTS = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'this',
  'toString',
  'valueOf',
  'hasOwnProperty',
])

/** The facts the playbook declares, by name: each one's type, whether it is required, its default. */
export function readFacts(root: Mapping, list: ProblemList): Map<string, FactSpec> {
  const {problem, unknownKeys} = list
  const facts = new Map<string, FactSpec>()
  if (root.facts !== undefined && root.facts !== null && !isMapping(root.facts))
    problem(['facts'], `"facts" must be a mapping of fact name to settings; found ${describe(root.facts)}`)
  for (const [factName, rawSpec] of Object.entries(isMapping(root.facts) ? root.facts : {})) {
    const p: Path = ['facts', factName]
    if (!FACT_NAME.test(factName) || RESERVED_FACTS.has(factName)) {
      problem(
        p,
        `fact name "${factName}" is not allowed: use letters, digits and _ (not starting with a digit), and not a reserved word`,
        true,
      )
      continue
    }
    const spec = rawSpec ?? {}
    if (!isMapping(spec)) {
      problem(p, `fact "${factName}" must be a mapping like { required: true }; found ${describe(spec)}`)
      continue
    }
    unknownKeys(spec, FACT_KEYS, p, `fact "${factName}"`)
    const type = (spec.type ?? 'string') as FactType
    if (!FACT_TYPES.includes(type))
      problem(
        [...p, 'type'],
        `fact "${factName}": unknown type ${describe(spec.type)} (types: ${FACT_TYPES.join(', ')})`,
      )
    if (spec.required !== undefined && typeof spec.required !== 'boolean')
      problem([...p, 'required'], `fact "${factName}": "required" must be true or false`)
    if (spec.description !== undefined && typeof spec.description !== 'string')
      problem([...p, 'description'], `fact "${factName}": "description" must be text`)
    if (spec.default !== undefined && FACT_TYPES.includes(type) && !defaultFits(type, spec.default)) {
      problem([...p, 'default'], `fact "${factName}": default ${describe(spec.default)} is not a ${type}`)
    }
    facts.set(factName, {
      name: factName,
      type,
      required: spec.required === true,
      description: typeof spec.description === 'string' ? spec.description : undefined,
      default: spec.default,
    })
  }
  return facts
}

function defaultFits(type: FactType, value: unknown): boolean {
  switch (type) {
    case 'list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')
    case 'number':
      return typeof value === 'number'
    case 'boolean':
      return typeof value === 'boolean'
    case 'time':
      return typeof value === 'string' && isIsoTime(value)
    default:
      return typeof value === 'string' || typeof value === 'number'
  }
}

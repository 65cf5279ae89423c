import type {Problem, SourceRef} from '../../domain/playbook/model.js'
import type {YamlSource} from '../../domain/playbook/yaml-source.js'

/** Where a value is in the playbook's YAML: keys and list indexes from the root. */
export type Path = Array<string | number>
export type Mapping = Record<string, unknown>

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A value as messages name it: "nothing", "a list", "a mapping", or its type and JSON. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`
}

/**
 * Every problem (and warning) found while loading one playbook, each placed where its
 * YAML is. The methods are bound functions: each step of the loading takes those it uses.
 */
export interface ProblemList {
  /** The playbook's file as messages show it. */
  readonly file: string
  readonly problems: Problem[]
  /** What is allowed but worth a look: endpoint overrides. */
  readonly warnings: Problem[]
  at(p: Path, key?: boolean): SourceRef
  problem(p: Path, message: string, key?: boolean): void
  /** A problem for each key of `value` not in `allowed`. */
  unknownKeys(value: Mapping, allowed: readonly string[], p: Path, what: string): void
}

export function problemList(src: YamlSource, file: string): ProblemList {
  const problems: Problem[] = []
  const warnings: Problem[] = []
  const at = (p: Path, key = false): SourceRef => ({file, ...src.locate(p, {key})})
  const problem = (p: Path, message: string, key = false) => {
    problems.push({...at(p, key), message})
  }
  const unknownKeys = (value: Mapping, allowed: readonly string[], p: Path, what: string) => {
    for (const k of Object.keys(value)) {
      if (!allowed.includes(k))
        problem([...p, k], `unknown key "${k}" in ${what} (allowed: ${allowed.join(', ')})`, true)
    }
  }
  return {file, problems, warnings, at, problem, unknownKeys}
}

/** In reading order: the playbook's own file first, then templates by file, each by line and column. */
export function sortProblems(problems: Problem[], playbookFile: string): Problem[] {
  return problems.sort((a, b) =>
    a.file === b.file
      ? a.line - b.line || a.col - b.col
      : a.file === playbookFile
        ? -1
        : b.file === playbookFile
          ? 1
          : a.file.localeCompare(b.file),
  )
}

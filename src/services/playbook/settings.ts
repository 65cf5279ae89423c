import type {ApprovalRule, ChannelConfig, FactSpec, Playbook} from '../../domain/playbook/model.js'
import {describe, isMapping, type Mapping, type Path, type ProblemList} from './problems.js'

/** An approval rule (`{ required: N }`, N from 1 to 10) of the playbook or a phase; one approver when malformed. */
export function readApprovalRule(raw: unknown, p: Path, what: string, list: ProblemList): ApprovalRule {
  if (isMapping(raw)) {
    list.unknownKeys(raw, ['required'], p, `approval of ${what}`)
    if (Number.isInteger(raw.required) && (raw.required as number) >= 1 && (raw.required as number) <= 10)
      return {required: raw.required as number}
  }
  list.problem(
    isMapping(raw) && raw.required !== undefined ? [...p, 'required'] : p,
    `approval of ${what} must be { required: N } with N from 1 to 10; found ${describe(isMapping(raw) ? raw.required : raw)}`,
  )
  return {required: 1}
}

/** The playbook-wide settings: its approval rule, its example facts, its additions to the post policy. */
export function readSettings(
  root: Mapping,
  list: ProblemList,
  facts: ReadonlyMap<string, FactSpec>,
  channels: ReadonlyMap<string, ChannelConfig>,
): Pick<Playbook, 'approval' | 'examples' | 'policy'> {
  const approval =
    root.approval === undefined ? {required: 1} : readApprovalRule(root.approval, ['approval'], 'the playbook', list)
  checkExamples(root, list, facts)
  const policy = readPolicy(root, list, facts, channels)
  return {approval, examples: isMapping(root.examples) ? root.examples : undefined, policy}
}

function checkExamples(root: Mapping, list: ProblemList, facts: ReadonlyMap<string, FactSpec>): void {
  const {problem} = list
  if (root.examples !== undefined && !isMapping(root.examples))
    problem(
      ['examples'],
      `"examples" must be a mapping of fact names to example values; found ${describe(root.examples)}`,
    )
  else if (isMapping(root.examples)) {
    for (const k of Object.keys(root.examples))
      if (!facts.has(k))
        problem(['examples', k], `example for "${k}", which the playbook does not declare as a fact`, true)
  }
}

/** The playbook's own additions to the post policy: forbidden patterns, internal hosts, and the hosts it declares public. */
function readPolicy(
  root: Mapping,
  list: ProblemList,
  facts: ReadonlyMap<string, FactSpec>,
  channels: ReadonlyMap<string, ChannelConfig>,
): Playbook['policy'] {
  const {problem} = list
  const forbid: Playbook['policy']['forbid'] = []
  if (root.forbid !== undefined && !Array.isArray(root.forbid))
    problem(
      ['forbid'],
      `"forbid" must be a list of patterns (text or { pattern, message }); found ${describe(root.forbid)}`,
    )
  for (const [i, entry] of (Array.isArray(root.forbid) ? root.forbid : []).entries()) {
    const spec = typeof entry === 'string' ? {pattern: entry} : entry
    if (
      !isMapping(spec) ||
      typeof spec.pattern !== 'string' ||
      (spec.message !== undefined && typeof spec.message !== 'string')
    ) {
      problem(
        ['forbid', i],
        `forbid entry must be a regular expression as text, or { pattern, message }; found ${describe(entry)}`,
      )
      continue
    }
    try {
      forbid.push({
        pattern: new RegExp(spec.pattern, 'iu'),
        source: spec.pattern,
        message: spec.message as string | undefined,
      })
    } catch (error) {
      problem(
        ['forbid', i],
        `forbid pattern ${JSON.stringify(spec.pattern)} is not a valid regular expression: ${(error as Error).message}`,
      )
    }
  }
  let internalHosts: string[] = []
  if (root.internal_hosts !== undefined) {
    if (Array.isArray(root.internal_hosts) && root.internal_hosts.every((h) => typeof h === 'string' && h !== ''))
      internalHosts = root.internal_hosts as string[]
    else
      problem(
        ['internal_hosts'],
        `"internal_hosts" must be a list of host names or suffixes like .corp.example.com; found ${describe(root.internal_hosts)}`,
      )
  }
  // Hosts the playbook itself declares public: never those of facts given at publish time.
  const publicHosts = new Set<string>()
  if (root.public_hosts !== undefined) {
    if (
      Array.isArray(root.public_hosts) &&
      root.public_hosts.every((h) => typeof h === 'string' && /^[a-z0-9.-]+$/i.test(h))
    )
      for (const h of root.public_hosts as string[]) publicHosts.add(h.toLowerCase())
    else
      problem(
        ['public_hosts'],
        `"public_hosts" must be a list of host names like status.acme.com; found ${describe(root.public_hosts)}`,
      )
  }
  for (const spec of facts.values()) for (const host of urlHosts(spec.default)) publicHosts.add(host)
  for (const channel of channels.values())
    for (const host of channel.kind.publicHosts?.(channel.options) ?? []) publicHosts.add(host.toLowerCase())
  return {forbid, internalHosts, publicHosts: [...publicHosts]}
}

/** Hosts of the http(s) URLs in a value (a text or a list of texts). */
function urlHosts(value: unknown): string[] {
  const texts = Array.isArray(value) ? value : [value]
  return texts.flatMap((text) =>
    typeof text !== 'string'
      ? []
      : [...text.matchAll(/https?:\/\/[^\s<>"')\]]+/gi)].flatMap((m) => {
          try {
            return [new URL(m[0]).hostname.toLowerCase()]
          } catch {
            return []
          }
        }),
  )
}

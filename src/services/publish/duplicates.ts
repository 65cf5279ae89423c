import {deliveryStatus, type IncidentState} from '../incident/state.js'

/** A channel that already carries the update being published, and how its delivery there stands. */
export interface AlreadyCarried {
  channel: string
  /** The update that carries it. */
  update: number
  /** `published`, or not yet: `candor retry` finishes those (it never sends a published part again). */
  status: 'published' | 'pending' | 'unknown' | 'failed'
}

/** Facts as compared: keys in order, unset (null) values left out. */
function factsKey(facts: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(facts)
      .filter((k) => facts[k] !== undefined && facts[k] !== null)
      .sort()
      .map((k) => [k, facts[k]]),
  )
}

/**
 * The channels among `channels` whose latest update is already this one: the same phase,
 * rendered from the same facts. Publishing it there again would repeat it, so those channels
 * are skipped (unless `--again`). A channel's latest update is the newest approved one it was
 * not declined in and that was not retracted there; whether it went out completely does not
 * matter, since `candor retry` finishes that one.
 */
export function alreadyCarried(
  state: IncidentState,
  phase: string,
  facts: Record<string, unknown>,
  channels: readonly string[],
): AlreadyCarried[] {
  const wanted = factsKey(facts)
  const out: AlreadyCarried[] = []
  for (const channel of channels) {
    let latest:
      | {update: number; phase: string; facts: Record<string, unknown>; status: ReturnType<typeof deliveryStatus>}
      | undefined
    for (const u of state.updates) {
      const d = u.deliveries.get(channel)
      if (!u.approvedAt || !d) continue
      const status = deliveryStatus(d)
      if (status === 'skipped' || status === 'retracted') continue
      latest = {update: u.update, phase: u.phase, facts: u.facts, status}
    }
    if (latest && latest.phase === phase && factsKey(latest.facts) === wanted) {
      out.push({channel, update: latest.update, status: latest.status as AlreadyCarried['status']})
    }
  }
  return out
}

/** "x: already has update 1, skipped", saying what to run when that delivery is not finished. */
export function describeAlreadyCarried(a: AlreadyCarried): string {
  const unfinished = a.status === 'published' ? '' : ` (${a.status} there: \`candor retry\` finishes it)`
  return `${a.channel}: already has update ${a.update}${unfinished}, skipped`
}

import {loadIncident} from '../services/incident/service.js'
import type {IncidentStore} from '../services/incident/store.js'
import type {paint} from './style.js'

/**
 * How a rehearsal shows in human output: REHEARSAL, bold on a yellow background where the
 * terminal takes colours, the plain word where it does not (a pipe, NO_COLOR).
 */
export function rehearsalMark(style: typeof paint): string {
  return style('bold', style('bgYellow', style('black', ' REHEARSAL '))).replace(/^ REHEARSAL $/, 'REHEARSAL')
}

/**
 * The arguments with a flag whose value may be left out (`--sandbox` alone, or followed by
 * the next flag or a positional that is no URL) given an empty value: oclif's string flags
 * always take the next word.
 */
export function withOptionalValue(argv: readonly string[], flag: string): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (arg !== flag) {
      out.push(arg)
      continue
    }
    const next = argv[i + 1]
    // A URL, or what was meant as one (`localhost:4477`: refused with a clear message later).
    if (next !== undefined && /^([a-z][a-z0-9+.-]*:\/\/|[\w.-]+:\d+|\[[0-9a-f:]+\])/i.test(next)) {
      out.push(`${flag}=${next}`)
      i++
    } else out.push(`${flag}=`)
  }
  return out
}

/** Says on stderr (through `warn`) that an incident is a rehearsal, as `publish`, `retry` and `retract` do. */
export async function warnIfRehearsal(
  store: IncidentStore,
  incident: string,
  warn: (line: string) => void,
): Promise<void> {
  const {rehearsal} = (await loadIncident(store, incident)).state
  if (rehearsal) warn(`${incident} is a rehearsal: every channel goes to the sandbox at ${rehearsal.sandbox}`)
}

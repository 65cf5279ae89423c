import {Flags} from '@oclif/core'
import {CandorError, ExitCode} from '../domain/errors.js'
import {setPlaybookLookup} from '../services/incident/playbook-file.js'
import {pickIncident, type PickOptions} from '../services/incident/service.js'
import type {IncidentStore} from '../services/incident/store.js'
import {paintErr} from './style.js'

/** `--playbook FILE` of commands that load an incident's playbook. */
export const incidentPlaybookFlag = Flags.string({
  description: "the incident's playbook, when it is not where the incident recorded it (moved, or another checkout)",
  helpValue: 'FILE',
})

/**
 * Where this command finds incident playbooks: `--playbook`, else the recorded path
 * relative to the project; a playbook changed since the incident opened is said on stderr.
 */
export function lookForPlaybooks(store: IncidentStore, playbook?: string): void {
  setPlaybookLookup({
    file: playbook,
    stateDir: store.stateDir,
    warn: (message) => process.stderr.write(`${paintErr('yellow', '›')} ${message}\n`),
  })
}

/**
 * The incident named by `--incident` or the positional ID (the same, when both are
 * given), else the one `pickIncident` chooses; a default that was not obvious is said on
 * stderr ("showing 2026-11-25-acme-voice, resolved 12 minutes ago"), also under --json.
 */
export async function chooseIncident(
  store: IncidentStore,
  named: {flag?: string; arg?: string},
  opts: PickOptions = {},
): Promise<string> {
  if (named.flag && named.arg && named.flag !== named.arg) {
    throw new CandorError(`two incidents named: ${named.arg} and --incident ${named.flag}`, {
      code: 'incident_named_twice',
      exit: ExitCode.Usage,
      suggestions: ['Name the incident once: ID or --incident ID'],
    })
  }
  const pick = await pickIncident(store, named.flag ?? named.arg, opts)
  if (pick.note) process.stderr.write(`${paintErr('dim', `› ${pick.note}`)}\n`)
  return pick.id
}

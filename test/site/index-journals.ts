import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {tempDir} from '../helpers/cli.js'
import {DAY, handJournal, type HandUpdate, MINUTE} from './status-journals.js'

/** The site settings every test of the site index builds with (a `site` channel's). */
export const SETTINGS = {
  title: 'Acme status',
  baseUrl: 'https://status.acme.example',
  components: ['Acme Voice', 'Acme Messaging', 'Website'],
}

export interface HandIncident {
  id: string
  openedAt: Date
  impact?: string
  facts?: Record<string, unknown>
  updates: HandUpdate[]
}

/** A state directory (a fresh one, or `state`) whose journals the test writes by hand, as Candor writes them. */
export function handStore(stateDir?: string) {
  const dir = stateDir ? path.dirname(stateDir) : tempDir('candor-site-index-')
  const state = stateDir ?? path.join(dir, 'state')
  mkdirSync(path.join(state, 'incidents'), {recursive: true, mode: 0o700})
  const store = new FileIncidentStore(state)
  return {
    dir,
    store,
    /** Writes (or rewrites, with more updates) an incident's journal. */
    write(i: HandIncident) {
      const events = handJournal({
        id: i.id,
        playbook: 'outage',
        impact: i.impact ?? 'outage',
        openedAt: i.openedAt,
        facts: {service: 'Acme Voice', title: `Incident ${i.id}`, ...i.facts},
        updates: i.updates,
      })
      writeFileSync(
        path.join(state, 'incidents', `${i.id}.jsonl`),
        events.map((e) => JSON.stringify(e)).join('\n') + '\n',
        {mode: 0o600},
      )
    },
    /** Appends events to a journal as they are. */
    append(id: string, events: object[]) {
      const file = path.join(state, 'incidents', `${id}.jsonl`)
      const last = readFileSync(file, 'utf8').trim().split('\n').length
      const lines = events.map((e, n) => JSON.stringify({seq: last + n + 1, by: 'Dana On-Call', ...e}))
      writeFileSync(file, readFileSync(file, 'utf8') + lines.join('\n') + '\n', {mode: 0o600})
    },
  }
}

/** A resolved incident opened at `openedAt` with `n` updates ten minutes apart, the last resolving it. */
export function resolvedIncident(id: string, openedAt: Date, n = 3, facts: Record<string, unknown> = {}): HandIncident {
  return {
    id,
    openedAt,
    facts,
    updates: Array.from({length: n}, (_, k) => ({
      phase: k === n - 1 ? 'resolved' : 'investigating',
      at: new Date(openedAt.getTime() + (k + 1) * 10 * MINUTE),
      text: `Update ${k + 1} of ${id}: <strong>calls</strong> & messages.`,
    })),
  }
}

/** `count` resolved incidents, one every `everyDays` days back from `before`, some naming a component. */
export function pastIncidents(count: number, before: Date, everyDays = 2): HandIncident[] {
  const services = ['Acme Voice', 'Acme Messaging', 'Website', 'Billing']
  return Array.from({length: count}, (_, k) =>
    resolvedIncident(
      `past-${String(k).padStart(4, '0')}`,
      new Date(before.getTime() - (k + 1) * everyDays * DAY + (k % 24) * 3_600_000),
      2 + (k % 3),
      {service: services[k % services.length], ...(k % 5 === 0 && {severity: 'partial'})},
    ),
  )
}

/** Every file of a folder (relative path → content), dotfiles included. */
export function readTree(root: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name)
      if (statSync(file).isDirectory()) walk(file)
      else out.set(path.relative(root, file).split(path.sep).join('/'), readFileSync(file, 'utf8'))
    }
  }
  walk(root)
  return out
}

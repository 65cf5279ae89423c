/**
 * `candor rehearse PLAYBOOK --live`, the game day: a rehearsal incident opened in the team's own
 * store, worked by the team with the ordinary commands from their terminals, watched here until
 * it is resolved or closed (or the game is stopped), then scored from its journal.
 */
import {closeIncident, loadIncident, openIncident} from '../incident/service.js'
import type {IncidentState} from '../incident/state.js'
import type {IncidentStore} from '../incident/store.js'
import {rehearsalInput} from './rehearse.js'
import {type Scorecard, scorecard} from './scorecard.js'

export interface GameDayRequest {
  playbook: string
  factsFile?: string
  actor: string
  /** The sandbox the rehearsal goes to (checked to be running by the caller). */
  sandbox: string
  store: IncidentStore
  /** Ends the game early (Ctrl-C): the scorecard is still made. */
  signal: AbortSignal
  /** How often the journal is read again (default 1 s). */
  pollMs?: number
  now?: () => Date
  /** Told once the incident is open: what the team works on, and the playbook's phases in order. */
  onOpened(state: IncidentState, phases: string[]): void
}

export interface GameDayResult {
  incident: string
  /** Stopped before the incident was resolved or closed. */
  stopped: boolean
  scorecard: Scorecard
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, {once: true})
  })
}

export async function playGameDay(req: GameDayRequest): Promise<GameDayResult> {
  const now = req.now ?? (() => new Date())
  const {playbook, facts} = rehearsalInput(req)
  const opened = await openIncident(req.store, {
    playbook: playbook.file,
    facts,
    actor: req.actor,
    now: now(),
    rehearsal: {sandbox: req.sandbox},
  })
  req.onOpened(
    opened,
    playbook.phases.map((p) => p.name),
  )
  let state = opened
  while (!req.signal.aborted) {
    state = (await loadIncident(req.store, opened.id)).state
    if (state.resolved || state.closed) break
    await pause(req.pollMs ?? 1000, req.signal)
  }
  state = (await loadIncident(req.store, opened.id)).state
  const stopped = !state.resolved && !state.closed
  const card = scorecard(state.events, {now: now()})
  // A game stopped early ends its incident too: a rehearsal left open would stand in the team's way.
  if (stopped)
    await closeIncident(req.store, {
      incident: opened.id,
      reason: 'the game day was stopped before the incident was resolved',
      actor: req.actor,
    })
  return {incident: opened.id, stopped, scorecard: card}
}

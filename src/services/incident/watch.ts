import {describeDuration, formatTime} from '../../domain/time.js'
import {FIRST_UPDATE_MS, updateDeadline, type IncidentStatus} from './status.js'

/**
 * `candor watch`: keeps an eye on an incident's promised cadence. Pure apart from what
 * it is given: the clock, sleeping, output, the bell and running a hook all come in
 * through `WatchIO`, so tests drive it with a fake clock.
 */

export interface WatchIO {
  now(): Date
  /** Waits `ms` (a fake clock just moves on). */
  sleep(ms: number): Promise<void>
  /** One line of output: an event off a terminal, or a note under the live view. */
  print(line: string): void
  /** Rings the terminal bell. Only called when `tty` is set. */
  bell(): void
  /** Runs the `--exec` hook with extra environment; resolves with its exit code. */
  exec(command: string, env: Record<string, string>): Promise<{code: number | null; error?: string}>
  /** Redraws the whole live view (on a terminal). */
  draw?(lines: string[]): void
}

export type WatchEventType = 'watching' | 'published' | 'reminder' | 'overdue' | 'resolved' | 'error' | 'hook'

export interface WatchEvent {
  type: WatchEventType
  /** ISO 8601. */
  at: string
  incident: string
  phase: string | null
  /** When the next update is (was) due, ISO 8601. */
  due: string | null
  message: string
  /** A rehearsal: nothing of it is real (reminders say so, hooks get CANDOR_REHEARSAL=1 and a message that says so). */
  rehearsal: boolean
}

export interface WatchOptions {
  incident: string
  /** Reads the incident as it stands (the journal may change under us). */
  load(): Promise<IncidentStatus>
  io: WatchIO
  /** A terminal: live view, bell. Off one, a line per event. */
  tty?: boolean
  /** Remind this long before an update is due (default 5 minutes; 0: at the due time). */
  remindBeforeMs?: number
  /** While overdue, remind again this often (default 10 minutes; 0: once). */
  repeatMs?: number
  /** With nothing published yet, the first update is due this long after the start (default 5 minutes). */
  firstUpdateMs?: number
  /** How often the journal is read again (default 5 s). */
  pollMs?: number
  /** How often the live view is redrawn on a terminal (default 1 s). */
  tickMs?: number
  /** A shell command run at each reminder, with CANDOR_* variables describing it. */
  exec?: string
  signal?: AbortSignal
  /** Every event as data (for --json). */
  onEvent?(event: WatchEvent): void
}

export interface WatchResult {
  reason: 'resolved' | 'interrupted'
  events: WatchEvent[]
}

const MINUTE = 60_000
const DEFAULTS = {
  remindBeforeMs: 5 * MINUTE,
  repeatMs: 10 * MINUTE,
  firstUpdateMs: FIRST_UPDATE_MS,
  pollMs: 5000,
  tickMs: 1000,
}
/** Events kept under the live view. */
const RECENT = 6

/** "12:05" or "1:02:05": a countdown's remaining (or overdue) time. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const two = (n: number) => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`
}

/** When the next update is due: the rule `candor status` reports with (updateDeadline). */
export function dueOf(
  status: IncidentStatus,
  firstUpdateMs = DEFAULTS.firstUpdateMs,
): {due: number; first: boolean} | undefined {
  return updateDeadline({...status, promised: status.next_update_due}, firstUpdateMs)
}

/** Watches until the incident is resolved or `signal` aborts. */
export async function watchIncident(opts: WatchOptions): Promise<WatchResult> {
  const {io} = opts
  const remindBefore = opts.remindBeforeMs ?? DEFAULTS.remindBeforeMs
  const repeat = opts.repeatMs ?? DEFAULTS.repeatMs
  const firstUpdate = opts.firstUpdateMs ?? DEFAULTS.firstUpdateMs
  const pollMs = opts.pollMs ?? DEFAULTS.pollMs
  const tickMs = opts.tty ? (opts.tickMs ?? DEFAULTS.tickMs) : pollMs
  const events: WatchEvent[] = []
  const hooks: Array<Promise<void>> = []

  let status = await opts.load()
  let lastLoad = io.now().getTime()
  let loadFailing = false
  let reminded: number | undefined
  let overdueSince: number | undefined
  let lastNag = 0

  const emit = (type: WatchEventType, message: string, due?: number) => {
    const event: WatchEvent = {
      type,
      at: io.now().toISOString(),
      incident: opts.incident,
      phase: status.phase,
      due: due === undefined ? null : new Date(due).toISOString(),
      // A drill's reminder must never read as a real incident's, wherever it is shown or sent.
      message: status.rehearsal ? `REHEARSAL: ${message}` : message,
      rehearsal: status.rehearsal,
    }
    events.push(event)
    opts.onEvent?.(event)
    io.print(
      opts.tty ? `${formatTime(event.at)}  ${event.message}` : `${event.at} ${type} ${opts.incident}: ${event.message}`,
    )
  }

  const remind = (type: 'reminder' | 'overdue', message: string, due: number) => {
    emit(type, message, due)
    if (opts.tty) io.bell()
    if (!opts.exec) return
    const env = {
      CANDOR_INCIDENT: opts.incident,
      CANDOR_PHASE: status.phase ?? '',
      CANDOR_DUE: new Date(due).toISOString(),
      CANDOR_EVENT: type,
      CANDOR_OVERDUE: type === 'overdue' ? '1' : '0',
      CANDOR_MESSAGE: status.rehearsal ? `REHEARSAL: ${message}` : message,
      ...(status.rehearsal && {CANDOR_REHEARSAL: '1'}),
    }
    const command = opts.exec
    hooks.push(
      io.exec(command, env).then(
        (r) => {
          if (r.code !== 0)
            emit(
              'hook',
              `--exec hook failed (${r.code === null ? 'killed' : `exit ${r.code}`})${r.error ? `: ${r.error}` : ''}`,
              due,
            )
        },
        (error: Error) => emit('hook', `--exec hook could not run: ${error.message}`, due),
      ),
    )
  }

  const describeDue = (due: number, now: number, first: boolean) => {
    const what = first ? 'the first update' : 'the next update'
    return now < due
      ? `${what} is due by ${formatTime(due)} (in ${describeDuration(due - now)})`
      : `${what} was due by ${formatTime(due)} (${describeDuration(now - due)} ago)`
  }

  const finish = async (reason: WatchResult['reason']): Promise<WatchResult> => {
    await Promise.all(hooks)
    return {reason, events}
  }

  {
    const now = io.now().getTime()
    const d = dueOf(status, firstUpdate)
    emit(
      'watching',
      `watching ${status.incident} (${status.phase ?? 'nothing published yet'})${d ? `; ${describeDue(d.due, now, d.first)}` : status.resolved ? '' : '; no next update promised'}`,
      d?.due,
    )
  }

  for (;;) {
    if (opts.signal?.aborted) return finish('interrupted')
    let now = io.now().getTime()

    if (now - lastLoad >= pollMs) {
      lastLoad = now
      try {
        const next = await opts.load()
        loadFailing = false
        const before = status
        status = next
        // (A resolving update is announced as "resolved" below.)
        if (!next.resolved && (next.updates > before.updates || (next.phase !== before.phase && next.phase !== null))) {
          const d = dueOf(next, firstUpdate)
          emit(
            'published',
            `update ${next.updates} published (${next.phase ?? 'no phase'})${d ? `; ${describeDue(d.due, now, false)}` : ''}`,
            d?.due,
          )
        }
      } catch (error) {
        if (!loadFailing) emit('error', `cannot read the incident: ${(error as Error).message}; trying again`)
        loadFailing = true
      }
    }

    if (status.resolved || status.closed) {
      emit(
        'resolved',
        status.closed
          ? `incident closed (${status.closed.reason}); stopped watching`
          : `incident resolved${status.phase ? ` (${status.phase})` : ''}; stopped watching`,
      )
      opts.io.draw?.(frame(status, io.now().getTime(), events, firstUpdate))
      return finish('resolved')
    }

    const d = dueOf(status, firstUpdate)
    if (d) {
      if (now < d.due && now >= d.due - remindBefore && reminded !== d.due) {
        reminded = d.due
        remind('reminder', `UPDATE DUE: ${describeDue(d.due, now, d.first)}`, d.due)
      }
      if (now >= d.due) {
        if (overdueSince !== d.due) {
          overdueSince = d.due
          lastNag = now
          remind('overdue', `OVERDUE: ${describeDue(d.due, now, d.first)}`, d.due)
        } else if (repeat > 0 && now - lastNag >= repeat) {
          lastNag = now
          remind('overdue', `still OVERDUE: ${describeDue(d.due, now, d.first)}`, d.due)
        }
      }
    }

    io.draw?.(frame(status, now, events, firstUpdate))

    // Sleep until the next tick, poll or threshold, whichever comes first.
    now = io.now().getTime()
    let wait = Math.min(tickMs, Math.max(1, lastLoad + pollMs - now))
    if (d) {
      for (const t of [
        d.due - remindBefore,
        d.due,
        overdueSince === d.due && repeat > 0 ? lastNag + repeat : Infinity,
      ]) {
        if (t > now) wait = Math.min(wait, t - now)
      }
    }
    await io.sleep(Math.max(1, wait))
  }
}

/** The live view: phase, countdown, last post per channel, recent events. */
export function frame(
  status: IncidentStatus,
  now: number,
  events: WatchEvent[],
  firstUpdateMs = DEFAULTS.firstUpdateMs,
): string[] {
  const lines: string[] = []
  const started = Date.parse(status.started_at)
  lines.push(`Candor watch · ${status.rehearsal ? 'REHEARSAL · ' : ''}${status.incident} · ${status.playbook}`)
  lines.push(
    `Phase: ${status.resolved ? `${status.phase ?? 'none'} (resolved)` : (status.phase ?? 'nothing published yet')} · ${status.updates} ${status.updates === 1 ? 'update' : 'updates'} · started ${formatTime(status.started_at)}, ${describeDuration(now - started)} ago`,
  )
  const d = dueOf(status, firstUpdateMs)
  if (d) {
    const what = d.first ? 'First update' : 'Next update'
    lines.push(
      now < d.due
        ? `${what} due by ${formatTime(d.due)}: in ${formatCountdown(d.due - now)}`
        : `${what} OVERDUE: was due by ${formatTime(d.due)}, ${formatCountdown(now - d.due)} ago`,
    )
  } else if (!status.resolved) {
    lines.push('No next update promised')
  }
  if (status.cadence) lines.push(`Cadence: an update every ${status.cadence}`)
  lines.push('', 'Last post per channel')
  if (status.channels.length === 0) lines.push('  (none yet)')
  const width = Math.max(0, ...status.channels.map((c) => c.channel.length))
  for (const c of status.channels)
    lines.push(`  ${c.channel.padEnd(width)}  update ${c.update}, ${formatTime(c.at)}  ${c.url ?? c.id}`)
  for (const u of status.unfinished)
    lines.push(`  ${u.channel.padEnd(width)}  update ${u.update} not delivered (${u.status}): run \`candor retry\``)
  lines.push('', 'Events')
  for (const e of events.slice(-RECENT)) lines.push(`  ${formatTime(e.at)}  ${e.message}`)
  lines.push('', status.resolved ? 'Resolved.' : 'Ctrl-C to stop watching')
  return lines
}

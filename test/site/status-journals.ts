import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import type {JournalEvent} from '../../src/services/incident/events.js'
import {foldIncident, type IncidentState} from '../../src/services/incident/state.js'

export const DAY = 86_400_000
export const HOUR = 3_600_000
export const MINUTE = 60_000

export interface HandUpdate {
  phase: string
  at: Date
  text: string
}

/**
 * An incident's journal written by hand, as Candor writes it: opened from a playbook
 * (with its `impact:`), and each update rendered for a `site` channel and approved.
 */
export function handJournal(opts: {
  id: string
  playbook: string
  impact?: string
  openedAt: Date
  facts: Record<string, unknown>
  updates: HandUpdate[]
}): JournalEvent[] {
  const list: Array<Record<string, unknown>> = [
    {
      type: 'opened',
      at: opts.openedAt.toISOString(),
      incident: opts.id,
      playbook: {
        name: opts.playbook,
        file: `playbooks/${opts.playbook}.yaml`,
        ...(opts.impact && {impact: opts.impact}),
      },
      started_at: opts.openedAt.toISOString(),
      facts: opts.facts,
    },
  ]
  opts.updates.forEach((u, i) => {
    const update = i + 1
    list.push(
      {
        type: 'rendered',
        at: u.at.toISOString(),
        update,
        phase: u.phase,
        posts: [{channel: 'status', type: 'site', parts: [{text: u.text, length: u.text.length, limit: null}]}],
      },
      {type: 'approved', at: u.at.toISOString(), update, channels: ['status'], declined: []},
    )
  })
  return list.map((e, i) => ({seq: i + 1, by: 'Dana On-Call', ...e}) as unknown as JournalEvent)
}

export const COMPONENTS = ['Acme Voice', 'Acme Messaging', 'Website', 'Developer API']

/** 00:00 UTC of `now`'s day, minus `days` days, plus `hours`. */
function dayAt(now: Date, days: number, hours: number): Date {
  const today = Math.floor(now.getTime() / DAY) * DAY
  return new Date(today - days * DAY + hours * HOUR)
}

/**
 * A status page's worth of incidents, placed relative to `now` (so "today" is today):
 * an outage, a partial outage across midnight, degraded performance over three days, a
 * maintenance across midnight overlapping a slowdown, an outage still open and a maintenance announced
 * for later. `expected` is what each component's cells must say, by days before today.
 */
export function statusJournals(now: Date): {
  states: IncidentState[]
  expected: Record<string, Record<number, string>>
  firstDataDay: number
  openIncident: string
} {
  const j = (x: Parameters<typeof handJournal>[0]) => foldIncident(handJournal(x))
  const openedNow = new Date(Math.max(dayAt(now, 0, 0).getTime(), now.getTime() - 50 * MINUTE))
  const states = [
    j({
      id: 'voice-calls-failing',
      playbook: 'outage',
      impact: 'outage',
      openedAt: dayAt(now, 30, 10),
      facts: {service: 'Acme Voice', title: 'Calls failing to connect'},
      updates: [
        {phase: 'investigating', at: dayAt(now, 30, 10.1), text: 'We are looking into failing calls.'},
        {phase: 'identified', at: dayAt(now, 30, 10.8), text: 'A faulty network update; rolling it back.'},
        {phase: 'resolved', at: dayAt(now, 30, 11.5), text: 'Calls connect normally again.'},
      ],
    }),
    j({
      id: 'messaging-delays',
      playbook: 'outage',
      impact: 'outage',
      openedAt: dayAt(now, 12, 23),
      // The fact wins over the playbook's impact: only some messages were late.
      facts: {service: 'Acme Messaging', title: 'Some messages delayed', severity: 'partial'},
      updates: [
        {phase: 'investigating', at: dayAt(now, 12, 23.1), text: 'Some messages arrive late.'},
        {phase: 'resolved', at: dayAt(now, 11, 1.5), text: 'Messages are delivered on time again.'},
      ],
    }),
    j({
      id: 'api-slow',
      playbook: 'degraded-performance',
      impact: 'degraded',
      openedAt: dayAt(now, 45, 8),
      facts: {service: 'Developer API', title: 'Slow API responses'},
      updates: [
        {phase: 'investigating', at: dayAt(now, 45, 8.2), text: 'API calls are slower than usual.'},
        {phase: 'monitoring', at: dayAt(now, 44, 12), text: 'A fix is live; we are watching it.'},
        {phase: 'resolved', at: dayAt(now, 43, 9), text: 'API response times are back to normal.'},
      ],
    }),
    j({
      id: 'website-maintenance',
      playbook: 'scheduled-maintenance',
      impact: 'maintenance',
      openedAt: dayAt(now, 20, 10),
      facts: {
        service: 'Website',
        title: 'Website database upgrade',
        scheduled_for: dayAt(now, 18, 23).toISOString(),
        scheduled_until: dayAt(now, 17, 1).toISOString(),
      },
      updates: [
        {phase: 'announced', at: dayAt(now, 20, 10), text: 'We will upgrade the website database.'},
        {phase: 'in-progress', at: dayAt(now, 18, 23), text: 'The upgrade has started.'},
        {phase: 'completed', at: dayAt(now, 17, 1), text: 'The upgrade is done.'},
      ],
    }),
    j({
      id: 'website-slow',
      playbook: 'degraded-performance',
      impact: 'degraded',
      openedAt: dayAt(now, 18, 22),
      facts: {service: 'Website', title: 'Slow page loads'},
      updates: [
        {phase: 'investigating', at: dayAt(now, 18, 22.1), text: 'Pages load slowly.'},
        {phase: 'resolved', at: dayAt(now, 18, 23.5), text: 'Pages load quickly again.'},
      ],
    }),
    j({
      id: 'voice-now',
      playbook: 'outage',
      impact: 'outage',
      openedAt: openedNow,
      facts: {service: 'Acme Voice', title: 'Acme Voice outage'},
      updates: [{phase: 'investigating', at: openedNow, text: 'We are investigating problems with Acme Voice.'}],
    }),
    j({
      id: 'api-upgrade',
      playbook: 'scheduled-maintenance',
      impact: 'maintenance',
      openedAt: new Date(now.getTime() - HOUR),
      facts: {
        service: 'Developer API',
        title: 'Developer API upgrade',
        scheduled_for: dayAt(now, -3, 2).toISOString(),
        scheduled_until: dayAt(now, -3, 4).toISOString(),
      },
      updates: [{phase: 'announced', at: new Date(now.getTime() - HOUR), text: 'We will upgrade the Developer API.'}],
    }),
  ]
  return {
    states,
    expected: {
      'Acme Voice': {30: 'major', 0: 'major', 1: 'operational', 29: 'operational'},
      'Acme Messaging': {12: 'partial', 11: 'partial', 13: 'operational', 10: 'operational'},
      // The maintenance (23:00 to 01:00) overlaps the slowdown on its first day: the worst wins.
      Website: {18: 'degraded', 17: 'maintenance', 20: 'operational', 16: 'operational'},
      'Developer API': {
        45: 'degraded',
        44: 'degraded',
        43: 'degraded',
        42: 'operational',
        46: 'none',
        0: 'operational',
      },
    },
    firstDataDay: 45,
    openIncident: 'voice-now',
  }
}

/**
 * Writes the journal of incident `jumpy` into `stateDir`: opened three hours ago, then resolved by
 * a machine whose clock was a day behind (update 2 dated before the opening), which the site
 * draws from what is consistent and reports as a clock jump.
 */
export function writeClockJumpJournal(stateDir: string): void {
  const opened = new Date(Date.now() - 3 * HOUR)
  const events = handJournal({
    id: 'jumpy',
    playbook: 'outage',
    impact: 'outage',
    openedAt: opened,
    facts: {service: 'Website', title: 'Website <b>down</b>'},
    updates: [
      {phase: 'investigating', at: new Date(opened.getTime() + 5 * MINUTE), text: 'Looking into it.'},
      {phase: 'resolved', at: new Date(opened.getTime() - DAY), text: 'Fixed.'},
    ],
  })
  mkdirSync(path.join(stateDir, 'incidents'), {recursive: true, mode: 0o700})
  writeFileSync(
    path.join(stateDir, 'incidents', 'jumpy.jsonl'),
    events.map((e) => JSON.stringify(e)).join('\n') + '\n',
    {mode: 0o600},
  )
}

import {describe, expect, it} from 'vitest'
import type {IncidentStatus} from '../../src/services/incident/status.js'
import {frame, watchIncident, type WatchIO} from '../../src/services/incident/watch.js'

/** A rehearsal's reminders must never read as a real incident's: in the view, the lines and the hooks. */

const T0 = Date.parse('2026-11-25T14:00:00Z')
const MIN = 60_000

function status(rehearsal: boolean, resolved = false): IncidentStatus {
  return {
    incident: 'drill',
    playbook: 'outage',
    phase: resolved ? 'resolved' : 'investigating',
    resolved,
    closed: null,
    started_at: new Date(T0).toISOString(),
    facts: {},
    updates: 1,
    channels: [],
    unfinished: [],
    next_update_due: resolved ? null : new Date(T0 + 4 * MIN).toISOString(),
    overdue: false,
    first_update: false,
    cadence: null,
    rehearsal,
    sandbox: rehearsal ? 'http://127.0.0.1:4477' : null,
  }
}

async function watch(rehearsal: boolean) {
  let now = T0
  const lines: string[] = []
  const hooks: Array<Record<string, string>> = []
  const io: WatchIO = {
    now: () => new Date(now),
    sleep: async (ms) => {
      now += ms
    },
    print: (line) => lines.push(line),
    bell: () => {},
    exec: async (_command, env) => {
      hooks.push(env)
      return {code: 0}
    },
  }
  const result = await watchIncident({
    incident: 'drill',
    load: async () => status(rehearsal, now >= T0 + 3 * MIN),
    io,
    exec: 'notify-chat',
    pollMs: 60_000,
  })
  return {result, lines, hooks}
}

describe('watching a rehearsal', () => {
  it('says REHEARSAL in every event, line and hook message, and tells hooks with CANDOR_REHEARSAL=1', async () => {
    const {result, lines, hooks} = await watch(true)
    expect(result.events.map((e) => [e.type, e.rehearsal, e.message.startsWith('REHEARSAL: ')])).toEqual([
      ['watching', true, true],
      ['reminder', true, true],
      ['resolved', true, true],
    ])
    expect(lines.every((l) => l.includes('REHEARSAL: '))).toBe(true)
    expect(hooks).toEqual([
      expect.objectContaining({CANDOR_REHEARSAL: '1', CANDOR_MESSAGE: expect.stringMatching(/^REHEARSAL: /)}),
    ])
    expect(frame(status(true), T0, [])[0]).toBe('Candor watch · REHEARSAL · drill · outage')
  })

  it('a real incident says none of it', async () => {
    const {result, lines, hooks} = await watch(false)
    expect(result.events.map((e) => e.rehearsal)).toEqual([false, false, false])
    expect(lines.join('\n')).not.toContain('REHEARSAL')
    expect(hooks[0]).not.toHaveProperty('CANDOR_REHEARSAL')
    expect(frame(status(false), T0, [])[0]).toBe('Candor watch · drill · outage')
  })
})

import path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {JournalEvent} from '../../src/services/incident/events.js'
import {foldIncident} from '../../src/services/incident/state.js'
import {incidentStatus, type IncidentStatus} from '../../src/services/incident/status.js'
import {dueOf, formatCountdown, frame, watchIncident, type WatchIO} from '../../src/services/incident/watch.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {resolveFacts} from '../../src/domain/playbook/facts.js'
import {renderPhase} from '../../src/services/render/render-phase.js'
import {closeIncident, loadIncident, openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'
import {writeFileSync} from 'node:fs'

const T0 = new Date('2026-11-25T14:00:00Z').getTime()
const MIN = 60_000

/** A fake world: a clock that moves only when the watcher sleeps, and an incident that changes at set times. */
function world(opts: {timeline: Array<[number, Partial<IncidentStatus>]>; failHooks?: boolean}) {
  let now = T0
  const lines: string[] = []
  const hooks: Array<{command: string; env: Record<string, string>; at: number}> = []
  let bells = 0
  const base: IncidentStatus = {
    incident: 'voice-1',
    playbook: 'outage',
    phase: 'investigating',
    resolved: false,
    closed: null,
    started_at: new Date(T0).toISOString(),
    facts: {},
    updates: 1,
    channels: [{channel: 'x', update: 1, id: '1', url: 'https://x.example/1', at: new Date(T0).toISOString()}],
    unfinished: [],
    next_update_due: new Date(T0 + 20 * MIN).toISOString(),
    overdue: false,
    first_update: false,
    cadence: '20m',
    rehearsal: false,
    sandbox: null,
  }
  const io: WatchIO = {
    now: () => new Date(now),
    sleep: async (ms) => {
      now += ms
    },
    print: (line) => lines.push(line),
    bell: () => bells++,
    exec: async (command, env) => {
      hooks.push({command, env, at: now})
      return opts.failHooks ? {code: 3, error: 'chat is down'} : {code: 0}
    },
  }
  const load = async (): Promise<IncidentStatus> => {
    let status = base
    for (const [at, change] of opts.timeline) if (now >= T0 + at) status = {...status, ...change}
    return status
  }
  return {io, load, lines, hooks, bells: () => bells, now: () => now}
}

describe('watchIncident', () => {
  it('reminds before the update is due, marks it OVERDUE after, nags, and stops when resolved', async () => {
    const w = world({timeline: [[40 * MIN, {resolved: true, phase: 'resolved', updates: 2, next_update_due: null}]]})
    const result = await watchIncident({
      incident: 'voice-1',
      load: w.load,
      io: w.io,
      exec: 'notify-chat',
      pollMs: 30_000,
    })
    expect(result.reason).toBe('resolved')
    expect(result.events.map((e) => [e.type, new Date(e.at).toISOString().slice(11, 16)])).toEqual([
      ['watching', '14:00'],
      ['reminder', '14:15'],
      ['overdue', '14:20'],
      ['overdue', '14:30'],
      ['resolved', '14:40'],
    ])
    expect(w.lines).toEqual([
      '2026-11-25T14:00:00.000Z watching voice-1: watching voice-1 (investigating); the next update is due by 14:20 UTC (in 20 minutes)',
      '2026-11-25T14:15:00.000Z reminder voice-1: UPDATE DUE: the next update is due by 14:20 UTC (in 5 minutes)',
      '2026-11-25T14:20:00.000Z overdue voice-1: OVERDUE: the next update was due by 14:20 UTC (less than a minute ago)',
      '2026-11-25T14:30:00.000Z overdue voice-1: still OVERDUE: the next update was due by 14:20 UTC (10 minutes ago)',
      '2026-11-25T14:40:00.000Z resolved voice-1: incident resolved (resolved); stopped watching',
    ])
    // Off a terminal there is no bell; the hook runs at every reminder with the incident in its environment.
    expect(w.bells()).toBe(0)
    expect(w.hooks.map((h) => [h.command, (h.at - T0) / MIN, h.env.CANDOR_EVENT, h.env.CANDOR_OVERDUE])).toEqual([
      ['notify-chat', 15, 'reminder', '0'],
      ['notify-chat', 20, 'overdue', '1'],
      ['notify-chat', 30, 'overdue', '1'],
    ])
    expect(w.hooks[0].env).toEqual({
      CANDOR_INCIDENT: 'voice-1',
      CANDOR_PHASE: 'investigating',
      CANDOR_DUE: '2026-11-25T14:20:00.000Z',
      CANDOR_EVENT: 'reminder',
      CANDOR_OVERDUE: '0',
      CANDOR_MESSAGE: 'UPDATE DUE: the next update is due by 14:20 UTC (in 5 minutes)',
    })
  })

  it('follows a new update: a new due time, reminders start over', async () => {
    const w = world({
      timeline: [
        [12 * MIN, {updates: 2, phase: 'identified', next_update_due: new Date(T0 + 32 * MIN).toISOString()}],
        [50 * MIN, {resolved: true, phase: 'resolved', updates: 3, next_update_due: null}],
      ],
    })
    const result = await watchIncident({incident: 'voice-1', load: w.load, io: w.io, pollMs: 60_000, repeatMs: 0})
    expect(result.events.map((e) => `${e.type} ${(Date.parse(e.at) - T0) / MIN}`)).toEqual([
      'watching 0',
      'published 12',
      'reminder 27',
      'overdue 32',
      'resolved 50',
    ])
    expect(result.events[1].message).toBe(
      'update 2 published (identified); the next update is due by 14:32 UTC (in 20 minutes)',
    )
    expect(result.events[1].due).toBe('2026-11-25T14:32:00.000Z')
  })

  it('on a terminal: rings the bell and draws a live view with a countdown', async () => {
    const w = world({timeline: [[21 * MIN, {resolved: true, phase: 'resolved', updates: 2, next_update_due: null}]]})
    const frames: string[][] = []
    await watchIncident({
      incident: 'voice-1',
      load: w.load,
      io: {...w.io, draw: (lines) => frames.push(lines)},
      tty: true,
      tickMs: 60_000,
      pollMs: 60_000,
    })
    expect(w.bells()).toBe(2)
    expect(frames[0]).toContain('Next update due by 14:20 UTC: in 20:00')
    expect(frames.find((f) => f.includes('Next update due by 14:20 UTC: in 5:00'))).toBeDefined()
    const overdue = frames.find((f) => f.some((l) => l.startsWith('Next update OVERDUE')))!
    expect(overdue).toContain('Next update OVERDUE: was due by 14:20 UTC, 0:00 ago')
    expect(overdue).toContain('  x  update 1, 14:00 UTC  https://x.example/1')
    expect(frames.at(-1)!.at(-1)).toBe('Resolved.')
  })

  it('with nothing published yet, the first update is due 5 minutes after the start', async () => {
    const w = world({
      timeline: [
        [0, {updates: 0, phase: null, channels: [], next_update_due: null, cadence: null}],
        [6 * MIN, {resolved: true}],
      ],
    })
    const result = await watchIncident({incident: 'voice-1', load: w.load, io: w.io, pollMs: 60_000})
    expect(result.events.map((e) => [e.type, e.message])).toEqual([
      ['watching', 'watching voice-1 (nothing published yet); the first update is due by 14:05 UTC (in 5 minutes)'],
      ['reminder', 'UPDATE DUE: the first update is due by 14:05 UTC (in 5 minutes)'],
      ['overdue', 'OVERDUE: the first update was due by 14:05 UTC (less than a minute ago)'],
      ['resolved', 'incident resolved; stopped watching'],
    ])
  })

  it('stops on Ctrl-C, reports a failing hook and a journal it cannot read, and keeps going', async () => {
    const w = world({timeline: [], failHooks: true})
    const controller = new AbortController()
    let reads = 0
    const load = async () => {
      reads++
      if (reads === 2) throw new Error('journal is locked')
      if (w.now() >= T0 + 21 * MIN) controller.abort()
      return w.load()
    }
    const result = await watchIncident({
      incident: 'voice-1',
      load,
      io: w.io,
      exec: 'false',
      pollMs: 60_000,
      signal: controller.signal,
    })
    expect(result.reason).toBe('interrupted')
    expect(result.events.map((e) => e.type)).toEqual(['watching', 'error', 'reminder', 'hook', 'overdue', 'hook'])
    expect(result.events[1].message).toBe('cannot read the incident: journal is locked; trying again')
    expect(result.events[3].message).toBe('--exec hook failed (exit 3): chat is down')
  })

  it('formats countdowns', () => {
    expect(formatCountdown(5 * MIN)).toBe('5:00')
    expect(formatCountdown(65 * MIN + 5000)).toBe('1:05:05')
    expect(formatCountdown(-1)).toBe('0:00')
  })
})

describe('status follows the cadence', () => {
  const file = path.join(ROOT, 'playbooks', 'outage.yaml')

  it('promises 20m early on and 60m once the incident is past long_incident.after, in posts and status', () => {
    const {playbook} = loadPlaybook(file)
    const facts = resolveFacts(playbook!, playbook!.examples!)
    const startedAt = new Date(T0)
    const early = renderPhase(playbook!, 'investigating', facts, {
      now: new Date(T0 + 30 * MIN),
      incident: {id: 'i', startedAt},
      channels: ['x'],
    })
    expect(early.nextUpdateDue).toBe('2026-11-25T14:50:00.000Z')
    expect(early.posts[0].parts[0].text).toContain('Next update by 14:50 UTC.')
    const late = renderPhase(playbook!, 'investigating', facts, {
      now: new Date(T0 + 125 * MIN),
      incident: {id: 'i', startedAt},
      channels: ['x'],
    })
    expect(late.nextUpdateDue).toBe('2026-11-25T17:05:00.000Z')
    expect(late.posts[0].parts[0].text).toContain('Next update by 17:05 UTC.')

    // The journal of an incident that published the late update.
    const at = (m: number) => new Date(T0 + m * MIN).toISOString()
    const events = [
      {
        seq: 1,
        at: at(0),
        by: 'dana',
        type: 'opened',
        incident: 'i',
        playbook: {name: 'outage', file},
        started_at: at(0),
        facts: {},
      },
      {
        seq: 2,
        at: at(125),
        by: 'dana',
        type: 'rendered',
        update: 1,
        phase: 'investigating',
        next_update_due: late.nextUpdateDue,
        posts: [{channel: 'x', type: 'x', parts: [{text: 't', length: 1, limit: 280}]}],
      },
      {seq: 3, at: at(125), by: 'dana', type: 'approved', update: 1, channels: ['x'], declined: []},
      {
        seq: 4,
        at: at(125),
        by: 'dana',
        type: 'delivery_result',
        update: 1,
        channel: 'x',
        part: 1,
        status: 'published',
        remote: {id: '1'},
      },
    ] as JournalEvent[]
    const state = foldIncident(events)
    expect(incidentStatus(state, new Date(T0 + 126 * MIN), playbook)).toMatchObject({
      next_update_due: '2026-11-25T17:05:00.000Z',
      overdue: false,
      cadence: '60m',
    })
    expect(incidentStatus(state, new Date(T0 + 186 * MIN), playbook)).toMatchObject({overdue: true, cadence: '60m'})

    // A journal without the promise (written before it was recorded): worked out from the playbook.
    const old = foldIncident(
      events.map((e) => (e.type === 'rendered' ? {...e, next_update_due: undefined} : e)) as JournalEvent[],
    )
    expect(incidentStatus(old, new Date(T0 + 126 * MIN), playbook)).toMatchObject({
      next_update_due: '2026-11-25T17:05:00.000Z',
      cadence: '60m',
    })
    const young = foldIncident(
      events.map((e) => (e.type === 'rendered' ? {...e, at: at(10), next_update_due: undefined} : e)) as JournalEvent[],
    )
    expect(incidentStatus(young, new Date(T0 + 11 * MIN), playbook)).toMatchObject({
      next_update_due: '2026-11-25T14:30:00.000Z',
      cadence: '20m',
    })
    // Without a playbook the journal's promise still stands.
    expect(incidentStatus(state, new Date(T0 + 126 * MIN), null)).toMatchObject({
      next_update_due: '2026-11-25T17:05:00.000Z',
      cadence: null,
    })
  })
})

describe('the first update', () => {
  it('status and watch give one deadline for it: 5 minutes after opening, OVERDUE after', async () => {
    const dir = tempDir()
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const file = path.join(ROOT, 'playbooks', 'outage.yaml')
    const {id} = await openIncident(store, {
      playbook: file,
      facts: {service: 'Acme Voice', impact: 'Calls fail'},
      actor: 'dana',
      id: 'v-1',
      now: new Date(T0),
    })
    const {state} = await loadIncident(store, id)
    const early = incidentStatus(state, new Date(T0 + MIN), null)
    expect(early).toMatchObject({next_update_due: '2026-11-25T14:05:00.000Z', overdue: false, first_update: true})
    expect(dueOf(early)).toEqual({due: T0 + 5 * MIN, first: true})
    expect(frame(early, T0 + MIN, [])[2]).toBe('First update due by 14:05 UTC: in 4:00')
    expect(incidentStatus(state, new Date(T0 + 6 * MIN), null)).toMatchObject({
      next_update_due: '2026-11-25T14:05:00.000Z',
      overdue: true,
      first_update: true,
    })
  })

  it('a closed incident owes no update: status and watch give no deadline and never say OVERDUE', async () => {
    const dir = tempDir()
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const file = path.join(ROOT, 'playbooks', 'outage.yaml')
    const {id} = await openIncident(store, {
      playbook: file,
      facts: {service: 'Acme Voice', impact: 'Calls fail'},
      actor: 'dana',
      id: 'v-2',
      now: new Date(T0),
    })
    await closeIncident(store, {incident: id, reason: 'duplicate of v-1', actor: 'dana', now: new Date(T0 + MIN)})
    const {state} = await loadIncident(store, id)
    const later = incidentStatus(state, new Date(T0 + 60 * MIN), null)
    expect(later).toMatchObject({
      closed: {by: 'dana', reason: 'duplicate of v-1'},
      next_update_due: null,
      overdue: false,
      first_update: false,
      cadence: null,
    })
    expect(dueOf(later)).toBeUndefined()
  })

  it('`candor status` right after `incident open` says when the first update is due', async () => {
    const dir = tempDir()
    const env = {CANDOR_STATE_DIR: path.join(dir, 'state'), CANDOR_USER: 'Dana'}
    const opened = await runCli(
      [
        'incident',
        'open',
        path.join(ROOT, 'playbooks', 'outage.yaml'),
        '--id',
        'v-1',
        '--set',
        'service=Acme Voice',
        '--set',
        'impact=Calls fail',
      ],
      {cwd: dir, env},
    )
    expect(opened.code, opened.stderr).toBe(0)
    const before = Date.now()
    const json = await runCli(['status', '--json'], {cwd: dir, env})
    expect(json.code, json.stderr).toBe(0)
    const s = JSON.parse(json.stdout)
    expect(s).toMatchObject({phase: null, overdue: false, first_update: true})
    expect(Date.parse(s.next_update_due)).toBe(Date.parse(s.started_at) + 5 * MIN)
    expect(Date.parse(s.next_update_due)).toBeGreaterThan(before)
    const human = await runCli(['status'], {cwd: dir, env})
    expect(human.stdout).toMatch(/First update due by .+ \(in (5|4) minutes\)/)
  })
})

describe('the live view', () => {
  it('shows phase, countdown, cadence, last post per channel and recent events', () => {
    const status: IncidentStatus = {
      incident: 'voice-1',
      playbook: 'outage',
      phase: 'identified',
      resolved: false,
      closed: null,
      started_at: new Date(T0).toISOString(),
      facts: {},
      updates: 2,
      channels: [
        {channel: 'x', update: 2, id: '2', url: 'https://x.example/2', at: new Date(T0 + 10 * MIN).toISOString()},
        {channel: 'mastodon', update: 2, id: '9', url: null, at: new Date(T0 + 10 * MIN).toISOString()},
      ],
      unfinished: [{update: 2, phase: 'identified', channel: 'bluesky', status: 'failed', error: 'boom'}],
      next_update_due: new Date(T0 + 30 * MIN).toISOString(),
      overdue: false,
      first_update: false,
      cadence: '20m',
      rehearsal: false,
      sandbox: null,
    }
    expect(frame(status, T0 + 17 * MIN + 30_000, [])).toEqual([
      'Candor watch · voice-1 · outage',
      'Phase: identified · 2 updates · started 14:00 UTC, 17 minutes ago',
      'Next update due by 14:30 UTC: in 12:30',
      'Cadence: an update every 20m',
      '',
      'Last post per channel',
      '  x         update 2, 14:10 UTC  https://x.example/2',
      '  mastodon  update 2, 14:10 UTC  9',
      '  bluesky   update 2 not delivered (failed): run `candor retry`',
      '',
      'Events',
      '',
      'Ctrl-C to stop watching',
    ])
  })
})

describe('candor watch', () => {
  it('prints a line per event off a terminal and exits 0 once the incident is resolved', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'p.yaml')
    writeFileSync(
      file,
      'name: p\nfacts:\n  service: {}\nchannels:\n  x: { type: x }\nphases:\n  investigating:\n    next_update: 20m\n    posts:\n      x: { text: "hi" }\n  resolved:\n    posts:\n      x: { text: "ok" }\n',
    )
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const incident = await openIncident(store, {playbook: file, facts: {}, actor: 'dana', id: 'p-1'})
    await store.append(incident.id, {
      type: 'rendered',
      by: 'dana',
      update: 1,
      phase: 'resolved',
      posts: [{channel: 'x', type: 'x', parts: [{text: 'ok', length: 2, limit: 280}]}],
    })
    await store.append(incident.id, {type: 'approved', by: 'dana', update: 1, channels: ['x'], declined: []})
    await store.append(incident.id, {
      type: 'delivery_result',
      by: 'dana',
      update: 1,
      channel: 'x',
      part: 1,
      status: 'published',
      remote: {id: '1'},
    })
    const r = await runCli(['watch', '--incident', 'p-1', '--state-dir', path.join(dir, 'state')], {cwd: dir})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/^\S+ /, '')),
    ).toEqual(['watching p-1: watching p-1 (resolved)', 'resolved p-1: incident resolved (resolved); stopped watching'])
    const json = await runCli(['watch', '--incident', 'p-1', '--state-dir', path.join(dir, 'state'), '--json'], {
      cwd: dir,
    })
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['watching', 'resolved'])
  })
})

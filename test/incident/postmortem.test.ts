import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {JournalEvent} from '../../src/services/incident/events.js'
import {duration, postmortemTimeline, timelineMarkdown, utc} from '../../src/services/incident/postmortem.js'
import {loadIncident, openIncident} from '../../src/services/incident/service.js'
import {foldIncident} from '../../src/services/incident/state.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {publishUpdate, retryFailed} from '../../src/services/publish/publish.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'
import {manualClock, MINUTE} from '../site/helpers.js'

const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

const T0 = new Date('2026-11-25T14:00:00.000Z')
const t = (minutes: number, seconds = 0) => new Date(T0.getTime() + minutes * MINUTE + seconds * 1000)

/** An incident on X worked from opening to resolution, with a late update, a failure, a retry and two approvers. */
async function workedIncident() {
  const fake = await startFakeX({credentials: X_CREDENTIALS})
  fakes.push(fake)
  const dir = tempDir()
  const playbook = writeXPlaybook(dir, {x: fake})
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const clock = manualClock(T0)
  await openIncident(store, {
    playbook,
    id: 'voice',
    facts: {service: 'Acme Voice', impact: 'Calls fail'},
    actor: 'Dana On-Call',
    now: T0,
  })
  // random: () => 1 puts each backoff at its cap (2 s, not jittered), so the times below are exact.
  const publish = (phase: string, at: Date, actor: string, facts: Record<string, unknown> = {}) => {
    clock.set(at)
    return publishUpdate(
      {incident: 'voice', phase, facts, yes: true, interactive: false},
      {
        store,
        actor,
        env: xEnv(),
        reporter: {progress() {}},
        clock,
        backoffMs: 2000,
        random: () => 1,
        retries: 2,
        timeoutMs: 2000,
      },
    )
  }
  await publish('investigating', t(4), 'Dana On-Call')
  fake.fail({status: 503})
  await publish('identified', t(40), 'Sam Lead', {cause: 'a failed database upgrade'})
  fake.fail({status: 401})
  await publish('monitoring', t(60), 'Dana On-Call')
  clock.set(t(62))
  await retryFailed({incident: 'voice'}, {store, actor: 'Dana On-Call', env: xEnv(), reporter: {progress() {}}, clock})
  await publish('resolved', t(100), 'Dana On-Call')
  return {store, fake, state: (await loadIncident(store, 'voice')).state}
}

describe('postmortemTimeline', () => {
  it('measures the first acknowledgement and each gap against the promise, and lists every step in order', async () => {
    const {state, fake} = await workedIncident()
    const tl = postmortemTimeline(state, t(200))
    expect(tl).toMatchObject({
      incident: 'voice',
      playbook: 'incident',
      opened_by: 'Dana On-Call',
      started_at: T0.toISOString(),
      resolved: true,
      resolved_at: t(100).toISOString(),
      duration_ms: 100 * MINUTE,
      first_acknowledgement: {
        at: t(4).toISOString(),
        after_ms: 4 * MINUTE,
        update: 1,
        channel: 'x',
        url: `https://x.com/i/web/status/${fake.tweets[0].id}`,
      },
      late_updates: 1,
    })
    // investigating promised 14:34 and identified went out at 14:40:02 (after a 2 s backoff): late.
    expect(tl.cadence).toEqual([
      {
        from_update: 1,
        from_phase: 'investigating',
        from_at: t(4).toISOString(),
        to_update: 2,
        to_phase: 'identified',
        to_at: t(40, 2).toISOString(),
        gap_ms: 36 * MINUTE + 2000,
        promised_by: t(34).toISOString(),
        promised_ms: 30 * MINUTE,
        late: true,
        late_by_ms: 6 * MINUTE + 2000,
      },
      {
        from_update: 2,
        from_phase: 'identified',
        from_at: t(40, 2).toISOString(),
        to_update: 3,
        to_phase: 'monitoring',
        to_at: t(62).toISOString(),
        gap_ms: 22 * MINUTE - 2000,
        promised_by: t(70).toISOString(),
        promised_ms: 30 * MINUTE,
        late: false,
        late_by_ms: null,
      },
      {
        from_update: 3,
        from_phase: 'monitoring',
        from_at: t(62).toISOString(),
        to_update: 4,
        to_phase: 'resolved',
        to_at: t(100).toISOString(),
        gap_ms: 38 * MINUTE,
        promised_by: t(120).toISOString(),
        promised_ms: 60 * MINUTE,
        late: false,
        late_by_ms: null,
      },
    ])
    expect(
      tl.updates.map((u) => [
        u.update,
        u.phase,
        u.approved_by,
        u.published_at,
        u.channels[0].status,
        u.channels[0].attempts,
      ]),
    ).toEqual([
      [1, 'investigating', 'Dana On-Call', t(4).toISOString(), 'published', 1],
      [2, 'identified', 'Sam Lead', t(40, 2).toISOString(), 'published', 2],
      [3, 'monitoring', 'Dana On-Call', t(62).toISOString(), 'published', 2],
      [4, 'resolved', 'Dana On-Call', t(100).toISOString(), 'published', 1],
    ])

    const kinds = tl.entries.map((e) => `${e.kind}${e.update ? ` ${e.update}` : ''}`)
    expect(kinds).toEqual([
      'opened',
      'approved 1',
      'post 1',
      'fact',
      'approved 2',
      'failure 2',
      'retry 2',
      'post 2',
      'approved 3',
      'failure 3',
      'retry 3',
      'post 3',
      'approved 4',
      'post 4',
    ])
    const times = tl.entries.map((e) => Date.parse(e.at))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(tl.entries.find((e) => e.kind === 'fact')).toMatchObject({
      by: 'Sam Lead',
      fact: 'cause',
      from: null,
      to: 'a failed database upgrade',
      text: 'Changed cause: (unset) → "a failed database upgrade"',
    })
    expect(tl.entries.find((e) => e.kind === 'approved' && e.update === 2)).toMatchObject({
      by: 'Sam Lead',
      channels: ['x'],
      text: `Update 2 (identified) approved by Sam Lead for x; promises the next update by ${utc(t(70).toISOString())}`,
    })
    expect(tl.entries.find((e) => e.kind === 'failure' && e.update === 3)).toMatchObject({
      channel: 'x',
      error: expect.stringContaining('401'),
    })
    expect(tl.entries.find((e) => e.kind === 'post' && e.update === 4)).toMatchObject({
      at: t(100).toISOString(),
      channel: 'x',
      url: `https://x.com/i/web/status/${fake.tweets[3].id}`,
    })
  })

  it('renders Markdown for the postmortem document', async () => {
    const {state} = await workedIncident()
    const md = timelineMarkdown(postmortemTimeline(state, t(200)))
    expect(md).toContain('# Incident timeline: voice')
    expect(md).toContain('| Opened | 2026-11-25 14:00:00 UTC by Dana On-Call |')
    expect(md).toContain('| Resolved | 2026-11-25 15:40:00 UTC, after 1 hour 40 minutes |')
    expect(md).toContain('| First public acknowledgement | 4 minutes after opening: 2026-11-25 14:04:00 UTC on x |')
    expect(md).toContain('| Updates published | 4, 1 later than promised |')
    expect(md).toContain(
      '| update 1 (investigating), 2026-11-25 14:04:00 UTC | update 2 (identified), 2026-11-25 14:40:02 UTC | 36 minutes | by 2026-11-25 14:34:00 UTC (30 minutes) | **LATE** by 6 minutes |',
    )
    expect(md).toContain(
      '| 2026-11-25 14:40:00 | Sam Lead | Update 2 (identified) approved by Sam Lead for x; promises the next update by 2026-11-25 15:10:00 UTC |',
    )
    expect(md).toMatch(/\| 2026-11-25 14:40:02 \| Sam Lead \| Retried update 2 on x \(attempt 2\) \|/)
    // Every table row has the same number of cells as its header.
    for (const table of md.split('\n\n').filter((b) => b.startsWith('|'))) {
      const rows = table
        .split('\n')
        .filter(Boolean)
        .map((r) => r.replace(/\\\|/g, '').split('|').length)
      expect(new Set(rows).size).toBe(1)
    }
  })

  it('keeps table cells intact whatever the facts say, and measures an open incident against now', () => {
    const events = [
      {
        type: 'opened',
        at: T0.toISOString(),
        incident: 'open-one',
        playbook: {name: 'outage', file: '/p.yaml'},
        started_at: T0.toISOString(),
        facts: {impact: 'a | b\nc <script>'},
      },
      {
        type: 'rendered',
        at: t(10).toISOString(),
        update: 1,
        phase: 'investigating',
        next_update_due: t(40).toISOString(),
        posts: [{channel: 'x', type: 'x', parts: [{text: 'x', length: 1, limit: 280}]}],
      },
      {type: 'approved', at: t(10).toISOString(), update: 1, channels: ['x'], declined: []},
      {type: 'delivery_attempt', at: t(10).toISOString(), update: 1, channel: 'x', part: 1, attempt: 1},
      {
        type: 'delivery_result',
        at: t(10, 30).toISOString(),
        update: 1,
        channel: 'x',
        part: 1,
        status: 'published',
        remote: {id: '1', url: 'https://x.example/1'},
      },
      {
        type: 'rendered',
        at: t(20).toISOString(),
        update: 2,
        phase: 'identified',
        posts: [{channel: 'x', type: 'x', parts: [{text: 'y', length: 1, limit: 280}]}],
      },
      {type: 'note', at: t(25).toISOString(), text: 'Customer success is | watching'},
    ].map((e, i) => ({seq: i + 1, by: 'dana', ...e}) as unknown as JournalEvent)
    const tl = postmortemTimeline(foldIncident(events), t(55))
    expect(tl.resolved).toBe(false)
    expect(tl.first_acknowledgement).toMatchObject({after_ms: 10 * MINUTE + 30_000})
    expect(tl.cadence).toEqual([
      {
        from_update: 1,
        from_phase: 'investigating',
        from_at: t(10, 30).toISOString(),
        to_update: null,
        to_phase: null,
        to_at: null,
        gap_ms: 44 * MINUTE + 30_000,
        promised_by: t(40).toISOString(),
        promised_ms: 30 * MINUTE,
        late: true,
        late_by_ms: 15 * MINUTE,
      },
    ])
    expect(tl.late_updates).toBe(0)
    expect(tl.entries.map((e) => e.kind)).toEqual(['opened', 'approved', 'post', 'rendered', 'note'])
    expect(tl.entries[3].text).toBe('Update 2 (identified) rendered for x, never approved')
    const md = timelineMarkdown(tl)
    expect(md).toContain('| Status | open (investigating) |')
    expect(md).toContain('impact = "a \\| b c &lt;script&gt;"')
    expect(md).toContain('no update yet (as of 2026-11-25 14:55:00 UTC)')
    expect(md).toContain('**LATE** by 15 minutes')
    expect(md).not.toContain('<script>')
    // Before the promised time the open gap is not late yet.
    const early = postmortemTimeline(foldIncident(events), t(30))
    expect(early.cadence[0]).toMatchObject({to_update: null, late: false, gap_ms: 19 * MINUTE + 30_000})
    expect(timelineMarkdown(early)).toContain('| not due yet |')
  })

  it('spells durations for people', () => {
    expect(duration(35_000)).toBe('35 seconds')
    expect(duration(1000)).toBe('1 second')
    expect(duration(72 * MINUTE)).toBe('1 hour 12 minutes')
    expect(utc('2026-11-25T14:02:07.123Z')).toBe('2026-11-25 14:02:07 UTC')
  })
})

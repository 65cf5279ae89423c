import {describe, expect, it} from 'vitest'
import {
  DAY_MS,
  dayCells,
  downtimeMs,
  formatUptime,
  incidentSpan,
  type Span,
  touchesDay,
  uptime,
  windowDates,
} from '../../src/services/site/availability.js'

const HOUR = 3_600_000
const NOW = new Date('2026-11-25T15:00:00.000Z')
const t = (iso: string) => Date.parse(iso)
const span = (id: string, severity: Span['severity'], start: string, end: string): Span => ({
  id,
  severity,
  start: t(start),
  end: t(end),
})
/** The status of each given date among 90 cells ending NOW, with data from long ago. */
function statuses(spans: Span[], dates: string[], dataFrom = t('2026-01-01T00:00:00Z')) {
  const cells = dayCells(spans, NOW, 90, dataFrom)
  return Object.fromEntries(dates.map((d) => [d, cells.find((c) => c.date === d)?.status]))
}

describe('the 90 days', () => {
  it('are consecutive UTC dates ending today, whatever the time of day', () => {
    const dates = windowDates(new Date('2026-11-25T23:59:59.999Z'), 90)
    expect(dates).toHaveLength(90)
    expect(dates.at(-1)).toBe('2026-11-25')
    expect(dates[0]).toBe('2026-08-28')
    for (let i = 1; i < dates.length; i++) expect(t(dates[i]) - t(dates[i - 1])).toBe(DAY_MS)
    expect(windowDates(new Date('2026-11-26T00:00:00.000Z'), 90).at(-1)).toBe('2026-11-26')
  })

  it('colour the days an incident crossing midnight touched, and not the day its end falls on at 00:00', () => {
    const s = [span('a', 'major', '2026-11-20T23:30:00Z', '2026-11-21T00:30:00Z')]
    expect(statuses(s, ['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'])).toEqual({
      '2026-11-19': 'operational',
      '2026-11-20': 'major',
      '2026-11-21': 'major',
      '2026-11-22': 'operational',
    })
    const toMidnight = [span('b', 'major', '2026-11-20T22:00:00Z', '2026-11-21T00:00:00Z')]
    expect(statuses(toMidnight, ['2026-11-20', '2026-11-21'])).toEqual({
      '2026-11-20': 'major',
      '2026-11-21': 'operational',
    })
    // An incident opened and resolved in the same instant still touched its day.
    expect(touchesDay({start: t('2026-11-20T00:00:00Z'), end: t('2026-11-20T00:00:00Z')}, t('2026-11-20'))).toBe(true)
    expect(touchesDay({start: t('2026-11-21T00:00:00Z'), end: t('2026-11-21T00:00:00Z')}, t('2026-11-20'))).toBe(false)
  })

  it('colour every day of an incident spanning several days', () => {
    const s = [span('long', 'partial', '2026-11-10T12:00:00Z', '2026-11-13T01:00:00Z')]
    expect(statuses(s, ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14'])).toEqual({
      '2026-11-09': 'operational',
      '2026-11-10': 'partial',
      '2026-11-11': 'partial',
      '2026-11-12': 'partial',
      '2026-11-13': 'partial',
      '2026-11-14': 'operational',
    })
  })

  it('take the worst impact of overlapping incidents, and list every incident of the day once', () => {
    const s = [
      span('slow', 'degraded', '2026-11-20T08:00:00Z', '2026-11-20T20:00:00Z'),
      span('down', 'major', '2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z'),
      span('maint', 'maintenance', '2026-11-20T02:00:00Z', '2026-11-20T04:00:00Z'),
      span('maint2', 'maintenance', '2026-11-21T02:00:00Z', '2026-11-21T04:00:00Z'),
      span('slow2', 'degraded', '2026-11-21T05:00:00Z', '2026-11-21T06:00:00Z'),
    ]
    const cells = dayCells(s, NOW, 90, t('2026-01-01'))
    const day = cells.find((c) => c.date === '2026-11-20')!
    expect(day.status).toBe('major')
    expect(day.incidents).toEqual(['slow', 'down', 'maint'])
    expect(cells.find((c) => c.date === '2026-11-21')!.status).toBe('degraded')
    expect(statuses([s[3]], ['2026-11-21'])).toEqual({'2026-11-21': 'maintenance'})
  })

  it('are "none" before the first day with data, and all "none" without data', () => {
    const s = [span('a', 'major', '2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z')]
    const cells = dayCells(s, NOW, 90, t('2026-11-18T17:00:00Z'))
    expect(cells.filter((c) => c.status === 'none').map((c) => c.date)).toEqual(windowDates(NOW, 90).slice(0, 82))
    expect(cells.find((c) => c.date === '2026-11-18')!.status).toBe('operational')
    expect(dayCells([], NOW, 90, undefined).every((c) => c.status === 'none')).toBe(true)
  })
})

describe('uptime', () => {
  const dataFrom = t('2026-01-01T00:00:00Z')
  // The window: 89 whole days and today up to 15:00.
  const observed = 89 * DAY_MS + 15 * HOUR

  it('counts a major outage in full, a partial outage at 30%, degraded and maintenance not at all', () => {
    const major = [span('a', 'major', '2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z')]
    expect(uptime(major, NOW, 90, dataFrom)).toBeCloseTo(1 - HOUR / observed, 12)
    const partial = [span('a', 'partial', '2026-11-20T10:00:00Z', '2026-11-20T20:00:00Z')]
    expect(uptime(partial, NOW, 90, dataFrom)).toBeCloseTo(1 - (0.3 * 10 * HOUR) / observed, 12)
    const harmless = [
      span('a', 'degraded', '2026-11-20T10:00:00Z', '2026-11-22T11:00:00Z'),
      span('b', 'maintenance', '2026-11-23T02:00:00Z', '2026-11-23T04:00:00Z'),
    ]
    expect(uptime(harmless, NOW, 90, dataFrom)).toBe(1)
  })

  it('counts overlapping time once, at the worst impact', () => {
    const s = [
      span('a', 'major', '2026-11-20T10:00:00Z', '2026-11-20T12:00:00Z'),
      span('b', 'major', '2026-11-20T11:00:00Z', '2026-11-20T13:00:00Z'),
      span('c', 'partial', '2026-11-20T09:00:00Z', '2026-11-20T14:00:00Z'),
    ]
    // Major 10:00-13:00 (3 h), partial only 09:00-10:00 and 13:00-14:00 (2 h at 30%).
    expect(downtimeMs(s, t('2026-11-20T00:00:00Z'), t('2026-11-21T00:00:00Z'))).toBe(3 * HOUR + 0.3 * 2 * HOUR)
  })

  it('counts only what falls inside the window, and from the first day with data', () => {
    // Started before the window's first day (2026-08-28): only its part inside counts.
    const s = [span('old', 'major', '2026-08-27T12:00:00Z', '2026-08-28T06:00:00Z')]
    expect(uptime(s, NOW, 90, dataFrom)).toBeCloseTo(1 - (6 * HOUR) / observed, 12)
    // Data since 2026-11-24: the observed time is 1 day and 15 hours.
    const recent = [span('a', 'major', '2026-11-24T12:00:00Z', '2026-11-24T13:00:00Z')]
    expect(uptime(recent, NOW, 90, t('2026-11-24T12:00:00Z'))).toBeCloseTo(1 - HOUR / (39 * HOUR), 12)
    expect(uptime([], NOW, 90, undefined)).toBeUndefined()
  })

  it('is written with two decimals, never rounded up to 100%', () => {
    expect(formatUptime(1)).toBe('100.00%')
    expect(formatUptime(0.99999)).toBe('99.99%')
    expect(formatUptime(0.5)).toBe('50.00%')
    expect(formatUptime(undefined)).toBe('no data')
  })
})

describe('incidentSpan', () => {
  const base = {id: 'x', severity: 'major' as const, startedAt: '2026-11-25T14:00:00.000Z'}

  it('runs from the opening to the resolution, or to now while open', () => {
    const resolved = incidentSpan({...base, resolvedAt: '2026-11-25T14:30:00.000Z', events: []}, NOW)
    expect(resolved).toEqual({
      span: {...pick(base), start: t(base.startedAt), end: t('2026-11-25T14:30:00Z')},
      problems: [],
    })
    const open = incidentSpan({...base, events: [{label: 'update 1', at: '2026-11-25T14:05:00.000Z'}]}, NOW)
    expect(open.span!.end).toBe(NOW.getTime())
    // An open incident colours today and every day since it opened.
    const longOpen = incidentSpan({...base, startedAt: '2026-11-23T22:00:00.000Z', events: []}, NOW).span!
    expect(statuses([longOpen], ['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25'])).toEqual({
      '2026-11-22': 'operational',
      '2026-11-23': 'major',
      '2026-11-24': 'major',
      '2026-11-25': 'major',
    })
  })

  it('starts a maintenance when its window opened, and draws none that never started', () => {
    const m = {...base, severity: 'maintenance' as const}
    expect(incidentSpan({...m, activeFrom: '2026-11-25T14:20:00.000Z', events: []}, NOW).span!.start).toBe(
      t('2026-11-25T14:20:00Z'),
    )
    expect(incidentSpan({...m, activeFrom: undefined, events: []}, NOW).span!.start).toBe(t(base.startedAt))
  })

  it('reports an event dated before the opening (a clock jump) and draws from the consistent ones', () => {
    const r = incidentSpan(
      {
        ...base,
        resolvedAt: '2026-11-25T13:00:00.000Z',
        events: [
          {label: 'update 1', at: '2026-11-25T14:10:00.000Z'},
          {label: 'update 2', at: '2026-11-25T14:40:00.000Z'},
          {label: 'update 3', at: '2026-11-25T13:00:00.000Z'},
        ],
      },
      NOW,
    )
    expect(r.span).toEqual({...pick(base), start: t(base.startedAt), end: t('2026-11-25T14:40:00Z')})
    expect(r.problems).toEqual([
      'incident x: update 3 is dated 2026-11-25T13:00:00.000Z, before the incident opened (2026-11-25T14:00:00.000Z): a clock jump? Its time is left out of the bars and uptime',
    ])
    // A resolution from another channel, before the opening, with no consistent update: a point at the opening.
    const lone = incidentSpan({...base, resolvedAt: '2026-11-24T00:00:00.000Z', events: []}, NOW)
    expect(lone.span).toEqual({...pick(base), start: t(base.startedAt), end: t(base.startedAt)})
    expect(lone.problems[0]).toMatch(/resolved at 2026-11-24T00:00:00.000Z, before it opened/)
    // Unreadable times are reported, never thrown.
    expect(incidentSpan({...base, startedAt: 'yesterday', events: []}, NOW).problems[0]).toMatch(/not a date/)
    expect(incidentSpan({...base, events: [{label: 'update 1', at: 'soon'}]}, NOW).problems[0]).toMatch(/no readable/)
  })

  it('cuts times after now at now, and draws nothing that opens after now', () => {
    const future = incidentSpan({...base, resolvedAt: '2026-11-25T18:00:00.000Z', events: []}, NOW)
    expect(future.span!.end).toBe(NOW.getTime())
    expect(incidentSpan({...base, startedAt: '2026-11-26T00:00:00.000Z', events: []}, NOW).span).toBeUndefined()
  })
})

function pick(b: {id: string; severity: Span['severity']}) {
  return {id: b.id, severity: b.severity}
}

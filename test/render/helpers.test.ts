import {describe, expect, it} from 'vitest'
import {TEMPLATE_HELPERS} from '../../src/services/render/helpers.js'
import {formatTime, joinList} from '../../src/domain/time.js'

/**
 * English in UTC (the default) is formatted without Intl, for start-up time. These hold
 * each shortcut to what Intl itself writes for en-GB, which is the definition.
 */
const clock = {hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC'} as const
const day = {day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'} as const
const formats = {
  clock: new Intl.DateTimeFormat('en-GB', clock),
  day: new Intl.DateTimeFormat('en-GB', day),
  both: new Intl.DateTimeFormat('en-GB', {...day, ...clock}),
  zone: new Intl.DateTimeFormat('en-GB', {timeZone: 'UTC', timeZoneName: 'short'}),
}
const intl = {
  time: (d: Date) => `${formats.clock.format(d)} ${zone(d)}`,
  date: (d: Date) => formats.day.format(d),
  datetime: (d: Date) => `${formats.both.format(d)} ${zone(d)}`,
}
function zone(d: Date): string {
  return formats.zone.formatToParts(d).find((p) => p.type === 'timeZoneName')!.value
}

describe('English in UTC without Intl', () => {
  it('writes every month, day, hour and minute as Intl does for en-GB', () => {
    const dates: Date[] = []
    for (const year of [1999, 2026, 2100]) {
      for (let month = 0; month < 12; month++)
        for (const date of [1, 9, 10, 28])
          dates.push(new Date(Date.UTC(year, month, date, (month * 5) % 24, (date * 7) % 60)))
    }
    for (let hour = 0; hour < 24; hour++)
      for (const minute of [0, 5, 30, 59]) dates.push(new Date(Date.UTC(2026, 10, 25, hour, minute, 59, 999)))
    for (const d of dates) {
      for (const format of ['time', 'date', 'datetime'] as const)
        expect(formatTime(d, format), `${d.toISOString()} ${format}`).toBe(intl[format](d))
    }
    expect(formatTime(new Date(Date.UTC(2026, 8, 3, 7, 4)), 'datetime')).toBe('3 Sept 2026, 07:04 UTC') // en-GB's "Sept"
  })

  it('leaves years outside 1000-9999, other zones and other languages to Intl', () => {
    const ancient = new Date(Date.UTC(500, 0, 1))
    expect(formatTime(ancient, 'date')).toBe(intl.date(ancient))
    const d = new Date(Date.UTC(2026, 10, 25, 14, 30))
    expect(formatTime(d, 'time', 'America/New_York')).toBe('09:30 EST')
    expect(formatTime(d, 'date', 'UTC', 'de')).toBe(new Intl.DateTimeFormat('de', day).format(d))
  })

  it('joins lists as Intl.ListFormat does for en-GB', () => {
    const items = ['EU', 'US', 'APAC', 'LATAM']
    for (let n = 0; n <= items.length; n++) {
      const list = items.slice(0, n)
      expect(joinList(list, 'and')).toBe(
        new Intl.ListFormat('en-GB', {style: 'long', type: 'conjunction'}).format(list),
      )
      expect(joinList(list, 'or')).toBe(new Intl.ListFormat('en-GB', {style: 'long', type: 'disjunction'}).format(list))
    }
    expect(joinList(['A, B', 'C'])).toBe('A, B and C')
    expect(joinList(['EU', 'US'], 'and', 'en-US')).toBe('EU and US')
    expect(joinList(['EU', 'US', 'APAC'], 'and', 'en-US')).toBe('EU, US, and APAC') // en-US goes through Intl: Oxford comma
  })

  it('counts in English as Intl.PluralRules and NumberFormat do', () => {
    const data = {locale: 'en'}
    for (const n of [0, 1, 2, 11, 21, 101, 999, 1000, 12345, 1.5, -1]) {
      const rule = new Intl.PluralRules('en-GB').select(n)
      const expected = `${new Intl.NumberFormat('en-GB').format(n)} ${rule === 'one' ? 'region' : 'regions'}`
      expect(TEMPLATE_HELPERS.plural(n, 'region', {hash: {}, data}), String(n)).toBe(expected)
    }
  })
})

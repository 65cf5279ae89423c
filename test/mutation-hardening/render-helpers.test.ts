/**
 * The template helpers called directly, the way Handlebars calls them: their defaults when an
 * option is missing or empty, which locale wins, the clock they fall back to, the plural forms
 * and number formats by language, what counts as empty, and the checks `playbook validate` runs
 * on their literal options. Written from the mutants of services/render/helpers.ts.
 */
import type {HelperOptions} from 'handlebars'
import {describe, expect, it} from 'vitest'
import {HELPER_SIGNATURES, isEmptyValue, TEMPLATE_HELPERS} from '../../src/services/render/helpers.js'

const NOW = new Date('2026-11-25T14:00:00Z')
const LATER = new Date('2026-11-25T16:30:00Z')

/** What Handlebars passes as a helper's last argument. */
const opts = (hash?: Record<string, unknown>, data?: Record<string, unknown>) =>
  ({hash, data}) as unknown as HelperOptions

const {time, since, relative, list, plural} = TEMPLATE_HELPERS
const germanDate = new Intl.DateTimeFormat('de', {day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC'})

describe('time', () => {
  it('is the time in UTC when no option is given, or an option is empty or not text', () => {
    expect(time(LATER, opts())).toBe('16:30 UTC')
    expect(time(LATER, opts({}))).toBe('16:30 UTC')
    expect(time(LATER, opts({format: '', tz: ''}))).toBe('16:30 UTC')
    expect(time(LATER, opts({format: 3, tz: true}))).toBe('16:30 UTC')
    expect(time(LATER, opts({format: 'date', tz: 'Asia/Tokyo'}))).toBe('26 Nov 2026')
  })

  it("formats for the helper's own locale first, else the post's, else English", () => {
    expect(time(LATER, opts({format: 'date', locale: 'de'}, {locale: 'fr'}))).toBe(germanDate.format(LATER))
    expect(time(LATER, opts({format: 'date', locale: ''}, {locale: 'de'}))).toBe(germanDate.format(LATER))
    expect(time(LATER, opts({format: 'date'}, {locale: 'de'}))).toBe(germanDate.format(LATER))
    expect(time(LATER, opts({format: 'date'}, {}))).toBe('25 Nov 2026')
    expect(time(LATER, {hash: {format: 'date'}} as unknown as HelperOptions)).toBe('25 Nov 2026')
  })
})

describe('since and relative', () => {
  it('measure from the value to @now, in the locale', () => {
    expect(since(NOW, opts({}, {now: LATER}))).toBe('2 hours 30 minutes')
    expect(since('not a time', opts({}, {now: LATER}))).toBe('')
    expect(since(undefined, opts({}, {now: LATER}))).toBe('')
    expect(since(NOW, opts({locale: 'de'}, {now: LATER}))).not.toBe('2 hours 30 minutes')
    expect(relative(NOW, opts({}, {now: LATER}))).toBe('2 hours ago')
    expect(relative(LATER, opts({}, {now: NOW}))).toBe('in 3 hours') // 2.5 rounds up
    expect(relative(LATER, opts({}, {now: NOW, locale: 'de'}))).toBe('in 3 Stunden')
    expect(relative('never', opts({}, {now: NOW}))).toBe('')
  })

  it("measure from the clock's now when the template has no @now", () => {
    const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000 - 20_000)
    expect(since(threeHoursAgo, opts({}, {}))).toBe('3 hours')
    expect(since(threeHoursAgo, {hash: {}} as unknown as HelperOptions)).toBe('3 hours')
    const inFiveHours = new Date(Date.now() + 5 * 3_600_000 + 60_000)
    expect(relative(inFiveHours, opts({}, {}))).toBe('in 5 hours')
    expect(relative(inFiveHours, {hash: {}} as unknown as HelperOptions)).toBe('in 5 hours')
  })
})

describe('list', () => {
  it('joins with "or" only when asked, else "and", in the locale', () => {
    expect(list(['EU', 'US', 'APAC'], opts())).toBe('EU, US and APAC')
    expect(list(['EU', 'US'], opts({conjunction: 'or'}))).toBe('EU or US')
    expect(list(['EU', 'US'], opts({conjunction: 'xor'}))).toBe('EU and US')
    expect(list(['EU', 'US'], opts({conjunction: 'or', locale: 'de'}))).toBe('EU oder US')
    expect(list(['EU', 'US'], opts({}, {locale: 'de'}))).toBe('EU und US')
  })
})

describe('plural', () => {
  it('counts lists and numbers, with the plural given or an English "s"', () => {
    expect(plural(['EU'], 'region', opts())).toBe('1 region')
    expect(plural([], 'region', opts())).toBe('0 regions')
    expect(plural(['EU', 'US'], 'region', opts())).toBe('2 regions')
    expect(plural('1', 'person', 'people', opts())).toBe('1 person')
    expect(plural(3, 'person', 'people', opts())).toBe('3 people')
    expect(plural(999, 'person', 'people', opts())).toBe('999 people')
    expect(plural(1000, 'person', 'people', opts())).toBe('1,000 people')
    expect(plural(2, 'person', 7, opts())).toBe('2 persons') // a plural that is not text is no plural form
  })

  it('writes what is not a number as given, in the plural', () => {
    expect(plural('many', 'region', opts())).toBe('many regions')
    expect(plural(Number.NaN, 'region', opts())).toBe('NaN regions')
    expect(plural(Number.POSITIVE_INFINITY, 'Region', 'Regionen', opts({locale: 'de'}))).toBe('Infinity Regionen')
  })

  it('uses the language\'s plural rules and number format, and adds no "s" outside English', () => {
    expect(plural(1, 'Region', 'Regionen', opts({locale: 'de'}))).toBe('1 Region')
    expect(plural(1000, 'Region', 'Regionen', opts({locale: 'de'}))).toBe('1.000 Regionen')
    expect(plural(2, 'Region', opts({}, {locale: 'de'}))).toBe('2 Region')
    expect(plural(2, 'region', opts({locale: 'en-US'}))).toBe('2 regions')
    expect(plural(1, 'region', opts({locale: 'en-US'}))).toBe('1 region')
    expect(plural(0, 'région', 'régions', opts({locale: 'fr'}))).toBe('0 région') // French: zero is singular
    expect(plural(1.5, 'region', opts())).toBe('1.5 regions')
    expect(plural(-1, 'region', opts())).toBe('-1 region')
    expect(plural(3, '地域', opts({locale: 'ja'}))).toBe('3地域')
  })
})

describe('default and isEmptyValue', () => {
  it('falls back only for nothing: undefined, null, the empty text and the empty list', () => {
    for (const empty of [undefined, null, '', []]) {
      expect(isEmptyValue(empty), JSON.stringify(empty)).toBe(true)
      expect(TEMPLATE_HELPERS.default(empty, 'later')).toBe('later')
    }
    for (const value of [0, false, ' ', ['x'], {}, 'soon']) {
      expect(isEmptyValue(value), JSON.stringify(value)).toBe(false)
      expect(TEMPLATE_HELPERS.default(value, 'later')).toBe(value)
    }
  })
})

describe('the checks of literal options', () => {
  it('name an unknown time zone and a malformed language tag, and pass good ones', () => {
    const tz = HELPER_SIGNATURES.time.options.tz.check!
    expect(tz('Europe/Berlin')).toBeUndefined()
    expect(tz('Mars/Olympus')).toBe('unknown time zone "Mars/Olympus" (use an IANA name like Europe/Berlin or UTC)')
    const locale = HELPER_SIGNATURES.plural.options.locale.check!
    expect(locale('de-AT')).toBeUndefined()
    expect(locale('de_AT!')).toBe('"de_AT!" is not a language tag (e.g. en, de, ja, en-US)')
  })
})

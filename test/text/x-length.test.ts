import {readFileSync} from 'node:fs'
import yaml from 'js-yaml'
import {describe, expect, it} from 'vitest'
import {xIsValid, xWeightedLength} from '../../src/domain/text/length.js'

interface Case {
  description: string
  text: string
  expected: {weightedLength: number; valid: boolean}
}

// twitter-text's own conformance suite (validate.yml, v3 config with emoji discount).
const fixture = yaml.load(readFileSync(new URL('../fixtures/twitter-text/validate.yml', import.meta.url), 'utf8')) as {
  tests: Record<string, Case[]>
}
const cases = fixture.tests.WeightedTweetsWithDiscountedEmojiCounterTest ?? []

describe('X weighted length: twitter-text conformance (WeightedTweetsWithDiscountedEmojiCounterTest)', () => {
  it('loads the whole group, so the cases below cannot pass vacuously', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20)
    for (const c of cases) {
      expect(typeof c.text).toBe('string')
      expect(typeof c.expected.weightedLength).toBe('number')
      expect(typeof c.expected.valid).toBe('boolean')
    }
  })

  it('decodes the YAML escapes (\\uXXXX here, \\UXXXXXXXX elsewhere in the file)', () => {
    const punctuation = cases.find((c) => c.description.startsWith('Handle General Punctuation'))
    expect(punctuation?.text).toContain('\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u200B')
    expect(yaml.load('"\\U0001f431"')).toBe('🐱')
    const markers = fixture.tests.UnicodeDirectionalMarkerCounterTest ?? []
    expect(markers.some((c) => c.text.includes('\u2066') && c.text.includes('\u202A'))).toBe(true)
  })

  for (const [i, c] of cases.entries()) {
    it(`#${i + 1} ${c.description}`, () => {
      expect(xWeightedLength(c.text)).toBe(c.expected.weightedLength)
      expect(xIsValid(c.text)).toBe(c.expected.valid)
    })
  }
})

// What ships is dist/, bundled by scripts/bundle.mjs with core-js's polyfills left out of
// twitter-text: the same suite must give the same answers there (`npm test` builds first).
describe('the bundled counters (dist/domain/text/length.js) agree with the source on the whole suite', () => {
  it('gives every case the same X length and validity, and the same Mastodon and grapheme counts', async () => {
    const built = (await import(
      new URL('../../dist/domain/text/length.js', import.meta.url).href
    )) as typeof import('../../src/domain/text/length.js')
    const source = await import('../../src/domain/text/length.js')
    const texts = Object.values(fixture.tests)
      .flat()
      .map((c) => c.text)
      .filter((t): t is string => typeof t === 'string')
    expect(texts.length).toBeGreaterThan(50)
    for (const c of cases) {
      expect(built.xWeightedLength(c.text), c.description).toBe(c.expected.weightedLength)
      expect(built.xIsValid(c.text), c.description).toBe(c.expected.valid)
    }
    for (const t of texts) {
      expect(built.xWeightedLength(t)).toBe(source.xWeightedLength(t))
      expect(built.mastodonLength(t)).toBe(source.mastodonLength(t))
      expect(built.graphemeLength(t)).toBe(source.graphemeLength(t))
    }
  })
})

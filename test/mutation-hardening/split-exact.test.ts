import {describe, expect, it} from 'vitest'
import {splitIntoThread} from '../../src/domain/text/split.js'

// splitIntoThread on small texts with a plain code-point measure, where each split can be
// checked by hand: every part is as full as the rules allow (whole sentences first, then
// words, then graphemes), so a mutant that packs less, more or elsewhere shows. Written from
// the mutants of split.ts; test/text/split.test.ts checks the invariants on large texts.
const chars = (s: string) => [...s].length
const split = (text: string, limit: number) => splitIntoThread(text, {limit, measure: chars})

describe('splitIntoThread, exactly', () => {
  it('packs whole sentences while they fit, and does not start the next one', () => {
    expect(split('One. Two. Three. Four. Five.', 16)).toEqual([
      'One. Two. (1/4)',
      'Three. (2/4)',
      'Four. (3/4)',
      'Five. (4/4)',
    ])
  })

  it('breaks one long sentence between words, as many as fit', () => {
    expect(split('Alpha beta gamma delta epsilon zeta eta theta iota kappa', 20)).toEqual([
      'Alpha beta (1/5)',
      'gamma delta (2/5)',
      'epsilon zeta (3/5)',
      'eta theta iota (4/5)',
      'kappa (5/5)',
    ])
    expect(split('a b c d e f g h i j k l m n o p q r s t u v w x y z', 11)).toEqual([
      'a b c (1/9)',
      'd e f (2/9)',
      'g h i (3/9)',
      'j k l (4/9)',
      'm n o (5/9)',
      'p q r (6/9)',
      's t u (7/9)',
      'v w x (8/9)',
      'y z (9/9)',
    ])
  })

  it('ends sentences at line breaks, at ! ? … and after closing quotes', () => {
    expect(split('First line\nsecond line\nthird line', 18)).toEqual([
      'First line (1/3)',
      'second line (2/3)',
      'third line (3/3)',
    ])
    expect(split('He said "stop." Then we went home early today.', 24)).toEqual([
      'He said "stop." (1/3)',
      'Then we went home (2/3)',
      'early today. (3/3)',
    ])
    expect(split('Is it down? Yes! Fixing… Done.', 14)).toEqual([
      'Is it (1/5)',
      'down? (2/5)',
      'Yes! (3/5)',
      'Fixing… (4/5)',
      'Done. (5/5)',
    ])
  })

  it('breaks a word too long for a part between graphemes, filling each part', () => {
    expect(split('abcdefghijklmnopqrstuvwxyz', 12)).toEqual([
      'abcdef (1/5)',
      'ghijkl (2/5)',
      'mnopqr (3/5)',
      'stuvwx (4/5)',
      'yz (5/5)',
    ])
    // No-break spaces glue words into one.
    expect(split('word\u00a0glued\u00a0by\u00a0nbsp words here', 14)).toEqual([
      'word\u00a0glu (1/4)',
      'ed\u00a0by\u00a0nb (2/4)',
      'sp words (3/4)',
      'here (4/4)',
    ])
  })

  it('moves a URL that fits a part alone to the next part, and breaks one that does not', () => {
    expect(split('xxxxxxxxxxhttps://a.co/x', 20)).toEqual(['xxxxxxxxxx (1/2)', 'https://a.co/x (2/2)'])
    expect(split('see https://example.com/abc now', 20)).toEqual([
      'see (1/3)',
      'https://exampl (2/3)',
      'e.com/abc now (3/3)',
    ])
    expect(split('xxxxxxhttps://example.com/abcdef', 26)).toEqual(['xxxxxxhttps://exampl (1/2)', 'e.com/abcdef (2/2)'])
  })

  it('breaks a run of CJK text after a full stop where it can', () => {
    expect(split('東京は晴れ。大阪は雨。名古屋は曇り。', 12)).toEqual([
      '東京は晴れ。 (1/4)',
      '大阪は雨。 (2/4)',
      '名古屋は曇り (3/4)',
      '。 (4/4)',
    ])
  })

  it('breaks after a CJK full stop also in a run that ends in a URL', () => {
    // The URL runs to the end of the run (no space before it): the full stop lies before it, so
    // breaking there never cuts the URL.
    expect(split('東京は晴れ。大阪は雨です。名古屋https://a.co/x', 20)).toEqual([
      '東京は晴れ。大阪は雨です。 (1/3)',
      '名古屋 (2/3)',
      'https://a.co/x (3/3)',
    ])
  })

  it('returns text that fits, at the limit exactly, unchanged', () => {
    expect(split('abcde', 5)).toEqual(['abcde'])
    expect(split('abcdefghijk', 9)).toEqual(['abc (1/4)', 'def (2/4)', 'ghi (3/4)', 'jk (4/4)'])
  })

  it('refuses a limit that is not a positive number, whitespace over the limit, and a limit too small', () => {
    for (const limit of [0, -1, 0.5, Number.NaN])
      expect(() => split('abc', limit)).toThrow(`splitIntoThread: the limit must be a positive number, got ${limit}`)
    expect(() => split('   \t   ', 2)).toThrow(
      'splitIntoThread: the text is only whitespace but measures over the limit of 2',
    )
    expect(() => split('abcdefghij', 5)).toThrow(
      'splitIntoThread: a limit of 5 is too small to split this text into a thread: a part must hold the numbering suffix "(1/2)" and at least one character ("a" measures 7 with it)',
    )
    expect(() => split('abcdef', 1)).toThrow(/a limit of 1 is too small/)
  })

  it('breaks a long run of CJK text after its last sentence end that fits, not in the middle of a sentence', () => {
    // No spaces: the whole text is one "word", so the break falls between graphemes, preferably after 。
    const parts = split('障害が発生しています。復旧作業中です。ご不便をおかけします。', 20)
    expect(parts).toEqual(['障害が発生しています。 (1/3)', '復旧作業中です。 (2/3)', 'ご不便をおかけします。 (3/3)'])
  })
})

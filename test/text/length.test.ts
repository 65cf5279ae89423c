import {describe, expect, it} from 'vitest'
import {
  codePointLength,
  graphemeEnds,
  graphemeLength,
  mastodonLength,
  xIsValid,
  xWeightedLength,
} from '../../src/domain/text/length.js'

const FAMILY = '👨‍👩‍👧‍👦' // man, ZWJ, woman, ZWJ, girl, ZWJ, boy: 7 code points, 11 UTF-16 units
const FLAG = '🇩🇪'
const LONG_URL = `https://status.example.com/incidents/2026-11-25/${'a'.repeat(200)}`

describe('mastodonLength', () => {
  it('counts plain text in grapheme clusters', () => {
    expect(mastodonLength('')).toBe(0)
    expect(mastodonLength('Hello')).toBe(5)
    expect(mastodonLength('café')).toBe(4)
    expect(mastodonLength('cafe\u0301')).toBe(4) // e + combining acute is one grapheme
  })

  it('counts an emoji ZWJ family, a flag and a skin-toned emoji as 1 each', () => {
    expect(mastodonLength(FAMILY)).toBe(1)
    expect(mastodonLength(FLAG)).toBe(1)
    expect(mastodonLength('👍🏽')).toBe(1)
    expect(mastodonLength(`a${FAMILY}b`)).toBe(3)
  })

  it('counts every http(s) URL as 23, however long or short', () => {
    expect(mastodonLength('https://x.co')).toBe(23)
    expect(mastodonLength(LONG_URL)).toBe(23)
    expect(mastodonLength('http://example.com/a?b=c#d')).toBe(23)
    expect(mastodonLength(`Status: ${LONG_URL} (updates every 30 min)`)).toBe(8 + 23 + 23)
    expect(mastodonLength(`${LONG_URL} ${LONG_URL}`)).toBe(23 + 1 + 23)
  })

  it('leaves trailing punctuation out of the URL, as the server does', () => {
    expect(mastodonLength('See https://example.com/status.')).toBe(4 + 23 + 1)
    expect(mastodonLength('(https://example.com/a)')).toBe(1 + 23 + 1)
  })

  it('does not discount URLs without a protocol', () => {
    expect(mastodonLength('example.com/status')).toBe(18)
  })

  it('counts a remote mention as its local part only', () => {
    expect(mastodonLength('@alice@mastodon.social')).toBe(6)
    expect(mastodonLength('cc @ops_team@hachyderm.io and @bob')).toBe(3 + 9 + 5 + 4)
    expect(mastodonLength('@alice')).toBe(6)
    expect(mastodonLength('@alice@sub.domain.example.org, thanks')).toBe(6 + 8)
  })

  it('does not treat e-mail addresses as mentions', () => {
    expect(mastodonLength('mail support@example.com')).toBe(24)
  })

  it('combines URLs, mentions and emoji', () => {
    const text = `🚨 @sre@ops.example.net see https://status.example.com/i/42 ${FAMILY}`
    expect(mastodonLength(text)).toBe(1 + 1 + 4 + 1 + 3 + 1 + 23 + 1 + 1)
  })
})

describe('graphemeLength (Bluesky: 300)', () => {
  it('counts user-perceived characters', () => {
    expect(graphemeLength('')).toBe(0)
    expect(graphemeLength('abc')).toBe(3)
    expect(graphemeLength('a\r\nb\n\r\r\n')).toBe(6) // CR LF is one cluster, LF CR two
    expect(graphemeLength(FAMILY)).toBe(1)
    expect(graphemeLength(`${FLAG}${FLAG}`)).toBe(2)
    expect(graphemeLength('1️⃣')).toBe(1)
    expect(graphemeLength('한국어')).toBe(3)
    expect(graphemeLength('\u1100\u1161\u11A8')).toBe(1) // conjoining jamo form one syllable
  })

  it('does not discount URLs (Bluesky counts the text as written)', () => {
    expect(graphemeLength(LONG_URL)).toBe(LONG_URL.length)
  })
})

describe('graphemeEnds and long text', () => {
  const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'})
  const reference = (s: string): number[] => Array.from(segmenter.segment(s), (g) => g.index + g.segment.length)

  it('agrees with one pass of Intl.Segmenter across its internal chunks', () => {
    // Flags (regional indicator pairs), ZWJ sequences, a cluster longer than a chunk, surrogate pairs at every offset.
    const pieces = [
      '🇩🇪🇫🇷🇯🇵',
      FAMILY,
      'e' + '\u0301'.repeat(700),
      '😀',
      'abc',
      '👩🏽‍💻',
      '\uD83D',
      ' ',
      '故人',
      '1️⃣',
      '\r\n',
    ]
    let text = ''
    for (let k = 0; k < 400; k++) text += pieces[(k * 5 + (k >> 3)) % pieces.length]
    for (let shift = 0; shift < 4; shift++) {
      const t = 'x'.repeat(shift) + text
      expect(graphemeEnds(t)).toEqual(reference(t))
      expect(graphemeLength(t)).toBe(reference(t).length)
    }
    expect(graphemeEnds('')).toEqual([])
  })

  // Speed is measured in bench/, not asserted here: this checks long inputs count right.
  it('counts 100 kB inputs', () => {
    expect(graphemeLength('東'.repeat(100_000))).toBe(100_000)
    expect(graphemeLength(FLAG.repeat(25_000))).toBe(25_000)
  })
})

// Bluesky's 3000-byte limit is counted with Buffer.byteLength (render-phase.ts): these are the counts it relies on.
describe('Buffer.byteLength for Bluesky (3000 bytes)', () => {
  it('counts 1 to 4 bytes per code point, a lone surrogate as U+FFFD (3 bytes)', () => {
    expect(Buffer.byteLength(FAMILY, 'utf8')).toBe(4 * 4 + 3 * 3)
    expect(Buffer.byteLength('\uD83D', 'utf8')).toBe(3)
    expect(Buffer.byteLength('a\uDE00b', 'utf8')).toBe(5)
  })
})

describe('codePointLength', () => {
  it('counts code points, not UTF-16 units or graphemes', () => {
    expect(codePointLength('')).toBe(0)
    expect(codePointLength('abc')).toBe(3)
    expect(codePointLength('😀')).toBe(1)
    expect(codePointLength(FAMILY)).toBe(7)
    expect(codePointLength(FLAG)).toBe(2)
    expect(codePointLength('\uD83D')).toBe(1)
    expect(codePointLength(`x${FAMILY}y`)).toBe([...`x${FAMILY}y`].length)
  })
})

describe('xWeightedLength', () => {
  it('weighs URLs 23, emoji 2, CJK 2 and latin 1', () => {
    expect(xWeightedLength('hello')).toBe(5)
    expect(xWeightedLength(LONG_URL)).toBe(23)
    expect(xWeightedLength(FAMILY)).toBe(2)
    expect(xWeightedLength('故人')).toBe(4)
  })

  it('accepts 280 and rejects 281 or an empty post', () => {
    expect(xIsValid('a'.repeat(280))).toBe(true)
    expect(xIsValid('a'.repeat(281))).toBe(false)
    expect(xIsValid('')).toBe(false)
  })
})

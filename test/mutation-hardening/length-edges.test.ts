import {describe, expect, it} from 'vitest'
import {codePointLength, graphemeEnds, graphemeLength, mastodonLength} from '../../src/domain/text/length.js'

// Edges of the length rules that survived as mutants of length.ts: CR LF (one cluster) at
// the very start and in runs, surrogate ranges at their bounds, clusters across chunk ends.
describe('graphemeLength and graphemeEnds at the edges', () => {
  it('counts CR LF as one cluster wherever it is, in ASCII and beyond', () => {
    expect(graphemeLength('\r\nab')).toBe(3)
    expect(graphemeLength('a\r\n')).toBe(2)
    expect(graphemeLength('\r\n\r\n\r\n')).toBe(3)
    expect(graphemeLength('\r\r\n\n')).toBe(3)
    expect(graphemeLength('\r\né')).toBe(2)
    expect(graphemeEnds('\r\nab')).toEqual([2, 3, 4])
    expect(graphemeEnds('a')).toEqual([1])
  })

  it('treats DEL as ASCII and anything above as text to segment', () => {
    expect(graphemeLength('\x7f\x7f')).toBe(2)
    expect(graphemeLength('e\u0301\x80')).toBe(2)
  })

  it('keeps a cluster whole across the end of each chunk, whatever its length', () => {
    for (const n of [255, 256, 257, 511, 512, 513]) {
      const text = 'a'.repeat(n - 1) + '😀' + 'e\u0301'.repeat(3)
      expect(graphemeLength(text)).toBe(n + 3)
      expect(graphemeEnds(text).at(-1)).toBe(text.length)
    }
    const long = 'x' + 'e' + '\u0301'.repeat(600) + 'y'
    expect(graphemeEnds(long)).toEqual([1, 602, 603])
  })
})

describe('codePointLength at the surrogate bounds', () => {
  it('pairs exactly a high surrogate (D800-DBFF) with a low one (DC00-DFFF)', () => {
    expect(codePointLength('\ud800\udc00')).toBe(1)
    expect(codePointLength('\udbff\udfff')).toBe(1)
    expect(codePointLength('\ud7ff\udc00')).toBe(2)
    expect(codePointLength('\udc00\udc00')).toBe(2)
    expect(codePointLength('\ud800\ue000')).toBe(2)
    expect(codePointLength('\ud800\udbff')).toBe(2)
    expect(codePointLength('a\ud800')).toBe(2)
  })
})

describe('mastodonLength with entities next to each other', () => {
  it('counts text before, between and after URLs and mentions', () => {
    expect(mastodonLength('https://a.co https://b.co')).toBe(23 + 1 + 23)
    expect(mastodonLength('x@a@b.example.com')).toBe('x@a@b.example.com'.length)
    expect(mastodonLength('@a@b.example.com: https://c.co.')).toBe('@a: '.length + 23 + 1)
    expect(mastodonLength('😀 @a@b.example.com')).toBe(1 + 1 + 2)
  })
})

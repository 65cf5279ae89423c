import {describe, expect, it} from 'vitest'
import {codePointLength, graphemeLength, mastodonLength, xWeightedLength} from '../../src/domain/text/length.js'
import {splitIntoThread, type SplitOptions} from '../../src/domain/text/split.js'
import {mulberry32} from '../helpers/random.js'

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'})
const graphemesOf = (s: string): string[] => Array.from(segmenter.segment(s), (g) => g.segment)
const norm = (s: string): string => s.replace(/\s+/g, ' ').trim()
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const URL_RE = /https?:\/\/\S+/g
const FAMILY = '👨‍👩‍👧‍👦'

const X: SplitOptions = {limit: 280, measure: xWeightedLength}
const BLUESKY: SplitOptions = {limit: 300, measure: graphemeLength}

/** Removes and checks the ` (i/N)` suffixes; returns the bodies. */
function bodiesOf(parts: string[]): string[] {
  const n = parts.length
  return parts.map((part, i) => {
    const suffix = ` (${i + 1}/${n})`
    expect(part.endsWith(suffix), `part ${i + 1} ends with "${suffix}": ${JSON.stringify(part.slice(-20))}`).toBe(true)
    return part.slice(0, -suffix.length)
  })
}

/**
 * The invariants every split must keep. Bodies are joined by a space where the
 * break was at whitespace and by nothing where a word was broken, so the check
 * walks the normalised original rather than comparing one join.
 */
function checkSplit(text: string, opts: SplitOptions): string[] {
  const parts = splitIntoThread(text, opts)
  if (opts.measure(text) <= opts.limit) {
    expect(parts).toEqual([text])
    return parts
  }
  expect(parts.length).toBeGreaterThanOrEqual(2)
  for (const [i, part] of parts.entries()) {
    expect(
      opts.measure(part),
      `part ${i + 1}/${parts.length} within the limit: ${JSON.stringify(part)}`,
    ).toBeLessThanOrEqual(opts.limit)
    expect(LONE_SURROGATE.test(part), `part ${i + 1} has no broken surrogate pair`).toBe(false)
  }
  const bodies = bodiesOf(parts)
  for (const body of bodies) {
    expect(body.length).toBeGreaterThan(0)
    expect(body, 'no whitespace at the breaks').toBe(body.trim())
  }
  // Nothing lost or reordered.
  const whole = norm(text)
  let at = 0
  for (const [i, body] of bodies.entries()) {
    const b = norm(body)
    expect(
      whole.startsWith(b, at),
      `body ${i + 1} continues the text at ${at}: ${JSON.stringify(b.slice(0, 40))}`,
    ).toBe(true)
    at += b.length
    if (whole[at] === ' ') at++
  }
  expect(at).toBe(whole.length)
  // No grapheme cluster (emoji ZWJ sequence, flag, combining mark) was cut.
  const nonSpace = (g: string): boolean => !/^\s+$/.test(g)
  expect(bodies.flatMap((b) => graphemesOf(b)).filter(nonSpace)).toEqual(graphemesOf(text).filter(nonSpace))
  return bodies
}

const sentence = (k: number): string => `Sentence ${k} says the checkout service is degraded and we are rolling back.`

describe('splitIntoThread', () => {
  it('returns text that fits unchanged, whitespace and all', () => {
    const text = '  Checkout is down.\n\nWe are   on it.  '
    expect(splitIntoThread(text, X)).toEqual([text])
    const exact = 'a'.repeat(280)
    expect(splitIntoThread(exact, X)).toEqual([exact])
  })

  it('breaks long text at sentence ends, packing as many whole sentences as fit', () => {
    const sentences = Array.from({length: 30}, (_, k) => sentence(k + 1))
    const text = sentences.join(' ')
    const parts = splitIntoThread(text, X)
    const bodies = checkSplit(text, X)
    expect(bodies.join(' ')).toBe(text)
    for (const [i, body] of bodies.entries()) {
      expect(body).toMatch(/^Sentence \d+ .*rolling back\.$/)
      if (i + 1 < bodies.length) {
        // Greedy: the next sentence would not have fitted.
        const next = bodies[i + 1]!.slice(0, bodies[i + 1]!.indexOf('.') + 1)
        expect(xWeightedLength(`${body} ${next} (${i + 1}/${parts.length})`)).toBeGreaterThan(280)
      }
    }
  })

  it('treats line breaks and ! ? … as sentence ends and drops the whitespace at breaks', () => {
    const paragraph = (k: number): string =>
      `Update ${k}: ${'we are still investigating the elevated error rates '.repeat(2).trim()}`
    const text = [1, 2, 3, 4, 5, 6].map(paragraph).join('\n\n') + '\n'
    const bodies = checkSplit(text, X)
    for (const body of bodies) expect(body).toMatch(/^Update \d+:.*rates$/s)
    for (const end of ['!', '?', '…']) {
      const t = Array.from({length: 12}, (_, k) => `Item ${k} is done${end}`).join(' ')
      const small = {limit: 60, measure: graphemeLength}
      for (const body of checkSplit(t, small)) expect(body.endsWith(end)).toBe(true)
    }
  })

  it('splits one giant sentence between words, greedily', () => {
    const vocabulary = [
      'database',
      'failover',
      'in',
      'progress',
      'eu-west',
      'customers',
      'may',
      'see',
      'errors',
      'retrying',
    ]
    const words = Array.from({length: 400}, (_, k) => vocabulary[(k * 7) % vocabulary.length]!)
    const text = words.join(' ')
    const parts = splitIntoThread(text, X)
    const bodies = checkSplit(text, X)
    expect(bodies.join(' ')).toBe(text)
    for (const body of bodies) for (const w of body.split(' ')) expect(vocabulary).toContain(w)
    for (const [i, body] of bodies.slice(0, -1).entries()) {
      const nextWord = bodies[i + 1]!.split(' ')[0]!
      expect(xWeightedLength(`${body} ${nextWord} (${i + 1}/${parts.length})`)).toBeGreaterThan(280)
    }
  })

  it('splits a 600-character word without spaces between graphemes', () => {
    const word = Array.from({length: 600}, (_, k) => String.fromCharCode(97 + (k % 26))).join('')
    const bodies = checkSplit(word, BLUESKY)
    expect(bodies.join('')).toBe(word)
    expect(bodies).toHaveLength(3)
    expect(bodies[0]).toHaveLength(300 - ' (1/3)'.length)
    const xBodies = checkSplit(word, X)
    expect(xBodies.join('')).toBe(word)
  })

  it('keeps every part within 280 weighted characters on X and 300 graphemes on Bluesky', () => {
    const text = [
      `🚨 Incident update ${FAMILY}: the payment API in 東京 and 大阪 is returning errors for about 12% of requests.`,
      'Status page: https://status.example.com/incidents/01HZXK3Q7Y9W2V5T8R6N4M1P0B?utm_source=x&utm_medium=social.',
      '故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。'.repeat(3),
      'We rolled back release 2026.11.25-3 🔁 and are watching the error rate 📉. Next update in 30 minutes.',
      `Affected regions 🇩🇪 🇫🇷 🇯🇵 🇺🇸; customers 👩🏽‍💻👨🏿‍🔧 may need to retry. ${'Thank you for your patience! '.repeat(8)}`,
    ].join('\n\n')
    for (const opts of [X, BLUESKY, {limit: 500, measure: mastodonLength}, {limit: 120, measure: codePointLength}]) {
      checkSplit(text.repeat(3), opts)
    }
  })

  it('numbers parts i/N and accounts for the wider suffix from 9 to 10 parts', () => {
    const opts = {limit: 30, measure: graphemeLength}
    const text = (count: number): string => Array.from({length: count}, (_, k) => `w${k % 10}rd`).join(' ')
    // With " (i/9)" a part holds five 4-letter words (24 + 6 = 30); with " (i/10)" only four.
    const nine = splitIntoThread(text(45), opts)
    expect(nine).toHaveLength(9)
    expect(nine[0]).toBe('w0rd w1rd w2rd w3rd w4rd (1/9)')
    expect(nine[8]).toBe('w0rd w1rd w2rd w3rd w4rd (9/9)')
    // One more word needs a tenth part, which widens every suffix, which needs 12 parts.
    const twelve = splitIntoThread(text(46), opts)
    expect(twelve).toHaveLength(12)
    expect(twelve[0]).toBe('w0rd w1rd w2rd w3rd (1/12)')
    expect(twelve[9]).toBe('w6rd w7rd w8rd w9rd (10/12)')
    expect(twelve[11]).toBe('w4rd w5rd (12/12)')
    for (let count = 10; count <= 80; count++) checkSplit(text(count), opts)
  })

  it('settles N by iteration when a word is broken across the 9→10 boundary', () => {
    // 40 graphemes at a limit of 10: 4 per part with " (i/4)" makes 10 parts, but with " (i/10)"
    // only 3 fit, and from part 10 on (" (10/16)") only 2: 9 × 3 + 7 × 2 ≥ 40, so 16 parts.
    const word = 'abcd'.repeat(10)
    const parts = splitIntoThread(word, {limit: 10, measure: graphemeLength})
    expect(parts).toHaveLength(16)
    expect(parts[0]).toBe('abc (1/16)')
    expect(parts[8]).toBe('abc (9/16)')
    expect(parts[9]).toBe('da (10/16)')
    expect(parts[15]).toBe('d (16/16)')
    expect(bodiesOf(parts).join('')).toBe(word)
    // Exactly nine one-digit parts stay nine.
    expect(splitIntoThread('abcd'.repeat(9), {limit: 10, measure: graphemeLength})).toHaveLength(9)
  })

  it('reaches 100+ parts with three-digit numbering', () => {
    const text = Array.from({length: 900}, (_, k) => `word${k}`).join(' ')
    const opts = {limit: 40, measure: graphemeLength}
    const parts = splitIntoThread(text, opts)
    expect(parts.length).toBeGreaterThanOrEqual(100)
    expect(parts.at(-1)!.endsWith(` (${parts.length}/${parts.length})`)).toBe(true)
    checkSplit(text, opts)
  })

  it('never breaks emoji ZWJ sequences, flags or surrogate pairs', () => {
    const emojiRun = (FAMILY + '🇯🇵' + '👩🏽‍💻' + '😀').repeat(60)
    for (const opts of [
      {limit: 30, measure: graphemeLength},
      {limit: 50, measure: xWeightedLength},
      {limit: 45, measure: codePointLength},
      {limit: 100, measure: (s: string) => s.length},
    ]) {
      const bodies = checkSplit(emojiRun, opts)
      expect(bodies.join('')).toBe(emojiRun)
    }
  })

  it('keeps URLs whole', () => {
    const urls = Array.from(
      {length: 20},
      (_, k) => `https://status.example.com/incidents/${k}/updates?lang=en&page=${k}`,
    )
    const text = urls.map((u, k) => `Update ${k} is at ${u} for details.`).join(' ')
    for (const opts of [{limit: 120, measure: graphemeLength}, X, {limit: 100, measure: mastodonLength}]) {
      const bodies = checkSplit(text, opts)
      const found = bodies.flatMap((b) => b.match(URL_RE) ?? []).map((u) => u.replace(/\.$/, ''))
      expect(found).toEqual(urls)
    }
  })

  it('breaks a too-long word before a URL glued to it, and inside a URL only when it alone is too long', () => {
    const url = 'https://status.example.com/i/42'
    const glued = 'x'.repeat(280) + url
    const bodies = checkSplit(glued, BLUESKY)
    expect(bodies).toEqual(['x'.repeat(280), url])

    const hugeUrl = `https://status.example.com/${'a'.repeat(400)}`
    const parts = checkSplit(hugeUrl, BLUESKY)
    expect(parts.join('')).toBe(hugeUrl)
  })

  it('prefers to break a run of CJK text after a full stop', () => {
    const text = '故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。'.repeat(4)
    const bodies = checkSplit(text, X)
    for (const body of bodies.slice(0, -1)) expect(body.endsWith('。')).toBe(true)
    expect(bodies.join('')).toBe(text)
  })

  it('throws a clear error when the limit cannot hold the suffix and one character', () => {
    expect(() => splitIntoThread('abcdefghij', {limit: 5, measure: graphemeLength})).toThrow(/too small/)
    // " (1/9)" plus one character fits 7, but ten parts need " (10/10)".
    expect(() => splitIntoThread('abcdefghij', {limit: 7, measure: graphemeLength})).toThrow(/too small/)
    expect(splitIntoThread('abcdefgh', {limit: 7, measure: graphemeLength})).toHaveLength(8)
    expect(() => splitIntoThread('x'.repeat(300), {limit: 0, measure: graphemeLength})).toThrow()
  })

  it('splits 100 kB inputs, every part within the limit', () => {
    const chunk = `${sentence(1)} ${'status update with a https://status.example.com/i/1 link and 東京 '.repeat(3)}${FAMILY} `
    const text = chunk.repeat(Math.ceil(100_000 / chunk.length))
    const noSentences = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(100_000 / 27))
    const parts = splitIntoThread(text, X)
    const parts2 = splitIntoThread(noSentences, X)
    const parts3 = splitIntoThread('y'.repeat(100_000), BLUESKY)
    expect(parts.length).toBeGreaterThan(300)
    expect(parts2.length).toBeGreaterThan(300)
    expect(parts3.length).toBeGreaterThan(300)
    for (const p of [...parts, ...parts2]) expect(xWeightedLength(p)).toBeLessThanOrEqual(280)
  })
})

describe('splitIntoThread: randomized invariants', () => {
  const prng = mulberry32 // seeded: the inputs vary reproducibly

  const WORDS = [
    'the',
    'database',
    'is',
    'failing',
    'over',
    'to',
    'eu-west-1',
    'customers',
    'may',
    'see',
    'errors',
    'x'.repeat(40),
    'retrying…',
    'done.',
    'why?',
    'now!',
  ]
  const EMOJI = ['🚨', '😀', FAMILY, '🇯🇵', '👩🏽‍💻', '1️⃣', '❤️', 'é', 'e\u0301']
  const CJK = ['東京', '大阪で障害が発生しました。', '故人西辞黄鹤楼', '復旧作業中です！', '한국어']
  const SEPARATORS = [' ', ' ', ' ', ' ', '  ', '\n', '\n\n', ' \t ']
  const CONFIGS: SplitOptions[] = [
    X,
    BLUESKY,
    {limit: 500, measure: mastodonLength},
    {limit: 80, measure: graphemeLength},
    {limit: 40, measure: xWeightedLength},
    {limit: 80, measure: codePointLength},
  ]

  it('keeps every invariant on 200 random texts', () => {
    const random = prng(20261125)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
    for (let round = 0; round < 200; round++) {
      const tokens: string[] = []
      const count = 1 + Math.floor(random() * 250)
      for (let k = 0; k < count; k++) {
        const r = random()
        let token: string
        if (r < 0.6) token = pick(WORDS)
        else if (r < 0.75) token = pick(EMOJI)
        else if (r < 0.87) token = pick(CJK)
        else if (r < 0.95)
          token = `https://status.example.com/${Math.floor(random() * 1e6).toString(36)}/${'p'.repeat(Math.floor(random() * 30))}`
        else token = pick(EMOJI) + pick(CJK) + pick(WORDS) // glued, no spaces
        tokens.push(token, pick(SEPARATORS))
      }
      const text = (random() < 0.2 ? '  ' : '') + tokens.join('')
      const opts = CONFIGS[round % CONFIGS.length]!
      const parts = checkSplit(text, opts)
      if (opts.measure(text) > opts.limit) {
        // URLs fit every configured limit, so none may be cut.
        const urls = text.match(URL_RE) ?? []
        const found = parts.flatMap((b) => b.match(URL_RE) ?? [])
        expect(found, `round ${round}`).toEqual(urls)
      }
    }
  })
})

import {graphemeEnds} from './length.js'

/**
 * Splits an over-long post into a numbered thread. Pure: no I/O, no platform
 * knowledge beyond the `measure` function it is given.
 */

/** How to split: the platform's limit and its way of measuring text. */
export interface SplitOptions {
  /** The most `measure` may return for any part, numbering suffix included. */
  limit: number
  /** The platform's length rule, e.g. `xWeightedLength` or `graphemeLength`. */
  measure: (text: string) => number
}

/** Whitespace a post may be broken at: all of `\s` except the no-break spaces. */
const BREAKABLE_SPACE = /[^\S\u00A0\u2007\u202F\uFEFF]+/g
const NEWLINE = /[\n\r\v\f\u0085\u2028\u2029]/
/** A word that ends a sentence: terminal punctuation, then any closing quotes or brackets. */
const SENTENCE_END = /[.!?…‼⁇⁈⁉。！？][\p{Pe}\p{Pf}"'»]*$/u
/** Inside a run without spaces (CJK), prefer to break after a full-width sentence terminator. */
const CJK_SENTENCE_END = new Set(['。', '！', '？', '．'])
const URL_IN_WORD = /(?:https?:\/\/|www\.)\S+/giu
const MAX_ROUNDS = 16

interface Word {
  start: number
  end: number
}

interface WordAtoms {
  word: number
  /** Absolute offsets of the grapheme boundaries after the word's start, its end included. */
  bounds: number[]
  /** URLs inside the word, absolute [start, end). */
  urls: Array<[number, number]>
}

const suffixFor = (i: number, n: number): string => ` (${i}/${n})`

/**
 * Splits `text` into a numbered thread whose every part, with its
 * ` (i/N)` suffix, measures at most `limit`. Text that already fits comes back
 * unchanged as the only element.
 *
 * Parts end preferably at sentence ends (`.`, `!`, `?`, `…` before whitespace, or a
 * line break), else between words, and only inside a word that alone is too long
 * (between grapheme clusters, never inside a URL that would fit on its own).
 * Parts are packed greedily; whitespace at the breaks is dropped, nothing else.
 *
 * @throws Error when the limit cannot hold the numbering suffix plus one character.
 */
export function splitIntoThread(text: string, opts: SplitOptions): string[] {
  const {limit, measure} = opts
  const total = measure(text)
  if (total <= limit) return [text]
  if (!Number.isFinite(limit) || limit < 1)
    throw new Error(`splitIntoThread: the limit must be a positive number, got ${limit}`)

  const words = tokenize(text)
  if (words.length === 0)
    throw new Error(`splitIntoThread: the text is only whitespace but measures over the limit of ${limit}`)
  // Indices of the words after which a sentence ends; the last word always does.
  const sentenceEnds: number[] = []
  for (let k = 0; k < words.length; k++) {
    const word = words[k]!
    const next = words[k + 1]
    if (!next || SENTENCE_END.test(text.slice(word.start, word.end)) || NEWLINE.test(text.slice(word.end, next.start)))
      sentenceEnds.push(k)
  }

  const packer = new Packer(text, words, sentenceEnds, limit, measure)
  // The suffix width depends on N (from 9 to 10 parts, 99 to 100…): repack until the count is stable.
  let n = Math.max(2, Math.ceil(total / limit))
  const tried = new Map<number, string[]>()
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const parts = packer.pack(n)
    if (parts.length === n) return parts.map((p, i) => p + suffixFor(i + 1, n))
    tried.set(n, parts)
    if (tried.has(parts.length)) break
    n = parts.length
  }
  // The count oscillates (only possible with an odd measure): take a packing that
  // came out shorter than the N it was numbered for and renumber it, if it still fits.
  for (const [assumed, parts] of [...tried].sort((a, b) => a[1].length - b[1].length)) {
    if (parts.length > assumed) continue
    const numbered = parts.map((p, i) => p + suffixFor(i + 1, parts.length))
    if (numbered.every((p) => measure(p) <= limit)) return numbered
  }
  throw new Error(`splitIntoThread: could not settle the number of parts for a limit of ${limit}`)
}

/** Maximal runs of non-breakable characters, with their offsets. */
function tokenize(text: string): Word[] {
  const words: Word[] = []
  let start = 0
  for (const m of text.matchAll(BREAKABLE_SPACE)) {
    if (m.index > start) words.push({start, end: m.index})
    start = m.index + m[0].length
  }
  if (start < text.length) words.push({start, end: text.length})
  return words
}

/**
 * Largest j in [lo, hi) with pred(j), probing lo, lo+1, lo+3, lo+7… then bisecting,
 * so a part costs O(log n) measurements of strings at most about twice its size.
 * Assumes pred is (mostly) monotonic; whatever it returns has pred true. -1 if pred(lo) fails.
 */
function gallop(lo: number, hi: number, pred: (j: number) => boolean): number {
  if (lo >= hi || !pred(lo)) return -1
  let good = lo
  let bad = hi
  for (let step = 1; ; step *= 2) {
    const probe = good + step
    if (probe >= hi) break
    if (pred(probe)) good = probe
    else {
      bad = probe
      break
    }
  }
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1
    if (pred(mid)) good = mid
    else bad = mid
  }
  return good
}

class Packer {
  private atoms: WordAtoms | undefined

  constructor(
    private readonly text: string,
    private readonly words: Word[],
    private readonly sentenceEnds: number[],
    private readonly limit: number,
    private readonly measure: (text: string) => number,
  ) {}

  /** Packs the whole text greedily, numbering parts as of `n` in total; returns the parts without suffixes. */
  pack(n: number): string[] {
    const {text, words, sentenceEnds} = this
    const parts: string[] = []
    let w = 0
    let pos = words[0]!.start
    let s = 0
    while (w < words.length) {
      while (sentenceEnds[s]! < w) s++
      const end = this.partEnd(pos, w, s, suffixFor(parts.length + 1, n))
      parts.push(text.slice(pos, end))
      const word = words[w]!
      if (end > word.start && end < word.end) {
        pos = end // broke inside word w
        continue
      }
      while (w < words.length && words[w]!.end <= end) w++
      if (w < words.length) pos = words[w]!.start
    }
    return parts
  }

  /** Where the part starting at `pos` (inside or at the start of word `w`, in sentence `s`) ends. */
  private partEnd(pos: number, w: number, s: number, suffix: string): number {
    const {text, words, sentenceEnds, limit, measure} = this
    const fits = (end: number): boolean => measure(text.slice(pos, end) + suffix) <= limit
    const fitsWord = (j: number): boolean => fits(words[j]!.end)

    let last = -1 // the last word known to fit whole (or its remainder, when pos is inside it)
    if (pos > words[w]!.start) {
      // Continuing a word broken in the previous part: grow grapheme by grapheme (galloping).
      const end = this.insideWord(pos, w, suffix, fits)
      if (end < words[w]!.end) return end
      last = w
    }

    // Words of the current sentence.
    const sentenceLast = sentenceEnds[s]!
    if (last < sentenceLast) {
      const k = gallop(last < 0 ? w : last + 1, sentenceLast + 1, fitsWord)
      if (k >= 0) last = k
      else if (last < 0) {
        // The first word alone is too long: last resort, break inside it.
        const end = this.insideWord(pos, w, suffix, fits)
        if (end < words[w]!.end) return end
        last = w
      }
      if (last < sentenceLast) return words[last]!.end
    }

    // The sentence is complete: add as many whole sentences as fit.
    const ks = gallop(s + 1, sentenceEnds.length, (j) => fitsWord(sentenceEnds[j]!))
    return words[ks >= 0 ? sentenceEnds[ks]! : last]!.end
  }

  /**
   * The furthest grapheme boundary of word `w` after `pos` that fits, not inside a
   * URL that would fit a part alone, preferring the end of a CJK sentence.
   */
  private insideWord(pos: number, w: number, suffix: string, fits: (end: number) => boolean): number {
    const {text, limit, measure} = this
    const {bounds, urls} = this.atomsOf(w)
    let lo = 0
    let hi = bounds.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (bounds[mid]! <= pos) lo = mid + 1
      else hi = mid
    }
    const k = gallop(lo, bounds.length, (j) => fits(bounds[j]!))
    if (k < 0) {
      const first = text.slice(pos, bounds[lo])
      throw new Error(
        `splitIntoThread: a limit of ${limit} is too small to split this text into a thread: ` +
          `a part must hold the numbering suffix "${suffix.trim()}" and at least one character ("${first}" measures ${measure(first + suffix)} with it)`,
      )
    }
    const end = bounds[k]!
    if (end === this.words[w]!.end) return end

    const url = urls.find(([us, ue]) => us < end && end < ue)
    if (url) {
      const [us, ue] = url
      if (us > pos && measure(text.slice(us, ue) + suffix) <= limit && fits(us)) return us
      return end // the URL alone is too long, or the part starts with it: break inside
    }
    for (let j = k - 1; j >= lo; j--) {
      const b = bounds[j]!
      if (CJK_SENTENCE_END.has(text[b - 1]!)) {
        if (!urls.some(([us, ue]) => us < b && b < ue) && fits(b)) return b
        break
      }
    }
    return end
  }

  /** Grapheme boundaries and URLs of word `w`, cached: a long word spans several consecutive parts. */
  private atomsOf(w: number): WordAtoms {
    if (this.atoms?.word === w) return this.atoms
    const {start, end} = this.words[w]!
    const chunk = this.text.slice(start, end)
    const bounds = graphemeEnds(chunk).map((end) => start + end)
    const urls: Array<[number, number]> = []
    for (const m of chunk.matchAll(URL_IN_WORD)) urls.push([start + m.index, start + m.index + m[0].length])
    this.atoms = {word: w, bounds, urls}
    return this.atoms
  }
}

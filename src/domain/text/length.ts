import {X_CONFIG, endMentionMatch, extractUrlsWithIndices, parseTweet} from './twitter-text.js'

/**
 * How each platform counts the length of a post. Pure functions, no I/O.
 *
 * - X: twitter-text's weighted length (config v3: URLs 23, emoji 2, CJK 2, limit 280).
 * - Mastodon: grapheme clusters, every http(s) URL 23, `@user@domain` counted as `@user`.
 * - Bluesky: 300 graphemes and 3000 bytes of UTF-8.
 * - Discord, Facebook and the like: Unicode code points.
 */

// One segmenter for the whole process, built on first use: constructing one is
// expensive (the first Intl object of a process loads ICU data, ~20 ms), and most
// text is ASCII, which never needs it.
let segmenter: Intl.Segmenter | undefined
const graphemes = (): Intl.Segmenter => (segmenter ??= new Intl.Segmenter(undefined, {granularity: 'grapheme'}))

/** Mastodon counts every URL as this many characters, whatever its real length. */
const MASTODON_URL_LENGTH = 23
const MASTODON_URL_PLACEHOLDER = 'x'.repeat(MASTODON_URL_LENGTH)

/**
 * Mastodon's `Account::MENTION_RE`: `@user` optionally followed by `@domain`;
 * group 1 is the local part, which is all Mastodon counts.
 */
const MASTODON_MENTION =
  /(?<![=/\p{L}\p{M}\p{N}\p{Pc}])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(@[\p{L}\p{M}\p{N}\p{Pc}]+(?:[.-]+[\p{L}\p{M}\p{N}\p{Pc}]+)*)?/giu
const HTTP_URL = /^https?:\/\//i

/** X's weighted length of `text` (twitter-text `parseTweet`, config v3). */
export function xWeightedLength(text: string): number {
  return parseTweet(text, X_CONFIG).weightedLength
}

/** Whether X would accept `text`: weighted length 1–280 and no invalid characters. */
export function xIsValid(text: string): boolean {
  return parseTweet(text, X_CONFIG).valid
}

/**
 * Mastodon's server-side length: grapheme clusters of the text after every
 * http(s) URL is replaced by `urlLength` characters (the instance's
 * `characters_reserved_per_url`, 23 on Mastodon itself) and every remote mention
 * `@user@domain.tld` by `@user` (as StatusLengthValidator does).
 */
export function mastodonLength(text: string, urlLength: number = MASTODON_URL_LENGTH): number {
  if (text === '') return 0
  const entities: Array<{start: number; end: number; replacement: string}> = []
  if (text.includes(':')) {
    for (const url of extractUrlsWithIndices(text, {extractUrlsWithoutProtocol: false})) {
      if (HTTP_URL.test(url.url))
        entities.push({
          start: url.indices[0],
          end: url.indices[1],
          replacement: urlLength === MASTODON_URL_LENGTH ? MASTODON_URL_PLACEHOLDER : 'x'.repeat(urlLength),
        })
    }
  }
  if (text.includes('@')) {
    for (const m of text.matchAll(MASTODON_MENTION)) {
      const end = m.index + m[0].length
      // Like twitter-text, a mention directly followed by @, an accented latin letter or :// is not one.
      if (endMentionMatch.test(text.slice(end, end + 3))) continue
      if (m[2] !== undefined) entities.push({start: m.index, end, replacement: `@${m[1]}`})
    }
  }
  if (entities.length === 0) return graphemeLength(text)
  // Overlaps (a mention inside a URL path): the entity that starts first wins.
  entities.sort((a, b) => a.start - b.start)
  let countable = ''
  let pos = 0
  for (const e of entities) {
    if (e.start < pos) continue
    countable += text.slice(pos, e.start) + e.replacement
    pos = e.end
  }
  countable += text.slice(pos)
  return graphemeLength(countable)
}

/**
 * The remote mentions (`@user@domain`) in `text` as Mastodon finds them (`Account::MENTION_RE`):
 * on Mastodon each one mentions, and notifies, that account.
 */
export function mastodonRemoteMentions(text: string): string[] {
  if (!text.includes('@')) return []
  const out: string[] = []
  for (const m of text.matchAll(MASTODON_MENTION)) {
    const end = m.index + m[0].length
    if (m[2] === undefined || endMentionMatch.test(text.slice(end, end + 3))) continue
    out.push(m[0])
  }
  return out
}

/** Number of grapheme clusters (user-perceived characters), as Bluesky's 300 limit counts. */
export function graphemeLength(text: string): number {
  return scanGraphemes(text)
}

/** The offset just after each grapheme cluster of `text`, in order (the last is `text.length`). */
export function graphemeEnds(text: string): number[] {
  const ends: number[] = []
  scanGraphemes(text, (end) => ends.push(end))
  return ends
}

/**
 * V8's segment iterator takes time quadratic in the length of the string (100 kB:
 * seconds), so long text is segmented in chunks. Each chunk's last cluster may be
 * cut short, so the next chunk restarts at its start: a boundary depends only on
 * what precedes it, and restarting at a boundary keeps emoji and flag pairs intact.
 */
const SEGMENT_CHUNK = 256
const ASCII = /^[\x00-\x7f]*$/

function scanGraphemes(text: string, onEnd?: (end: number) => void): number {
  if (!onEnd && ASCII.test(text)) {
    // ASCII has no combining characters: every character is a cluster, except CR LF.
    let pairs = 0
    for (let i = text.indexOf('\r\n'); i >= 0; i = text.indexOf('\r\n', i + 2)) pairs++
    return text.length - pairs
  }
  let count = 0
  let start = 0
  let size = SEGMENT_CHUNK
  while (start < text.length) {
    const stop = Math.min(text.length, start + size)
    let lastStart = start
    let pendingEnd = -1
    for (const {index, segment} of graphemes().segment(text.slice(start, stop))) {
      if (pendingEnd >= 0) {
        count++
        onEnd?.(pendingEnd)
      }
      lastStart = start + index
      pendingEnd = lastStart + segment.length
    }
    if (stop === text.length) {
      count++
      onEnd?.(pendingEnd)
      break
    }
    if (lastStart === start)
      size *= 2 // one cluster fills the chunk: look further
    else {
      start = lastStart
      size = SEGMENT_CHUNK
    }
  }
  return count
}

/** Number of Unicode code points, for platforms that count characters (Discord 2000, Facebook 63206). */
export function codePointLength(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++
    n++
  }
  return n
}

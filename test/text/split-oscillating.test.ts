/**
 * splitIntoThread numbers parts ` (i/N)`, so the number of parts changes the room each part has.
 * With a platform's own measure, more parts never means more room, and repacking settles. With a
 * measure where some digits weigh less than others (a proportional font; `measure` is whatever the
 * channel kind gives), numbering as of 4 parts can be cheaper than as of 3, and the count can go
 * round in a circle: 3 parts assumed packs into 6, 6 into 5, 5 into 8, 8 into 6 again. Then the
 * splitter takes a packing that came out shorter than the count it was numbered for and renumbers
 * it, if every part still fits; else it says it cannot settle (src/domain/text/split.ts).
 */
import {describe, expect, it} from 'vitest'
import {splitIntoThread} from '../../src/domain/text/split.js'

/** Every character weighs 1, except the digits listed. */
const weighing =
  (digits: Record<string, number>) =>
  (text: string): number =>
    [...text].reduce((sum, c) => sum + (digits[c] ?? 1), 0)

describe('splitIntoThread when the number of parts goes round in a circle', () => {
  it('renumbers the shortest packing that was numbered for more parts, when every part still fits', () => {
    const measure = weighing({0: 0, 1: 2, 2: 1, 3: 1, 4: 3, 5: 2, 6: 0, 7: 1, 8: 1, 9: 0})
    const text = 'wo wor wor w w word wo wor word wo'
    // Packed as of 3, 6, 5 and 8 parts, it came out as 6, 5, 8 and 6 parts. The 5 parts packed
    // for 6 do not fit once numbered "/5" (5 weighs 2, 6 nothing); the 6 parts packed for 8 do as "/6".
    const parts = splitIntoThread(text, {limit: 13, measure})
    expect(parts).toEqual(['wo wor (1/6)', 'wor w w (2/6)', 'word wo (3/6)', 'wor (4/6)', 'word (5/6)', 'wo (6/6)'])
    for (const p of parts) expect(measure(p)).toBeLessThanOrEqual(13)
    expect(parts.map((p) => p.replace(/ \(\d+\/\d+\)$/, '')).join(' ')).toBe(text)
  })

  it('says it cannot settle when no packing fits its own count', () => {
    // "4" weighs nothing: numbered as of 4 parts, "word word wo" packs into 3; as of 3, into 4.
    // The 3 parts packed for 4 do not fit numbered "/3".
    const measure = weighing({4: 0})
    expect(() => splitIntoThread('word word wo', {limit: 9, measure})).toThrow(
      'splitIntoThread: could not settle the number of parts for a limit of 9',
    )
  })
})

import {it} from 'vitest'
import {graphemeLength} from '../../src/text/length.js'
import {splitIntoThread} from '../../src/text/split.js'
it('perf', () => {
  let calls = 0, chars = 0
  const counted = (s: string) => { calls++; chars += s.length; return graphemeLength(s) }
  for (const size of [10000, 20000, 40000]) {
  calls = 0; chars = 0
  let t = performance.now()
  const p3 = splitIntoThread('y'.repeat(size), {limit: 300, measure: counted})
  console.log('word', size, performance.now() - t, p3.length, calls, chars); t = performance.now()
  }
  let t = performance.now()
  const seg = new Intl.Segmenter(undefined, {granularity: 'grapheme'})
  let n = 0; for (const g of seg.segment('y'.repeat(100000))) n += g.segment.length
  console.log('segment 100k', performance.now() - t)
})

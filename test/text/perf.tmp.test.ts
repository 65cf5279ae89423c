import {it} from 'vitest'
import {graphemeLength, xWeightedLength} from '../../src/text/length.js'
import {splitIntoThread} from '../../src/text/split.js'
it('perf', () => {
  const FAMILY = '👨‍👩‍👧‍👦'
  const chunk = `Sentence one says the checkout service is degraded and we are rolling back. ${'status update with a https://status.example.com/i/1 link and 東京 '.repeat(3)}${FAMILY} `
  const text = chunk.repeat(Math.ceil(100_000 / chunk.length))
  const noSentences = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(100_000 / 27))
  let calls = 0, chars = 0
  const counted = (s: string) => { calls++; chars += s.length; return xWeightedLength(s) }
  let t = performance.now()
  const p1 = splitIntoThread(text, {limit: 280, measure: counted})
  console.log('mixed', performance.now() - t, p1.length, calls, chars); calls = 0; chars = 0; t = performance.now()
  const p2 = splitIntoThread(noSentences, {limit: 280, measure: counted})
  console.log('nosent', performance.now() - t, p2.length, calls, chars); t = performance.now()
  const p3 = splitIntoThread('y'.repeat(100_000), {limit: 300, measure: graphemeLength})
  console.log('word', performance.now() - t, p3.length); t = performance.now()
  const s = 'lorem ipsum dolor sit amet '.repeat(10)
  for (let i = 0; i < 1000; i++) xWeightedLength(s)
  console.log('1000 x measure 270 chars', performance.now() - t)
  t = performance.now(); xWeightedLength(text); console.log('measure 100k', performance.now() - t)
})

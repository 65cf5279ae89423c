import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {diffLines, unifiedDiff} from '../../src/services/playbook-snapshots/line-diff.js'

/** Length of the longest common subsequence, the slow and obvious way. */
function lcs(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({length: a.length + 1}, () => new Array<number>(b.length + 1).fill(0))
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      table[i][j] = a[i - 1] === b[j - 1] ? table[i - 1][j - 1] + 1 : Math.max(table[i - 1][j], table[i][j - 1])
  return table[a.length][b.length]
}

/** Applies a unified diff to the old lines, as `patch` would. */
function applyUnified(oldLines: string[], diff: string): string[] {
  const out: string[] = []
  let at = 0
  const lines = diff.split('\n').slice(2, -1)
  for (const line of lines) {
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(line)
    if (hunk) {
      const start = hunk[2] === '0' ? Number(hunk[1]) : Number(hunk[1]) - 1
      while (at < start) out.push(oldLines[at++])
    } else if (line.startsWith('+')) out.push(line.slice(1))
    else if (line.startsWith('-')) {
      expect(oldLines[at]).toBe(line.slice(1))
      at++
    } else {
      expect(oldLines[at]).toBe(line.slice(1))
      out.push(oldLines[at++])
    }
  }
  while (at < oldLines.length) out.push(oldLines[at++])
  return out
}

const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), {maxLength: 14})

describe('the line diff', () => {
  it('turns the old lines into the new ones with the fewest changes', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const ops = diffLines(a, b)
        expect(ops.filter((o) => o.op !== 'added').map((o) => o.line)).toEqual(a)
        expect(ops.filter((o) => o.op !== 'removed').map((o) => o.line)).toEqual(b)
        expect(ops.filter((o) => o.op === 'same')).toHaveLength(lcs(a, b))
      }),
      {numRuns: 500},
    )
  })

  it('prints a unified diff that patch would apply, with hunks of three lines of context', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const oldText = a.map((l) => `${l}\n`).join('')
        const newText = b.map((l) => `${l}\n`).join('')
        const diff = unifiedDiff(oldText, newText, {fromLabel: 'old', toLabel: 'new'})
        if (oldText === newText) expect(diff).toBe('')
        else expect(applyUnified(a, diff)).toEqual(b)
      }),
      {numRuns: 500},
    )
    const old = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n'
    expect(
      unifiedDiff(old, old.replace('e\n', 'E\n'), {fromLabel: 'old', toLabel: 'new', hunkTitle: (i) => `line ${i}`}),
    ).toBe('--- old\n+++ new\n@@ -2,7 +2,7 @@ line 4\n b\n c\n d\n-e\n+E\n f\n g\n h\n')
  })
})

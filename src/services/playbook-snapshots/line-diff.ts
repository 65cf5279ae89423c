/**
 * A line diff (Myers' O(ND) algorithm) and its unified form, as `diff -u` and git print it,
 * for comparing a playbook's snapshot with what it renders now. Snapshots are a few
 * thousand lines and usually differ in a few, so D stays small.
 */

export type DiffOp = {op: 'same' | 'removed' | 'added'; line: string}

/** The shortest edit script turning `a` into `b`, line by line. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const offset = max + 1
  let v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  let found = false
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v)
    v = v.slice()
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) {
        found = true
        break
      }
    }
  }

  // Walk back through the saved frontiers from (n, m) to (0, 0).
  const out: DiffOp[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const prev = trace[d]
    const k = x - y
    const prevK = k === -d || (k !== d && prev[offset + k - 1] < prev[offset + k + 1]) ? k + 1 : k - 1
    const prevX = d === 0 ? 0 : prev[offset + prevK]
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      out.push({op: 'same', line: a[--x]})
      y--
    }
    if (d === 0) break
    if (x === prevX) out.push({op: 'added', line: b[--y]})
    else out.push({op: 'removed', line: a[--x]})
  }
  return out.reverse()
}

export interface UnifiedDiffOptions {
  /** Lines of context around each change (diff -u's default: 3). */
  context?: number
  fromLabel: string
  toLabel: string
  /**
   * The text after `@@ … @@`, like git's function name: given the old text's line (0-based) at
   * the hunk's first change (for an insertion, the line it follows), e.g. the heading it is under.
   */
  hunkTitle?: (oldIndex: number) => string | undefined
}

/** `diff -u` of two texts; empty when they are the same. */
export function unifiedDiff(oldText: string, newText: string, opts: UnifiedDiffOptions): string {
  if (oldText === newText) return ''
  const a = splitLines(oldText)
  const b = splitLines(newText)
  const ops = diffLines(a, b)
  const context = opts.context ?? 3
  const changed = ops.flatMap((o, i) => (o.op === 'same' ? [] : [i]))
  if (changed.length === 0) return ''

  // Group changes whose context overlaps into hunks: [first op, last op] indexes.
  const hunks: Array<[number, number]> = []
  for (const i of changed) {
    const start = Math.max(0, i - context)
    const end = Math.min(ops.length - 1, i + context)
    const last = hunks.at(-1)
    if (last && start <= last[1] + 1) last[1] = end
    else hunks.push([start, end])
  }

  // Line numbers (0-based) in each text at the start of every op.
  const oldAt: number[] = []
  const newAt: number[] = []
  let oi = 0
  let ni = 0
  for (const o of ops) {
    oldAt.push(oi)
    newAt.push(ni)
    if (o.op !== 'added') oi++
    if (o.op !== 'removed') ni++
  }

  const out = [`--- ${opts.fromLabel}`, `+++ ${opts.toLabel}`]
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end + 1)
    const oldCount = slice.filter((o) => o.op !== 'added').length
    const newCount = slice.filter((o) => o.op !== 'removed').length
    const range = (at: number, count: number) => `${count === 0 ? at : at + 1}${count === 1 ? '' : `,${count}`}`
    const first = start + slice.findIndex((o) => o.op !== 'same')
    const title = opts.hunkTitle?.(Math.max(0, ops[first].op === 'removed' ? oldAt[first] : oldAt[first] - 1))
    out.push(`@@ -${range(oldAt[start], oldCount)} +${range(newAt[start], newCount)} @@${title ? ` ${title}` : ''}`)
    for (const o of slice) out.push(`${o.op === 'same' ? ' ' : o.op === 'removed' ? '-' : '+'}${o.line}`)
  }
  return out.join('\n') + '\n'
}

/** Lines of a text; a final newline ends the last line rather than starting an empty one. */
export function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

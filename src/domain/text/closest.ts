/**
 * The candidate a mistyped name most likely meant, or undefined when none is close:
 * at most a third of the name's length in edits (insert, delete, change, swap two
 * neighbours), and at least one. A prefix of exactly one candidate counts too
 * (`incident sh` → `incident show`). Case is ignored.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const given = input.toLowerCase()
  const names = [...new Set(candidates)]
  const prefixed = given.length >= 2 ? names.filter((n) => n.toLowerCase().startsWith(given)) : []
  if (prefixed.length === 1) return prefixed[0]
  const budget = Math.max(1, Math.floor(given.length / 3))
  let best: string | undefined
  let bestDistance = budget + 1
  for (const name of names) {
    const d = editDistance(given, name.toLowerCase())
    if (d < bestDistance) {
      best = name
      bestDistance = d
    }
  }
  return best
}

/** Optimal string alignment distance: Levenshtein with swaps of two neighbouring letters. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 0; j <= b.length; j++) rows[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1)
    }
  }
  return rows[a.length][b.length]
}

/** "Did you mean …?" for a suggestion list, or nothing when no candidate is close. */
export function didYouMean(
  input: string,
  candidates: Iterable<string>,
  show: (name: string) => string = (n) => `"${n}"`,
): string[] {
  const match = closest(input, candidates)
  return match === undefined ? [] : [`Did you mean ${show(match)}?`]
}

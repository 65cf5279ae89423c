import {splitLines} from './line-diff.js'

/**
 * A snapshot read as its sections: the header, one per phase (`## phase`) and one per
 * post (`### phase › channel › locale`). Headings inside fenced blocks (a blog post's own
 * `# Title`) are post text, not sections.
 */
export interface SnapshotSections {
  /** Section name → its text, in file order. */
  byName: Map<string, string>
  /** Per line (0-based), the name of the section it is in. */
  lineSection: string[]
}

const HEADER = '(header)'

export function readSections(text: string): SnapshotSections {
  const byName = new Map<string, string[]>()
  const lineSection: string[] = []
  let current = HEADER
  let fence: string | undefined
  for (const line of splitLines(text)) {
    if (fence !== undefined) {
      if (line === fence) fence = undefined
    } else {
      const open = /^(`{3,})/.exec(line)
      const heading = /^#{2,3} (.+)$/.exec(line)
      if (open) fence = open[1]
      else if (heading) current = line.startsWith('### ') ? heading[1] : `phase ${heading[1]}`
    }
    lineSection.push(current)
    const lines = byName.get(current) ?? []
    lines.push(line)
    byName.set(current, lines)
  }
  return {byName: new Map([...byName].map(([k, v]) => [k, v.join('\n')])), lineSection}
}

export interface SectionChanges {
  added: string[]
  removed: string[]
  changed: string[]
}

/** Which sections a new snapshot adds, removes or changes against the old one. */
export function compareSections(oldText: string, newText: string): SectionChanges {
  const before = readSections(oldText).byName
  const after = readSections(newText).byName
  return {
    added: [...after.keys()].filter((k) => !before.has(k)),
    removed: [...before.keys()].filter((k) => !after.has(k)),
    changed: [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)),
  }
}

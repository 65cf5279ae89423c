import {existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {CandorError} from '../../domain/errors.js'
import {displayPath} from '../playbook/files.js'
import {requirePlaybook, resolvePlaybookPath} from '../playbook/resolve.js'
import {exampleFacts} from './example-facts.js'
import {unifiedDiff} from './line-diff.js'
import {renderSnapshot, type SnapshotClock, snapshotPath} from './render-snapshot.js'
import {compareSections, readSections, type SectionChanges} from './sections.js'

export type SnapshotStatus = 'pass' | 'fail' | 'written' | 'missing'

export interface SnapshotResult {
  /** The playbook file, as given or relative to the working folder. */
  playbook: string
  /** Its snapshot file. */
  snapshot: string
  status: SnapshotStatus
  /** `fail`: the unified diff from the snapshot to what renders now. */
  diff?: string
  /** `fail` and `written` over an older snapshot: which posts were added, removed or changed. */
  changes?: SectionChanges
  /** `written`: whether the file is new or replaced an older snapshot. */
  wrote?: 'new' | 'updated'
}

export interface SnapshotTestRequest {
  playbooks: readonly string[]
  /** Facts laid over each playbook's examples (`--facts FILE`). */
  factsFile?: string
  /** Write the snapshots that are missing or differ (`--update`). */
  update?: boolean
  /** For tests only: the shipped snapshots are always rendered at SNAPSHOT_CLOCK. */
  clock?: SnapshotClock
}

export interface SnapshotTestReport {
  ok: boolean
  playbooks: SnapshotResult[]
}

/**
 * Refuses a snapshot that is a symbolic link, or lies outside the playbook's folder through a
 * linked `__snapshots__`: a pull request could otherwise point it at a file on the CI machine
 * (its npm token) and have the diff print it, or have `--update` overwrite it.
 */
function checkConfined(snapshotFile: string, playbookDir: string): void {
  const refuse = (why: string) =>
    new CandorError(`snapshot ${displayPath(snapshotFile)} ${why}; refusing to read or write it`, {
      code: 'snapshot_outside',
      suggestions: [`Delete it, then run \`candor playbook test --update\` to write it as a plain file`],
    })
  const realDir = realpathSync.native(playbookDir)
  for (const p of [path.dirname(snapshotFile), snapshotFile]) {
    let real: string
    try {
      real = realpathSync.native(p)
    } catch {
      continue // not there (yet): nothing to follow
    }
    const rel = path.relative(realDir, real)
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel))
      throw refuse("is outside the playbook's folder")
  }
  try {
    if (lstatSync(snapshotFile).isSymbolicLink()) throw refuse('is a symbolic link')
  } catch (error) {
    if (error instanceof CandorError) throw error
  }
}

/** The snapshot on disk, line endings as git may have checked them out on Windows made LF; undefined when missing. */
function readSnapshot(file: string): string | undefined {
  if (!existsSync(file)) return undefined
  try {
    return readFileSync(file, 'utf8').replace(/\r\n/g, '\n')
  } catch (error) {
    throw new CandorError(`cannot read snapshot ${displayPath(file)}: ${(error as Error).message}`, {
      code: 'snapshot_unreadable',
      suggestions: ['Check the file is readable, or delete it and run `candor playbook test --update`'],
    })
  }
}

/**
 * `candor playbook test`: renders each playbook with its example facts at a fixed clock
 * and compares the result with its snapshot (`__snapshots__/NAME.snap.md` beside it), or
 * writes the snapshot with `update`. Every playbook is loaded and rendered before anything
 * is written, so bad input (a playbook that does not load, unreadable facts) is one error
 * and leaves every snapshot as it was.
 */
export function testSnapshots(req: SnapshotTestRequest): SnapshotTestReport {
  const seen = new Set<string>()
  const rendered: Array<{file: string; text: string; snapshotFile: string; stored?: string}> = []
  for (const arg of req.playbooks) {
    const file = path.resolve(resolvePlaybookPath(arg))
    if (seen.has(file)) continue
    seen.add(file)
    const playbook = requirePlaybook(file)
    const {facts, source} = exampleFacts(playbook, req.factsFile)
    const text = renderSnapshot(playbook, facts, {factsSource: source, clock: req.clock})
    const snapshotFile = snapshotPath(file)
    checkConfined(snapshotFile, path.dirname(file))
    rendered.push({file, text, snapshotFile, stored: readSnapshot(snapshotFile)})
  }

  const results: SnapshotResult[] = []
  for (const {file, text, snapshotFile, stored} of rendered) {
    const shown = {playbook: displayPath(file), snapshot: displayPath(snapshotFile)}
    if (stored === text) {
      results.push({...shown, status: 'pass'})
      continue
    }
    const changes = stored === undefined ? undefined : compareSections(stored, text)
    if (req.update) {
      try {
        mkdirSync(path.dirname(snapshotFile), {recursive: true})
        writeFileSync(snapshotFile, text)
      } catch (error) {
        throw new CandorError(`cannot write snapshot ${shown.snapshot}: ${(error as Error).message}`, {
          code: 'snapshot_unwritable',
          suggestions: ["Check that the playbook's folder is writable"],
        })
      }
      results.push({...shown, status: 'written', wrote: stored === undefined ? 'new' : 'updated', changes})
    } else if (stored === undefined) {
      results.push({...shown, status: 'missing'})
    } else {
      const sections = readSections(stored).lineSection
      const diff = unifiedDiff(stored, text, {
        fromLabel: `${shown.snapshot} (snapshot)`,
        toLabel: `${shown.playbook} (rendered now)`,
        hunkTitle: (at) => sections[at],
      })
      results.push({...shown, status: 'fail', diff, changes})
    }
  }
  return {ok: results.every((r) => r.status === 'pass' || r.status === 'written'), playbooks: results}
}

import {createHash} from 'node:crypto'
import {existsSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {CandorError} from '../../domain/errors.js'
import {findProjectRoot, STATE_DIR_NAME} from '../playbook/project.js'
import {displayPath, type LoadOptions} from '../playbook/load.js'
import type {Playbook} from '../../domain/playbook/model.js'
import {requirePlaybook} from '../playbook/resolve.js'
import type {PlaybookRecord} from './events.js'
import type {IncidentState} from './state.js'

/**
 * Finding an incident's playbook again: the journal records it relative to the project
 * root with its content hash, so a moved checkout, or another engineer's in team mode,
 * still finds it.
 */

/** How the current command looks for incident playbooks (set once by the command). */
export interface PlaybookLookup {
  /** `--playbook FILE`: the incident's playbook is here, whatever the journal says. */
  file?: string
  /** The state directory in use, when it is a folder (its parent is a project root when it is `.candor`). */
  stateDir?: string
  /** Told once per incident when its playbook changed since the incident opened. */
  warn?: (message: string) => void
  /** Where relative paths start (default: the current directory). */
  cwd?: string
}

let lookup: PlaybookLookup = {}
const warned = new Set<string>()

export function setPlaybookLookup(next: PlaybookLookup): void {
  lookup = next
}

/**
 * The folders a playbook path is recorded relative to, nearest first: the project of the
 * current directory (the folder holding `.candor/`, or the git root), the folder holding
 * the state directory when that is a `.candor`, and the current directory.
 */
export function projectRoots(opts: {stateDir?: string; cwd?: string} = {}): string[] {
  const cwd = path.resolve(opts.cwd ?? process.cwd())
  const roots = [
    findProjectRoot(cwd),
    opts.stateDir && path.basename(opts.stateDir) === STATE_DIR_NAME
      ? path.dirname(path.resolve(opts.stateDir))
      : undefined,
    cwd,
  ]
  return [...new Set(roots.filter((r): r is string => Boolean(r)))]
}

export function fileSha256(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex')
  } catch {
    return undefined
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/')
}

/** What the journal records about a playbook: its path relative to the first project root holding it (else absolute), and its hash. */
export function playbookRecord(playbook: Pick<Playbook, 'name' | 'file' | 'impact'>, roots: string[]): PlaybookRecord {
  const abs = path.resolve(playbook.file)
  const root = roots.find((r) => {
    const rel = path.relative(r, abs)
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
  })
  const sha256 = fileSha256(abs)
  return {
    name: playbook.name,
    file: root ? toPosix(path.relative(root, abs)) : abs,
    ...(sha256 && {sha256}),
    ...(playbook.impact && {impact: playbook.impact}),
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}

/**
 * Where an incident's playbook is now: `--playbook`, else the recorded path under one of
 * the project roots (an absolute path as recorded by older versions, and failing that its
 * tail under a project root: `/old/checkout/playbooks/outage.yaml` → `playbooks/outage.yaml`).
 */
export function locateIncidentPlaybook(
  record: PlaybookRecord,
  incident: string,
  opts: PlaybookLookup = lookup,
): string {
  const cwd = opts.cwd ?? process.cwd()
  if (opts.file) return path.resolve(cwd, opts.file)
  const roots = projectRoots({stateDir: opts.stateDir, cwd})
  const candidates: string[] = []
  if (path.isAbsolute(record.file)) {
    candidates.push(record.file)
    const parts = record.file.split(/[\\/]/).filter(Boolean)
    for (let i = 1; i < parts.length; i++) for (const root of roots) candidates.push(path.join(root, ...parts.slice(i)))
  } else {
    for (const root of roots) candidates.push(path.join(root, ...record.file.split('/')))
  }
  const found = record.sha256
    ? (candidates.find((c) => isFile(c) && fileSha256(c) === record.sha256) ?? candidates.find(isFile))
    : candidates.find(isFile)
  if (found) return found
  const where = path.isAbsolute(record.file) ? record.file : path.join(roots[0], record.file)
  throw new CandorError(`the playbook of incident ${incident} ("${record.name}") is not at ${displayPath(where)}`, {
    code: 'incident_playbook_missing',
    suggestions: [
      `Point at it with --playbook FILE (e.g. --playbook playbooks/${record.name}.yaml), or run Candor from the project that holds it`,
    ],
  })
}

/** The playbook an incident was opened from, as it is on disk now; says once when it changed since. */
export function loadIncidentPlaybook(
  state: Pick<IncidentState, 'id' | 'playbook'>,
  options: LoadOptions = {},
  opts: PlaybookLookup = lookup,
): Playbook {
  const file = locateIncidentPlaybook(state.playbook, state.id, opts)
  if (opts.file && !existsSync(file)) {
    throw new CandorError(`no playbook at ${opts.file}`, {
      code: 'playbook_not_found',
      suggestions: [`Pass --playbook with the path of playbook "${state.playbook.name}"`],
    })
  }
  const playbook = requirePlaybook(file, options)
  if (playbook.name !== state.playbook.name) {
    throw new CandorError(
      `${displayPath(file)} is playbook "${playbook.name}", but incident ${state.id} was opened from "${state.playbook.name}"`,
      {
        code: 'incident_playbook_mismatch',
        suggestions: [`Pass --playbook with the path of playbook "${state.playbook.name}"`],
      },
    )
  }
  const sha = state.playbook.sha256
  if (sha && opts.warn && fileSha256(file) !== sha) {
    const key = `${state.id}\0${file}`
    if (!warned.has(key)) {
      warned.add(key)
      opts.warn(
        `the playbook ${displayPath(file)} changed since incident ${state.id} opened: its posts follow the playbook as it is now`,
      )
    }
  }
  return playbook
}

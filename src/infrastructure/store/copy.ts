import {closeSync, constants, existsSync, fsyncSync, openSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {canonicalJson} from '../../domain/canonical-json.js'
import {CandorError} from '../../domain/errors.js'
import type {JournalEvent} from '../../services/incident/events.js'
import {checkIncidentId, parseJournal, type IncidentStore} from '../../services/incident/store.js'
import {FileIncidentStore, stateDirWriteError, writeFully} from './file-store.js'
import {PgIncidentStore} from './postgres.js'
import {parseStoreSpec, type StoreSpec} from './url.js'
import {makeFolder} from '../fs/make-folder.js'

/** A store opened from a `--from`/`--to` value, with what copying into it needs. */
export interface CopyEndpoint {
  spec: StoreSpec
  store: IncidentStore
}

/** A store named on the command line; a source folder (`explicit`) must exist. */
export function openEndpoint(value: string, opts: {explicit?: boolean} = {}): CopyEndpoint {
  const spec = parseStoreSpec(value)
  return {spec, store: spec.kind === 'postgres' ? new PgIncidentStore(spec.url) : new FileIncidentStore(spec.dir, opts)}
}

export interface CopyReport {
  incident: string
  /** copied: new there; appended: it had the start of the journal; up-to-date: nothing to do; conflict: the two journals differ. */
  status: 'copied' | 'appended' | 'up-to-date' | 'conflict'
  /** Events written. */
  events: number
  message?: string
}

export interface CopyResult {
  from: string
  to: string
  incidents: CopyReport[]
  warnings: string[]
}

/**
 * Copies incident journals from one store to another (file ↔ PostgreSQL), event for
 * event: the same numbers, times and JSON. Safe to run again: what is already there is
 * left alone, a journal that went on at the source gets the rest, and one that differs
 * is reported, never overwritten.
 */
export async function copyIncidents(
  from: CopyEndpoint,
  to: CopyEndpoint,
  opts: {incidents?: string[]} = {},
): Promise<CopyResult> {
  const ids = opts.incidents?.length ? opts.incidents : await from.store.list()
  const reports: CopyReport[] = []
  const warnings: string[] = []
  for (const id of ids) {
    checkIncidentId(id)
    const source = await from.store.read(id)
    warnings.push(...source.warnings)
    const target = (await to.store.exists(id)) ? (await to.store.read(id)).events : []
    const diverged =
      target.length > source.events.length ||
      target.some((e, i) => canonicalJson(e) !== canonicalJson(source.events[i]))
    if (diverged) {
      reports.push({
        incident: id,
        status: 'conflict',
        events: 0,
        message: `${to.store.location} has a different journal for ${id}; left as it is`,
      })
      continue
    }
    const rest = source.events.slice(target.length)
    if (rest.length === 0) {
      reports.push({incident: id, status: 'up-to-date', events: 0})
      continue
    }
    await importInto(to, id, rest, target.length)
    reports.push({incident: id, status: target.length === 0 ? 'copied' : 'appended', events: rest.length})
  }
  return {from: from.store.location, to: to.store.location, incidents: reports, warnings}
}

async function importInto(to: CopyEndpoint, id: string, events: JournalEvent[], after: number): Promise<void> {
  if (to.store.importEvents) return to.store.importEvents(id, events, after)
  if (to.spec.kind !== 'file') throw new Error('unreachable: a postgres endpoint without a PostgreSQL store')
  importFileJournal(to.spec.dir, id, events, after)
}

/** Writes events as journal lines, exactly as they are, after the `after` already in the file. */
export function importFileJournal(stateDir: string, id: string, events: JournalEvent[], after: number): void {
  checkIncidentId(id)
  const dir = path.join(stateDir, 'incidents')
  const file = path.join(dir, `${id}.jsonl`)
  makeFolder(dir, 0o700)
  let fd: number
  if (after === 0) {
    try {
      fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw conflict(id, file)
      throw error
    }
  } else {
    const now = existsSync(file) ? parseJournal(readFileSync(file, 'utf8'), id).events.length : 0
    if (now !== after) throw conflict(id, file)
    fd = openSync(file, 'a', 0o600)
    const text = readFileSync(file, 'utf8')
    if (text.length > 0 && !text.endsWith('\n')) writeFully(fd, '\n')
  }
  try {
    writeFully(fd, events.map((e) => JSON.stringify(e) + '\n').join(''))
    fsyncSync(fd)
  } catch (error) {
    throw stateDirWriteError(error, stateDir, file)
  } finally {
    closeSync(fd)
  }
}

function conflict(id: string, where: string): CandorError {
  return new CandorError(`incident ${id} changed in ${where} while it was being copied`, {
    code: 'copy_conflict',
    suggestions: ['Run the copy again'],
  })
}

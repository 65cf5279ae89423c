import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import {CandorError} from '../../domain/errors.js'
import type {JournalEvent, NewEvent} from '../../services/incident/events.js'
import {
  checkIncidentId,
  isIncidentId,
  parseJournal,
  type IncidentLock,
  type IncidentStore,
  type JournalRead,
  type LockOptions,
} from '../../services/incident/store.js'
import {makeFolder} from '../fs/make-folder.js'
import {requirePrivate} from '../fs/private-path.js'
import {acquireFileLock} from './file-lock.js'

/**
 * The calls that write a journal. A seam: tests pass calls that write short, or fail as
 * a full disk (ENOSPC) or a read-only state directory (EROFS) would.
 */
export interface JournalIo {
  openSync(file: string, flags: string | number, mode: number): number
  /** Writes up to `length` bytes of `data` from `offset`; returns how many it wrote. */
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number
  fsyncSync(fd: number): void
}

export const nodeJournalIo: JournalIo = {
  openSync: (file, flags, mode) => openSync(file, flags, mode),
  writeSync: (fd, data, offset, length) => writeSync(fd, data, offset, length),
  fsyncSync: (fd) => fsyncSync(fd),
}

/** Writes all of `text`, however many calls the file system takes; a write that makes no progress is a full disk. */
export function writeFully(fd: number, text: string, io: JournalIo = nodeJournalIo): void {
  const bytes = Buffer.from(text, 'utf8')
  for (let offset = 0; offset < bytes.length; ) {
    const written = io.writeSync(fd, bytes, offset, bytes.length - offset)
    if (!(written > 0))
      throw Object.assign(new Error(`wrote ${offset} of ${bytes.length} bytes, then nothing more`), {code: 'ENOSPC'})
    offset += written
  }
}

/**
 * A write to the state directory that failed because the disk is full or the folder is
 * read-only, as the error to show (`state_dir_full`, `state_dir_read_only`); any other
 * failure as it is.
 */
export function stateDirWriteError(error: unknown, location: string, file: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new CandorError(`the disk of the state directory ${location} is full: could not write ${file} (${code})`, {
      code: 'state_dir_full',
      suggestions: [
        'Free space on that disk and run the command again (the journal holds every line written before this one), or use a state directory on another disk (--state-dir or CANDOR_STATE_DIR)',
      ],
    })
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new CandorError(`the state directory ${location} is read-only: could not write ${file} (${code})`, {
      code: 'state_dir_read_only',
      suggestions: ['Make it writable for this user, or use another state directory (--state-dir or CANDOR_STATE_DIR)'],
    })
  }
  return error
}

/** A journal that is not one (a crash while opening, a copy under another name): refused, naming the file. */
function damagedJournal(file: string, why: string, dir: string): CandorError {
  return new CandorError(`the journal ${file} is damaged: ${why}`, {
    code: 'journal_damaged',
    suggestions: [
      `Move ${path.basename(file)} out of ${dir} (other incidents are not affected); to copy an incident between stores, use \`candor store copy\``,
    ],
  })
}

/**
 * One JSON-lines file per incident under `<state dir>/incidents/`, created owner-only.
 * Each append is one write of a whole line followed by fsync.
 */
export class FileIncidentStore implements IncidentStore {
  readonly location: string
  readonly stateDir: string
  private readonly dir: string
  private readonly seqCache = new Map<string, number>()
  private readonly reads = new Map<string, JournalRead & {stamp: string}>()

  private readonly io: JournalIo

  /**
   * @param opts.explicit the folder was named (--state-dir, --store, --from): listing a
   * folder that does not exist is then an error, not "no incidents"; creating one still works.
   * @param opts.io the file operations journals are written with (tests inject failures).
   */
  constructor(
    stateDir: string,
    private readonly opts: {explicit?: boolean; io?: JournalIo} = {},
  ) {
    this.io = opts.io ?? nodeJournalIo
    this.location = stateDir
    this.stateDir = stateDir
    this.dir = path.join(stateDir, 'incidents')
  }

  private file(id: string): string {
    checkIncidentId(id)
    return path.join(this.dir, `${id}.jsonl`)
  }

  /** The state directory and incidents/ are the user's own and nobody else can write them. */
  private checkFolders(): void {
    requirePrivate(this.location, 'state directory')
    requirePrivate(this.dir, 'incidents folder')
  }

  /** The folders, and the journal itself: a journal others can write could hold forged approvals. */
  private journal(id: string): string {
    const file = this.file(id)
    this.checkFolders()
    requirePrivate(file, `journal of incident ${id}`)
    return file
  }

  async list(): Promise<string[]> {
    if (this.opts.explicit && !existsSync(this.location)) {
      throw new CandorError(`no state directory at ${this.location}`, {
        code: 'state_dir_not_found',
        suggestions: [
          'Check the path: it names a folder that does not exist (left out, Candor uses $CANDOR_STATE_DIR, else .candor/ here or in the nearest parent)',
        ],
      })
    }
    this.checkFolders()
    if (!existsSync(this.dir)) return []
    // A name no incident id can have is not a journal Candor wrote: never listed.
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.jsonl') && isIncidentId(f.slice(0, -'.jsonl'.length)) && !f.includes('..'))
      .map((f) => ({
        id: f.slice(0, -'.jsonl'.length),
        t: statSync(path.join(this.dir, f), {throwIfNoEntry: false})?.birthtimeMs ?? Infinity,
      }))
      .sort((a, b) => a.t - b.t || a.id.localeCompare(b.id))
      .map((x) => x.id)
  }

  async exists(id: string): Promise<boolean> {
    return existsSync(this.journal(id))
  }

  async create(id: string, first: NewEvent, now = new Date()): Promise<JournalEvent> {
    const file = this.file(id)
    try {
      makeFolder(this.dir, 0o700)
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      throw new CandorError(`cannot create the state directory ${this.location} (${e.code ?? e.message})`, {
        code: 'state_dir_unusable',
        suggestions: ['Pass --state-dir, or set CANDOR_STATE_DIR, to a folder you can write'],
      })
    }
    this.checkFolders()
    let fd: number
    try {
      // O_EXCL: two people opening the same id at once cannot both succeed.
      fd = this.io.openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CandorError(`incident "${id}" already exists`, {
          code: 'incident_exists',
          suggestions: ['Choose another --id, or work on the existing one with --incident ' + id],
        })
      }
      throw stateDirWriteError(error, this.location, file)
    }
    const event = {...first, seq: 1, at: now.toISOString()} as JournalEvent
    try {
      writeLine(this.io, fd, event)
    } catch (error) {
      // Not opened after all: leave no journal without its "opened" line behind.
      closeQuietly(fd)
      try {
        unlinkSync(file)
      } catch {
        // a read-only folder keeps it; reading it names it as damaged
      }
      throw stateDirWriteError(error, this.location, file)
    }
    closeSync(fd)
    this.seqCache.set(id, 1)
    return event
  }

  async append(id: string, event: NewEvent, now = new Date()): Promise<JournalEvent> {
    const file = this.journal(id)
    if (!existsSync(file))
      throw new CandorError(`no incident "${id}"`, {
        code: 'incident_not_found',
        suggestions: ['List incidents with `candor incident list --all`'],
      })
    let seq = this.seqCache.get(id)
    if (seq === undefined) seq = lastSeq((await this.read(id)).events)
    const full = {...event, seq: seq + 1, at: now.toISOString()} as JournalEvent
    let fd: number
    try {
      fd = this.io.openSync(file, 'a+', 0o600)
    } catch (error) {
      throw stateDirWriteError(error, this.location, file)
    }
    let size: number | undefined
    try {
      // After a torn write the file may not end in a newline: start a fresh line so
      // the new event is never glued onto the damaged one.
      size = statSync(file).size
      if (size > 0) {
        const tail = Buffer.alloc(1)
        readSync(fd, tail, 0, 1, size - 1)
        if (tail[0] !== 0x0a) writeFully(fd, '\n', this.io)
      }
      writeLine(this.io, fd, full)
    } catch (error) {
      // A line cut short (a full disk) is taken back, so the journal ends where it did.
      if (size !== undefined) {
        try {
          ftruncateSync(fd, size)
        } catch {
          // read-only: then nothing was written either
        }
      }
      closeQuietly(fd)
      throw stateDirWriteError(error, this.location, file)
    }
    closeSync(fd)
    this.seqCache.set(id, full.seq)
    return full
  }

  async lock(id: string, opts: LockOptions): Promise<IncidentLock> {
    checkIncidentId(id)
    this.checkFolders()
    try {
      return await acquireFileLock(this.dir, id, opts)
    } catch (error) {
      throw stateDirWriteError(error, this.location, path.join(this.dir, `${id}.lock`))
    }
  }

  async read(id: string): Promise<JournalRead> {
    const file = this.journal(id)
    let stat: Stats
    try {
      stat = statSync(file)
    } catch {
      throw new CandorError(`no incident "${id}"`, {
        code: 'incident_not_found',
        suggestions: ['List incidents with `candor incident list --all`'],
      })
    }
    // A journal only grows, so the same inode, size and mtime mean the same events: a
    // command that reads an incident twice (finding the open one, then loading it) parses once.
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`
    const last = this.reads.get(id)
    if (last?.stamp === stamp) return {events: last.events, warnings: [...last.warnings]}
    // Bytes, then text: a third faster than readFileSync(file, 'utf8') on Node 20 for a long journal.
    const result = parseJournal(readFileSync(file).toString('utf8'), `incident ${id}`)
    // The journal must be this incident's: a copy under another name would append to, and
    // act as, the incident it names.
    const opened = result.events.find((e) => e.type === 'opened')
    if (opened?.type !== 'opened')
      throw damagedJournal(file, 'it has no "opened" event (a crash while the incident was being opened?)', this.dir)
    if (opened.incident !== id)
      throw damagedJournal(
        file,
        `it is the journal of incident "${String(opened.incident)}", not "${id}" (copied or renamed?)`,
        this.dir,
      )
    this.seqCache.set(id, lastSeq(result.events))
    this.reads.set(id, {stamp, ...result})
    return {events: result.events, warnings: [...result.warnings]}
  }
}

function lastSeq(events: JournalEvent[]): number {
  return events.reduce((m, e) => Math.max(m, typeof e.seq === 'number' ? e.seq : 0), 0)
}

function writeLine(io: JournalIo, fd: number, event: JournalEvent): void {
  writeFully(fd, JSON.stringify(event) + '\n', io)
  io.fsyncSync(fd)
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd)
  } catch {
    // the write's error is the one to report
  }
}

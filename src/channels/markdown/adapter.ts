import {constants, promises as fs} from 'node:fs'
import path from 'node:path'
import type {RemotePost} from '../../services/incident/events.js'
import type {IncidentStore} from '../../services/incident/store.js'
import {
  DeliveryError,
  type AdapterFactory,
  type ChannelAdapter,
  type PostRequest,
} from '../../services/publish/adapter.js'
import {makeFolder} from '../../infrastructure/fs/make-folder.js'
import {optionsOf} from '../kind.js'
import type {markdownKind} from './kind.js'
import {createFileExclusive, replaceFileAtomic, syncFolder} from '../../infrastructure/fs/atomic-write.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
/** Starts each update's section; what makes retries idempotent and retractions possible. */
const SECTION = /^<!-- candor:update=(\d+) part=(\d+) -->$/gm
/** File-system failures that may pass on their own; everything else (permissions, read-only) is final. */
const TRANSIENT_CODES = new Set(['ENOSPC', 'EIO', 'EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'ETIMEDOUT'])

/** `25 Nov 2026, 14:02 UTC`, independent of the machine's locale and time zone. */
export function formatUtc(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`
}

/** A YAML double-quoted scalar (JSON strings are valid YAML); keeps ids like 2026-11-25 from reading as dates. */
function yamlString(s: string): string {
  return JSON.stringify(s)
}

function marker(update: number, part: number): string {
  return `<!-- candor:update=${update} part=${part} -->`
}

/** The incident id recorded in a file's front matter, if the file has one. */
export function ownerOf(content: string): string | undefined {
  const front = /^---\r?\n([\s\S]*?)\r?\n---\r?$/m.exec(content)
  if (front?.index !== 0) return undefined
  const line = /^candor_incident:\s*(.+?)\s*$/m.exec(front[1]!)
  if (!line) return undefined
  const value = line[1]!
  try {
    return value.startsWith('"') ? (JSON.parse(value) as string) : value.replace(/^'(.*)'$/, '$1')
  } catch {
    return undefined
  }
}

/** Removes the section of one update part; returns the content unchanged if it is not there. */
export function removeSection(content: string, update: number, part: number): string {
  const starts = [...content.matchAll(SECTION)].map((m) => ({index: m.index, update: Number(m[1]), part: Number(m[2])}))
  const i = starts.findIndex((s) => s.update === update && s.part === part)
  if (i < 0) return content
  const end = starts[i + 1]?.index ?? content.length
  return content.slice(0, starts[i]!.index) + content.slice(end)
}

function sectionCount(content: string): number {
  return [...content.matchAll(SECTION)].length
}

function fail(error: unknown, what: string): DeliveryError {
  if (error instanceof DeliveryError) return error
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
  return new DeliveryError(`could not ${what}: ${code}`, {retry: TRANSIENT_CODES.has(code) ? 'transient' : 'never'})
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function startedAt(store: IncidentStore | undefined, id: string, now: Date): Promise<Date> {
  try {
    const opened = (await store?.read(id))?.events.find((e) => e.type === 'opened')
    if (opened && opened.type === 'opened' && !Number.isNaN(Date.parse(opened.started_at)))
      return new Date(opened.started_at)
  } catch {
    // No journal to read (a test, a dry store): fall back below.
  }
  const fromId = /^(\d{4}-\d{2}-\d{2})(?:-|$)/.exec(id)?.[1]
  return fromId && !Number.isNaN(Date.parse(fromId)) ? new Date(`${fromId}T00:00:00Z`) : now
}

/** `YYYY-MM-DD-<id>.md`, without repeating the date when the id already starts with it (Candor's default ids do). */
export function postFileName(id: string, started: Date): string {
  const day = started.toISOString().slice(0, 10)
  return id === day || id.startsWith(`${day}-`) ? `${id}.md` : `${day}-${id}.md`
}

/**
 * Markdown blog adapter (no network): one Jekyll/Hugo post per incident in the channel's
 * `dir`, updates appended in order like a live blog (newest at the bottom), each under
 * `## Phase — 25 Nov 2026, 14:02 UTC` after a hidden `<!-- candor:update=N part=P -->`
 * marker. Files are written atomically; a file without this incident's `candor_incident`
 * marker in its front matter is never touched. The returned id is the file name (relative
 * to `dir`), which later updates of the incident append to. Idempotent: a part whose marker
 * is already in the file is not written again, so `candor retry` simply sends it again.
 */
export const createAdapter: AdapterFactory = ({channel, store}): ChannelAdapter => {
  const {dir: configured, tags = []} = optionsOf(channel.kind as typeof markdownKind, channel.options)
  const dir = path.resolve(configured)
  const display = (file: string) => path.join(configured, file)

  function frontMatter(req: PostRequest, started: Date): string {
    const facts = req.incident.facts
    const title =
      req.post.title ||
      (typeof facts.service === 'string' && facts.service ? `${facts.service} incident` : `Incident ${req.incident.id}`)
    return [
      '---',
      `title: ${yamlString(title)}`,
      `date: ${started.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
      `tags: [${tags.map(yamlString).join(', ')}]`,
      `incident: ${yamlString(req.incident.id)}`,
      `candor_incident: ${yamlString(req.incident.id)}`,
      '---',
      '',
    ].join('\n')
  }

  function section(req: PostRequest, now: Date): string {
    // The text is Markdown as written; only a line that would pass for our marker is defused.
    const text = req.text.replace(/<!-- candor:/g, '<!-- candor :').trimEnd()
    const phase = req.incident.phase.charAt(0).toUpperCase() + req.incident.phase.slice(1)
    const heading = req.part === 1 ? `## ${phase} — ${formatUtc(now)}\n\n` : ''
    return `\n${marker(req.incident.update, req.part)}\n${heading}${text}\n`
  }

  /** The file an incident's later update goes to: the name the first update returned. */
  function existingName(req: PostRequest): string | undefined {
    const id = (req.threadRoot ?? req.replyTo)?.id
    if (id === undefined) return undefined
    if (path.basename(id) !== id || !id.endsWith('.md'))
      throw new DeliveryError(`"${id}" is not a post file this channel wrote`, {retry: 'never'})
    return id
  }

  /** Refuses to touch a file another incident or a person wrote. */
  function checkOwner(content: string, file: string, id: string): void {
    if (ownerOf(content) !== id) {
      throw new DeliveryError(
        `${display(file)} exists and was not written by Candor for incident ${id} (no "candor_incident: ${id}" in its front matter); not touching it`,
        {retry: 'never'},
      )
    }
  }

  return {
    describeTarget: () => `Markdown blog posts in ${dir}`,

    /** Sending a part again finds its marker and writes nothing. */
    idempotent: true,

    async post(req): Promise<RemotePost> {
      const now = new Date()
      const {id, update} = req.incident
      const remote = (name: string): RemotePost => ({
        id: name,
        url: display(name),
        ref: {incident: id, update: String(update), part: String(req.part)},
      })
      let file = existingName(req)
      try {
        if (req.signal.aborted) throw new DeliveryError('interrupted before writing the post file', {retry: 'never'})
        const started = await startedAt(store, id, now)
        file ??= postFileName(id, started)
        const target = path.join(dir, file)
        makeFolder(dir)
        let current = await readIfExists(target)
        if (current === undefined) {
          // First update (or the file was removed since): create it, never over someone else's.
          if (await createFileExclusive(target, frontMatter(req, started) + section(req, now))) return remote(file)
          current = await readIfExists(target)
          if (current === undefined)
            throw new DeliveryError(`${display(file)} appeared and vanished while writing; try again`, {
              retry: 'transient',
            })
        }
        checkOwner(current, file, id)
        // Already there: a retry after a crash between writing and journaling.
        if (current.includes(marker(update, req.part))) return remote(file)
        // A function, not a string: in a replacement string, a title's `$&`, `$'` or `$$` would be patterns.
        const title = `title: ${yamlString(req.post.title ?? '')}`
        const titled = req.post.title ? current.replace(/^title: .*$/m, () => title) : current
        await replaceFileAtomic(target, titled.trimEnd() + '\n' + section(req, now))
        return remote(file)
      } catch (error) {
        throw fail(error, `write ${display(file ?? 'the post file')}`)
      }
    },

    async delete(remote) {
      const update = Number(remote.ref?.update)
      const part = Number(remote.ref?.part ?? 1)
      if (!Number.isInteger(update) || path.basename(remote.id) !== remote.id)
        throw new DeliveryError(`"${remote.id}" does not name an update this channel wrote`, {retry: 'never'})
      const target = path.join(dir, remote.id)
      try {
        const current = await readIfExists(target)
        if (current === undefined) return
        checkOwner(current, remote.id, remote.ref?.incident ?? '')
        const rest = removeSection(current, update, part)
        if (rest === current) return
        // Retracting the only update retracts the post: an empty post would still be published.
        if (sectionCount(rest) === 0) {
          await fs.rm(target)
          await syncFolder(dir)
        } else {
          await replaceFileAtomic(target, rest.trimEnd() + '\n')
        }
      } catch (error) {
        throw fail(error, `remove update ${update} from ${display(remote.id)}`)
      }
    },

    async whoami() {
      let existing = dir
      while (!(await fs.stat(existing).catch(() => undefined))) existing = path.dirname(existing)
      const writable = await fs.access(existing, constants.W_OK).then(
        () => true,
        () => false,
      )
      if (existing !== dir)
        return `${dir} (does not exist yet; ${writable ? `will be created in ${existing}` : `${existing} is not writable`})`
      return `${dir} (${writable ? 'writable' : 'not writable'})`
    },
  }
}

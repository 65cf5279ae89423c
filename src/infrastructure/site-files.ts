import {withLock} from '../services/incident/with-lock.js'
import {closeSync, existsSync, fsyncSync, lstatSync, openSync, readFileSync, rmdirSync, unlinkSync} from 'node:fs'
import path from 'node:path'
import {CandorError} from '../domain/errors.js'
import type {IncidentStore} from '../services/incident/store.js'
import {
  buildSite,
  feedCutoff,
  type SiteFile,
  type SiteOptions,
  siteSettings,
  updateSite,
} from '../services/site/build.js'
import type {ListedIncident} from '../services/site/model.js'
import {
  loadAllIncidents,
  loadSomeIncidents,
  SITE_LOCK,
  type SiteBuildRequest,
  type SiteBuildResult,
} from '../services/site/service.js'
import {
  hiddenKey,
  newSalt,
  parseSiteIndex,
  sameSettings,
  type SiteIndex,
  type SiteSettings,
  serializeSiteIndex,
} from '../services/site/site-index.js'
import {writeFileAtomic} from './fs/atomic-write.js'
import {makeFolder} from './fs/make-folder.js'

/*
 * The status site on disk: services/site builds its pages in memory (SiteFile), this
 * writes them into the site's folder.
 */

/** The file in the site's folder that lists what Candor wrote there. */
export const MANIFEST = '.candor-site.json'
/** The site index (services/site/site-index.ts): what a publish needs to know of the incidents not published. */
export const SITE_INDEX = '.candor-site-index.json'

export interface WriteResult {
  /** Absolute path of the site's folder. */
  dir: string
  /** Every file of the site (relative paths). */
  files: string[]
  /** Files whose content changed (or that are new). */
  written: string[]
  /** Files Candor wrote earlier that the site no longer has. */
  removed: string[]
}

interface Manifest {
  generator: 'candor'
  version: 1
  files: string[]
}

/** A relative, normalised, `/`-separated path that stays inside the folder. */
function safeRelative(p: unknown): p is string {
  if (typeof p !== 'string' || p === '' || p.includes('\\') || p.includes('\0')) return false
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return false
  const parts = p.split('/')
  return parts.every((s) => s !== '' && s !== '.' && s !== '..') && p !== MANIFEST && p !== SITE_INDEX
}

function readManifest(dir: string): Set<string> {
  const file = path.join(dir, MANIFEST)
  if (!existsSync(file)) return new Set()
  let data: Partial<Manifest>
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>
  } catch {
    throw new CandorError(`${file} is damaged: Candor can't tell which files in ${dir} it wrote`, {
      code: 'site_manifest_damaged',
      suggestions: [
        `Delete ${file} and the files Candor generated (index.html, style.css, feed.atom, feed.json, incidents/), then build again`,
      ],
    })
  }
  // A hand-edited manifest must never make Candor touch anything outside the folder.
  return new Set((Array.isArray(data.files) ? data.files : []).filter(safeRelative))
}

/** Writes a file so that a reader sees the old content or the new, never part of it. */
function writeAtomic(file: string, content: string): void {
  makeFolder(path.dirname(file))
  writeFileAtomic(file, content, {mode: 0o644})
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Some platforms can't fsync a directory; the rename is still atomic.
  }
}

function sameContent(file: string, content: string): boolean {
  try {
    return readFileSync(file, 'utf8') === content
  } catch {
    return false
  }
}

/** Writes the manifest when it would change. */
function writeManifest(dir: string, files: Iterable<string>): void {
  const manifest: Manifest = {generator: 'candor', version: 1, files: [...new Set(files)].sort()}
  const file = path.join(dir, MANIFEST)
  const content = JSON.stringify(manifest, null, 2) + '\n'
  if (!sameContent(file, content)) writeAtomic(file, content)
}

/**
 * Writes a built site into `dir`, each file atomically (temporary file, fsync,
 * rename), in the order given. Keeps a manifest of what Candor wrote: files it did
 * not write are never overwritten or deleted (a clash is an error before anything is
 * written), and only its own files that the site no longer has are removed.
 */
export function writeSite(
  dir: string,
  files: readonly SiteFile[],
  /** Only some of the site's files (a publish): the others stay, and only `remove` go. */
  partial?: {remove: readonly string[]},
): WriteResult {
  const root = path.resolve(dir)
  for (const f of [...files, ...(partial?.remove ?? []).map((p) => ({path: p}))])
    if (!safeRelative(f.path)) throw new Error(`site file path "${f.path}" is not a plain relative path`)
  if (existsSync(root) && !lstatSync(root).isDirectory()) {
    throw new CandorError(`${root} is not a folder`, {
      code: 'site_dir_invalid',
      suggestions: ["Point the site channel's `dir` (or --out) at a folder"],
    })
  }
  makeFolder(root)
  const previous = readManifest(root)

  const clashes = files.filter(
    (f) =>
      !previous.has(f.path) && existsSync(path.join(root, f.path)) && !sameContent(path.join(root, f.path), f.content),
  )
  if (clashes.length > 0) {
    throw new CandorError(
      `${clashes.map((f) => f.path).join(', ')} in ${root} ${clashes.length === 1 ? 'was' : 'were'} not written by Candor; nothing was changed`,
      {
        code: 'site_file_conflict',
        suggestions: [`Move ${clashes.length === 1 ? 'it' : 'them'} away, or build the site into another folder`],
      },
    )
  }

  const gone = new Set(partial?.remove ?? [])
  const next = partial
    ? [...new Set([...[...previous].filter((p) => !gone.has(p)), ...files.map((f) => f.path)])]
    : files.map((f) => f.path)
  // A publish that adds and removes no file leaves the manifest as it is (2,000 names to compare).
  const sameFiles = partial !== undefined && gone.size === 0 && files.every((f) => previous.has(f.path))
  // Claim every file before writing it, so a crash midway never leaves a file of ours unlisted.
  if (!sameFiles) writeManifest(root, [...previous, ...next])

  const written: string[] = []
  const dirs = new Set<string>([root])
  for (const f of files) {
    const target = path.join(root, f.path)
    if (sameContent(target, f.content)) continue
    writeAtomic(target, f.content)
    written.push(f.path)
    dirs.add(path.dirname(target))
  }
  for (const d of dirs) syncDir(d)

  const removed: string[] = []
  const keep = new Set(next)
  for (const old of previous) {
    if (keep.has(old)) continue
    const target = path.join(root, old)
    try {
      unlinkSync(target)
      removed.push(old)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    // Folders Candor's files were in go too, once empty (never the site's folder itself).
    for (let d = path.dirname(target); d !== root && d.startsWith(root + path.sep); d = path.dirname(d)) {
      try {
        rmdirSync(d)
      } catch {
        break
      }
    }
  }
  if (!sameFiles) writeManifest(root, next)
  return {dir: root, files: next, written, removed}
}

function readSiteIndex(root: string): {index: SiteIndex} | {problem: string} | {missing: true} {
  let text: string
  try {
    text = readFileSync(path.join(root, SITE_INDEX), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {missing: true}
    return {problem: `can't be read (${(error as Error).message})`}
  }
  return parseSiteIndex(text)
}

function writeSiteIndex(
  root: string,
  parts: {settings: SiteSettings; now: Date; salt: string; ids: readonly string[]; listed: ListedIncident[]},
): void {
  const shown = new Set(parts.listed.map((i) => i.id))
  const index: SiteIndex = {
    settings: parts.settings,
    feedSince: new Date(feedCutoff(parts.now)).toISOString(),
    salt: parts.salt,
    hidden: parts.ids.filter((id) => !shown.has(id)).map((id) => hiddenKey(parts.salt, id)),
    incidents: parts.listed,
  }
  // Atomic but not synced (half a megabyte for 2,000 incidents): it is a cache. A power cut that
  // tears it fails its checksum (a rebuild); one that loses the rename leaves the one before,
  // behind the pages by the last publish until that incident's next one or `site build`.
  writeFileAtomic(path.join(root, SITE_INDEX), serializeSiteIndex(index), {mode: 0o644, durable: false})
}

function optionsOf(req: SiteBuildRequest): SiteOptions {
  return {
    title: req.title,
    baseUrl: req.baseUrl,
    components: req.components,
    lang: req.lang,
    now: req.now ?? new Date(),
    exclude: req.exclude,
  }
}

/** Every page from every journal, and a fresh site index. Call holding SITE_LOCK. */
async function buildEverything(store: IncidentStore, req: SiteBuildRequest, notes: string[]): Promise<SiteBuildResult> {
  const options = optionsOf(req)
  const {states, warnings, ids} = await loadAllIncidents(store, {rehearsals: req.rehearsals})
  const site = buildSite(states, options)
  const root = path.resolve(req.out)
  const result = writeSite(root, site.files)
  writeSiteIndex(root, {
    settings: siteSettings(options, Boolean(req.rehearsals)),
    now: options.now,
    salt: newSalt(),
    ids,
    listed: site.listed,
  })
  return {
    out: result.dir,
    files: result.files,
    generated: site.files.map((f) => f.path),
    written: result.written,
    removed: result.removed,
    full: true,
    notes,
    incidents: site.incidents.map((i) => i.id),
    warnings: [...warnings, ...site.warnings],
  }
}

/** Rebuilds the status site from every incident in the store and writes it atomically. */
export async function buildSiteFromStore(store: IncidentStore, req: SiteBuildRequest): Promise<SiteBuildResult> {
  return withLock({store, actor: 'candor', lockTimeoutMs: req.lockTimeoutMs ?? 30_000}, SITE_LOCK, 'site build', () =>
    buildEverything(store, req, []),
  )
}

/**
 * The site after a publish of `incidents` (or a retraction from them): their pages, the
 * overview, the history months they are in and the feeds, from the site index and the
 * journals of those incidents and of every open one. An index that is missing, damaged,
 * of another version or settings, or that disagrees with the store's list of journals is
 * not used: every page is rebuilt from the journals, with a note saying why.
 */
export async function publishToSite(
  store: IncidentStore,
  req: SiteBuildRequest & {incidents: readonly string[]},
): Promise<SiteBuildResult> {
  return withLock(
    {store, actor: 'candor', lockTimeoutMs: req.lockTimeoutMs ?? 30_000},
    SITE_LOCK,
    'site build',
    async () => {
      const root = path.resolve(req.out)
      const options = optionsOf(req)
      const settings = siteSettings(options, Boolean(req.rehearsals))
      const reading = readSiteIndex(root)
      const rebuild = (why: string) =>
        buildEverything(store, req, [
          `the site index ${path.join(root, SITE_INDEX)} ${why}: rebuilt every page from the journals`,
        ])
      if ('missing' in reading)
        // A new site has no index yet; one Candor built before had better have one.
        return existsSync(path.join(root, MANIFEST)) ? rebuild('was missing') : buildEverything(store, req, [])
      if ('problem' in reading) return rebuild(reading.problem)
      const {index} = reading
      if (!sameSettings(index.settings, settings))
        return rebuild('was made with other settings (title, URL, components)')
      if (feedCutoff(options.now) < Date.parse(index.feedSince))
        return rebuild('was written later than now (a clock set back?)')

      const ids = await store.list()
      const inStore = new Set(ids)
      const gone = index.incidents.filter((i) => !inStore.has(i.id))
      if (gone.length > 0)
        return rebuild(`lists ${gone.length} incident(s) the store has no journal for (${gone[0].id}…)`)
      const known = new Set(index.incidents.map((i) => i.id))
      const hidden = new Set(index.hidden)
      const excluded = [...(req.exclude ?? [])].map((e) => e.slice(0, Math.max(0, e.lastIndexOf('/'))))
      const load = new Set(
        [
          ...req.incidents,
          ...excluded,
          // Open incidents: their cards show every update, and they may have been resolved elsewhere.
          ...index.incidents.filter((i) => i.resolvedAt === undefined).map((i) => i.id),
          // Journals the index never saw (opened since, copied in, published from another machine).
          ...ids.filter((id) => !known.has(id) && !hidden.has(hiddenKey(index.salt, id))),
        ].filter((id) => inStore.has(id)),
      )
      const {states, warnings} = await loadSomeIncidents(store, load, {rehearsals: req.rehearsals})
      const plan = updateSite(index.incidents, ids, states, req.incidents, options)
      const result = writeSite(root, plan.files, {remove: plan.remove})
      writeSiteIndex(root, {settings, now: options.now, salt: index.salt, ids, listed: plan.listed})
      return {
        out: result.dir,
        files: result.files,
        generated: plan.files.map((f) => f.path),
        written: result.written,
        removed: result.removed,
        full: false,
        notes: [],
        incidents: plan.listed.map((i) => i.id),
        warnings: [...warnings, ...plan.warnings],
      }
    },
  )
}

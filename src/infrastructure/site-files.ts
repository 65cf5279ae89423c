import {withLock} from '../services/incident/with-lock.js'
import {closeSync, existsSync, fsyncSync, lstatSync, openSync, readFileSync, rmdirSync, unlinkSync} from 'node:fs'
import path from 'node:path'
import {CandorError} from '../domain/errors.js'
import type {IncidentStore} from '../services/incident/store.js'
import {buildSite, type SiteFile} from '../services/site/build.js'
import {loadAllIncidents, SITE_LOCK, type SiteBuildRequest, type SiteBuildResult} from '../services/site/service.js'
import {writeFileAtomic} from './fs/atomic-write.js'
import {makeFolder} from './fs/make-folder.js'

/*
 * The status site on disk: services/site builds its pages in memory (SiteFile), this
 * writes them into the site's folder.
 */

/** The file in the site's folder that lists what Candor wrote there. */
export const MANIFEST = '.candor-site.json'

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
  return parts.every((s) => s !== '' && s !== '.' && s !== '..') && p !== MANIFEST
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
export function writeSite(dir: string, files: readonly SiteFile[]): WriteResult {
  const root = path.resolve(dir)
  for (const f of files)
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

  const next = files.map((f) => f.path)
  // Claim every file before writing it, so a crash midway never leaves a file of ours unlisted.
  writeManifest(root, [...previous, ...next])

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
  writeManifest(root, next)
  return {dir: root, files: next, written, removed}
}

/** Rebuilds the status site from every incident in the store and writes it atomically. */
export async function buildSiteFromStore(store: IncidentStore, req: SiteBuildRequest): Promise<SiteBuildResult> {
  return withLock(
    {store, actor: 'candor', lockTimeoutMs: req.lockTimeoutMs ?? 30_000},
    SITE_LOCK,
    'site build',
    async () => {
      const {states, warnings} = await loadAllIncidents(store, {rehearsals: req.rehearsals})
      const site = buildSite(states, {
        title: req.title,
        baseUrl: req.baseUrl,
        components: req.components,
        lang: req.lang,
        now: req.now ?? new Date(),
        exclude: req.exclude,
      })
      const result = writeSite(path.resolve(req.out), site.files)
      return {
        out: result.dir,
        files: result.files,
        written: result.written,
        removed: result.removed,
        incidents: site.incidents.map((i) => i.id),
        warnings: [...warnings, ...site.warnings],
      }
    },
  )
}

import {readdirSync, readFileSync, type Stats, statSync, unlinkSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {TemplateCache} from '../services/render/template-cache-port.js'
import {writeFileAtomic} from './fs/atomic-write.js'
import {makeFolder} from './fs/make-folder.js'
import {privacyProblem} from './fs/private-path.js'

/**
 * What Candor learns from a template (its analysis, its compiled code), kept on disk
 * between runs. Parsing and compiling with Handlebars is the dearest step of a preview or
 * publish that runs in a fresh process (30 ms of a 0.35 s preview) and its result only
 * depends on the template's text, so the second run of the same template skips it.
 *
 * Each entry is one JSON file named by a hash of what it is for, and holds that whole
 * input: an entry is used only when the input matches exactly, never on a hash alone.
 * Compiled code is run when read back, so the folder must be the user's own and not
 * writable by anyone else (created 0700); when it is not, the cache is not used at all.
 *
 * Where: $CANDOR_CACHE_DIR, else $XDG_CACHE_HOME/candor, else ~/.cache/candor.
 * CANDOR_CACHE=off turns it off. Every failure (read-only home, full disk, a damaged
 * entry) silently falls back to compiling: the cache can only make things faster.
 *
 * Trust: compiled code read from here is run (new Function in services/render/template.ts),
 * so whoever can write this folder could run code as the user. The owner and mode checks
 * (the folder and each entry must be the user's own and writable by nobody else) are what
 * keep another user from planting code; drop them and the cache becomes a way in.
 * The renderer knows only the TemplateCache interface (services/render/template-cache-port.ts);
 * src/cli registers this cache at start-up.
 */

const FORMAT = 1
// Entries untouched for this long are removed when new ones are written.
const MAX_AGE_MS = 90 * 86_400_000

export function templateCacheDir(env: Record<string, string | undefined> = process.env): string | undefined {
  if ((env.CANDOR_CACHE ?? '').toLowerCase() === 'off') return undefined
  if (env.CANDOR_CACHE_DIR) return path.resolve(env.CANDOR_CACHE_DIR)
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache')
  return path.join(base, 'candor')
}

/** A 53-bit string hash (cyrb53): only names the file; the entry itself is compared in full. */
function hash(text: string): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

interface Entry {
  format: number
  kind: string
  input: string
  value: unknown
}

export class DiskTemplateCache implements TemplateCache {
  // undefined: not checked yet; false: not usable (missing and not creatable, or not safe).
  private usable: boolean | undefined
  private pruned = false

  constructor(readonly dir: string) {}

  /** The folder exists (or was just made), is ours and nobody else can write to it. */
  private ready(create: boolean): boolean {
    if (this.usable !== undefined) return this.usable
    try {
      let st: Stats | undefined
      try {
        st = statSync(this.dir)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !create) return false // look again when writing
        makeFolder(this.dir, 0o700)
        st = statSync(this.dir)
      }
      this.usable = st.isDirectory() && !privacyProblem(st)
    } catch {
      this.usable = false
    }
    return this.usable
  }

  private file(kind: string, input: string): string {
    return path.join(this.dir, `${kind}-${hash(input)}.json`)
  }

  get(kind: string, input: string): unknown {
    if (!this.ready(false)) return undefined
    try {
      const file = this.file(kind, input)
      const st = statSync(file)
      // An entry someone else could have written is never read: its code would be run (see above).
      if (!st.isFile() || privacyProblem(st)) return undefined
      const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry
      return entry.format === FORMAT && entry.kind === kind && entry.input === input ? entry.value : undefined
    } catch {
      return undefined
    }
  }

  set(kind: string, input: string, value: unknown): void {
    if (!this.ready(true)) return
    try {
      const file = this.file(kind, input)
      // Written aside and renamed into place: a reader never sees half an entry. Not synced:
      // an entry lost in a crash is only compiled again.
      writeFileAtomic(file, JSON.stringify({format: FORMAT, kind, input, value} satisfies Entry), {
        mode: 0o600,
        durable: false,
      })
      this.prune()
    } catch {
      // A cache that cannot be written only means compiling again next time.
    }
  }

  private prune(): void {
    if (this.pruned) return
    this.pruned = true
    const now = Date.now()
    for (const name of readdirSync(this.dir)) {
      const file = path.join(this.dir, name)
      try {
        const st = statSync(file)
        if (now - st.mtimeMs > MAX_AGE_MS || (name.endsWith('.tmp') && now - st.mtimeMs > 60_000)) unlinkSync(file)
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  }
}

let shared: TemplateCache | null | undefined

/** The process's cache, or null when it is turned off (read from the environment on first use). */
export function processTemplateCache(env: Record<string, string | undefined> = process.env): TemplateCache | null {
  if (shared === undefined) {
    const dir = templateCacheDir(env)
    shared = dir ? new DiskTemplateCache(dir) : null
  }
  return shared
}

import {isUtf8} from 'node:buffer'
import {readFileSync, realpathSync, statSync} from 'node:fs'
import path from 'node:path'

const MAX_FILE_BYTES = 1024 * 1024

/** How a path is shown in messages: relative to the current directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file
}

/** `templates/x/investigating.hbs` in `de` → `templates/x/investigating.de.hbs`. */
export function localizedTemplatePath(file: string, locale: string): string {
  const ext = path.extname(file)
  return ext ? `${file.slice(0, -ext.length)}.${locale}${ext}` : `${file}.${locale}`
}

/** Reads a text file as strict UTF-8; a problem (not an exception) when it can't. */
export function readUtf8(file: string): {text?: string; error?: string} {
  try {
    const st = statSync(file)
    if (st.isDirectory()) return {error: 'is a directory, not a file'}
    if (st.size > MAX_FILE_BYTES) return {error: `is ${st.size} bytes; files over 1 MiB are refused`}
    const bytes = readFileSync(file)
    // isUtf8 then toString, not a fatal TextDecoder: the same check, without the ~10 ms
    // the first TextDecoder of a process costs.
    if (!isUtf8(bytes)) return {error: 'is not valid UTF-8 text'}
    return {text: bytes.toString('utf8').replace(/^\uFEFF/, '')}
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e.code === 'ENOENT') return {error: 'no such file'}
    if (e.code === 'EACCES') return {error: 'permission denied'}
    return {error: e.message}
  }
}

/**
 * Reads a template only when it really lies inside the playbook's folder: the real path
 * of the file (every symlink resolved) must be under the real path of the folder. A
 * symlink such as `templates/inv.hbs -> ../../.env` is refused and never read.
 */
export function readTemplateFile(
  file: string,
  playbookDir: string,
  realDirs: Map<string, string> = new Map(),
): {text?: string; error?: string} {
  let real: string
  let realDir: string
  try {
    // A playbook has dozens of templates: resolve its folder once, and each file with libuv's realpath (the JS one walks every path segment).
    realDir = realDirs.get(playbookDir) ?? realpathSync.native(playbookDir)
    realDirs.set(playbookDir, realDir)
    real = realpathSync.native(file)
  } catch {
    return readUtf8(file) // missing or unreadable: say so as any other read would
  }
  const rel = path.relative(realDir, real)
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return {
      error: `it resolves to ${real}, outside the playbook's folder (a symlink?); keep templates inside the playbook's folder (copy the file instead of linking it)`,
    }
  }
  return readUtf8(real)
}

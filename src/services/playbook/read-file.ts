import {isUtf8} from 'node:buffer'
import {readFileSync, statSync} from 'node:fs'

const MAX_FILE_BYTES = 1024 * 1024

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

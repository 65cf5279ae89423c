import path from 'node:path'
import {CandorError} from '../../domain/errors.js'

/** Where a store is: a local state directory, or a shared PostgreSQL database. */
export type StoreSpec = {kind: 'file'; dir: string} | {kind: 'postgres'; url: string}

const POSTGRES = /^postgres(?:ql)?:\/\//i
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * Reads a `--store` value: `postgres://user:pass@host:port/db` (or `postgresql://`) is
 * PostgreSQL; `file:DIR` or a plain path is a state directory.
 */
export function parseStoreSpec(value: string): StoreSpec {
  const v = value.trim()
  if (POSTGRES.test(v)) {
    try {
      const u = new URL(v)
      if (!u.hostname && !u.searchParams.get('host')) throw new Error('no host')
    } catch {
      throw new CandorError(`the store URL ${redactStoreUrl(v)} is not a valid PostgreSQL URL`, {
        code: 'bad_store',
        suggestions: [
          'Use postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in the password)',
        ],
      })
    }
    return {kind: 'postgres', url: v}
  }
  if (/^file:/i.test(v)) return {kind: 'file', dir: path.resolve(v.replace(/^file:(\/\/)?/i, '') || '.')}
  if (ANY_SCHEME.test(v)) {
    throw new CandorError(`unsupported store ${redactStoreUrl(v)}`, {
      code: 'bad_store',
      suggestions: ['Use a postgres:// URL for a shared store, or a directory path for a local one'],
    })
  }
  if (!v)
    throw new CandorError('the store is empty', {
      code: 'bad_store',
      suggestions: ['Pass a postgres:// URL or a directory'],
    })
  return {kind: 'file', dir: path.resolve(v)}
}

/** The URL with its password replaced by `••••`, for messages and `location`. */
export function redactStoreUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i.exec(url)
  let out = url
  if (m) {
    const userinfo = m[2]
    const colon = userinfo.indexOf(':')
    if (colon >= 0) out = `${m[1]}${userinfo.slice(0, colon)}:••••@${url.slice(m[0].length)}`
  }
  // A password may also come as a query parameter.
  return out.replace(/([?&]password=)[^&#]*/gi, '$1••••')
}

/** The password in a store URL (raw and decoded), so the output layer can mask it. */
export function storeUrlPasswords(url: string): string[] {
  const out = new Set<string>()
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(url.trim())
  if (m) {
    const colon = m[1].indexOf(':')
    if (colon >= 0) out.add(m[1].slice(colon + 1))
  }
  for (const q of url.matchAll(/[?&]password=([^&#]*)/gi)) out.add(q[1])
  for (const raw of [...out]) {
    try {
      out.add(decodeURIComponent(raw))
    } catch {
      // not valid percent-encoding: the raw form is masked anyway
    }
  }
  return [...out].filter((p) => p.length > 0)
}

/**
 * Every store password a command could print: from `CANDOR_STORE` and from any
 * postgres URL on the command line (`--store`, `--from`, `--to`).
 */
export function storeSecrets(argv: readonly string[], env: Record<string, string | undefined>): string[] {
  const urls: string[] = []
  if (env.CANDOR_STORE) urls.push(env.CANDOR_STORE)
  for (const arg of argv) {
    const value = arg.startsWith('--') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg
    if (POSTGRES.test(value.trim())) urls.push(value)
  }
  return [...new Set(urls.flatMap(storeUrlPasswords))]
}

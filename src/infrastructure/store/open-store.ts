import path from 'node:path'
import type {IncidentStore} from '../../services/incident/store.js'
import {findStateDir} from '../fs/project.js'
import {FileIncidentStore} from './file-store.js'
import {PgIncidentStore} from './postgres.js'
import {parseStoreSpec} from './url.js'

export const DEFAULT_STATE_DIR = '.candor'

/**
 * --state-dir, else CANDOR_STATE_DIR, else `.candor/` in the current folder or the nearest
 * folder above it (as git finds `.git`), else ./.candor (created on first use).
 */
export function resolveStateDir(
  flag?: string,
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): string {
  const given = flag || env.CANDOR_STATE_DIR
  if (given) return path.resolve(cwd, given)
  return findStateDir(cwd) ?? path.resolve(cwd, DEFAULT_STATE_DIR)
}

export interface StoreChoice {
  /** --state-dir */
  stateDir?: string
  /** --store: a postgres:// URL (team mode) or a directory */
  store?: string
}

/**
 * The store a command works on: `--store`, else `--state-dir`, else `$CANDOR_STORE`
 * (also read from .env), else `$CANDOR_STATE_DIR`, else ./.candor. A postgres:// URL
 * selects the shared PostgreSQL store. (A bare string is the `--state-dir` value.)
 */
export function openStore(choice: StoreChoice | string, env: Record<string, string | undefined>): IncidentStore {
  const {stateDir, store} = typeof choice === 'string' ? {stateDir: choice, store: undefined} : choice
  const spec = store || (stateDir ? undefined : env.CANDOR_STORE)
  if (spec) {
    const parsed = parseStoreSpec(spec)
    if (parsed.kind === 'postgres') return new PgIncidentStore(parsed.url)
    return new FileIncidentStore(parsed.dir, {explicit: Boolean(store)})
  }
  return new FileIncidentStore(resolveStateDir(stateDir, env), {explicit: Boolean(stateDir)})
}

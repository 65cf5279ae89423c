import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * The template cache (src/infrastructure/template-cache.ts) of every test and every CLI run they
 * start: a throw-away folder, so tests never read or fill the machine's ~/.cache/candor.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'candor-test-cache-'))
  process.env.CANDOR_CACHE_DIR = path.join(dir, 'candor')
  return () => rmSync(dir, {recursive: true, force: true})
}

// The fake platform APIs the tests and `candor sandbox` use (src/infrastructure/sandbox/fakes/*.ts),
// compiled on the fly, so the bench talks to exactly the same fakes as the test suite.
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {compileAndImport} from './compile-ts.mjs'

const FAKES_DIR = path.join('src', 'infrastructure', 'sandbox', 'fakes')

/** Which fakes exist and can add latency (`latencyMs`); `name` is e.g. "x-api". */
export function availableFakes(root) {
  const dir = path.join(root, FAKES_DIR)
  return ['x-api', 'mastodon-api'].filter((name) => {
    const file = path.join(dir, `${name}.ts`)
    return existsSync(file) && /latencyMs/.test(readFileSync(file, 'utf8'))
  })
}

/** Compiles the named fakes into `out` (an empty folder) and imports them: returns {name: module}. */
export function loadFakes(root, names, out) {
  return compileAndImport(root, FAKES_DIR, names, out)
}

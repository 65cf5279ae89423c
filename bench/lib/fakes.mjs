// The fake platform APIs the tests use (src/infrastructure/sandbox/fakes/*.ts), compiled on the fly with the
// project's own tsc (no type check) into a temp folder, so the bench talks to exactly
// the same fakes as the test suite.
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

/** Which fakes exist and can add latency (`latencyMs`); `name` is e.g. "x-api". */
export function availableFakes(root) {
  const dir = path.join(root, 'src', 'infrastructure', 'sandbox', 'fakes')
  return ['x-api', 'mastodon-api'].filter((name) => {
    const file = path.join(dir, `${name}.ts`)
    return existsSync(file) && /latencyMs/.test(readFileSync(file, 'utf8'))
  })
}

/** Compiles the named fakes into `out` (an empty folder) and imports them: returns {name: module}. */
export async function loadFakes(root, names, out) {
  const files = names.map((n) => path.join(root, 'src', 'infrastructure', 'sandbox', 'fakes', `${n}.ts`))
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = [
    tsc,
    '--ignoreConfig',
    '--noCheck',
    '--outDir',
    out,
    '--rootDir',
    path.join(root, 'src', 'infrastructure', 'sandbox', 'fakes'),
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--skipLibCheck',
    '--types',
    'node',
    ...files,
  ]
  const r = spawnSync(process.execPath, args, {cwd: root, encoding: 'utf8'})
  writeFileSync(path.join(out, 'package.json'), '{"type": "module"}\n')
  // The fakes import packages (twitter-text, to count as X does): resolve them from the project.
  if (!existsSync(path.join(out, 'node_modules')))
    symlinkSync(path.join(root, 'node_modules'), path.join(out, 'node_modules'), 'dir')
  const modules = {}
  for (const n of names) {
    const js = path.join(out, `${n}.js`)
    if (!existsSync(js))
      throw new Error(`could not compile src/infrastructure/sandbox/fakes/${n}.ts:\n${r.stdout}${r.stderr}`)
    modules[n] = await import(pathToFileURL(js).href)
  }
  return modules
}

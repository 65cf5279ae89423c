// Compiles some of the project's TypeScript files on the fly with its own tsc (no type check)
// into a temp folder and imports them, so the bench runs exactly the code the tests use.
import {spawnSync} from 'node:child_process'
import {existsSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

/** Compiles `names` (file names without `.ts`) of `dir` (relative to `root`) into `out`: returns {name: module}. */
export async function compileAndImport(root, dir, names, out) {
  const from = path.join(root, dir)
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = [
    tsc,
    '--ignoreConfig',
    '--noCheck',
    '--outDir',
    out,
    '--rootDir',
    from,
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--skipLibCheck',
    '--types',
    'node',
    ...names.map((n) => path.join(from, `${n}.ts`)),
  ]
  const r = spawnSync(process.execPath, args, {cwd: root, encoding: 'utf8'})
  writeFileSync(path.join(out, 'package.json'), '{"type": "module"}\n')
  // The compiled files import packages (twitter-text, pg): resolve them from the project.
  if (!existsSync(path.join(out, 'node_modules')))
    symlinkSync(path.join(root, 'node_modules'), path.join(out, 'node_modules'), 'dir')
  const modules = {}
  for (const n of names) {
    const js = path.join(out, `${n}.js`)
    if (!existsSync(js)) throw new Error(`could not compile ${dir}/${n}.ts:\n${r.stdout}${r.stderr}`)
    modules[n] = await import(pathToFileURL(js).href)
  }
  return modules
}

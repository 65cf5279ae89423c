// Copies the built CLI (what `npm pack` ships: bin, dist, the manifest, playbooks and
// templates) into a temp folder whose node_modules links to the project's, and runs the
// bench against that copy. A rebuild in the working tree halfway through a run (dist/ is
// deleted and re-emitted) then cannot mix two builds into one set of figures.
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

function commandIds(dir, prefix = '') {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    if (e.isDirectory()) return commandIds(path.join(dir, e.name), `${prefix}${e.name}:`)
    return e.name.endsWith('.js') ? [`${prefix}${e.name.slice(0, -3)}`] : []
  })
}

export function snapshotBuild(root) {
  for (const f of ['dist/commands', 'oclif.manifest.json']) {
    if (!existsSync(path.join(root, f)))
      throw new Error(`${f} is missing: run \`npm run build\` (or \`npm run bench\`, which builds first)`)
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'candor-bench-build-'))
  for (const f of ['package.json', 'oclif.manifest.json', 'bin', 'dist', 'playbooks']) {
    cpSync(path.join(root, f), path.join(dir, f), {recursive: true, dereference: true})
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  const manifest = Object.keys(JSON.parse(readFileSync(path.join(dir, 'oclif.manifest.json'), 'utf8')).commands).sort()
  const built = commandIds(path.join(dir, 'dist', 'commands')).sort()
  if (JSON.stringify(manifest) !== JSON.stringify(built)) {
    throw new Error(
      'oclif.manifest.json does not match dist/commands (a build in progress?): run `npm run build` and try again',
    )
  }
  return {dir, bin: path.join(dir, 'bin', 'run.js')}
}

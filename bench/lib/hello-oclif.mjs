// The startup baseline: a bare oclif CLI with one hello-world command, built in a temp
// folder against the very same @oclif/core Candor uses (node_modules is a symlink to
// Candor's), with a manifest like Candor's, so the only difference is Candor's own work.
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

export async function buildHelloOclif(root) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'candor-bench-hello-'))
  mkdirSync(path.join(dir, 'bin'))
  mkdirSync(path.join(dir, 'dist', 'commands'), {recursive: true})
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'hello',
        version: '1.0.0',
        type: 'module',
        oclif: {bin: 'hello', dirname: 'hello', commands: './dist/commands'},
      },
      null,
      2,
    ),
  )
  writeFileSync(
    path.join(dir, 'bin', 'run.js'),
    "#!/usr/bin/env node\nimport {execute} from '@oclif/core'\n\nawait execute({dir: import.meta.url})\n",
  )
  writeFileSync(
    path.join(dir, 'dist', 'commands', 'hello.js'),
    "import {Command} from '@oclif/core'\n\nexport default class Hello extends Command {\n  static summary = 'Say hello'\n\n  async run() {\n    this.log('hello world')\n  }\n}\n",
  )
  // The same manifest generation as Candor's build, so both skip command discovery.
  const {Plugin} = await import(
    pathToFileURL(path.join(root, 'node_modules', '@oclif', 'core', 'lib', 'index.js')).href
  )
  const plugin = new Plugin({
    root: dir,
    type: 'core',
    ignoreManifest: true,
    errorOnManifestCreate: true,
    respectNoCacheDefault: true,
  })
  await plugin.load()
  writeFileSync(path.join(dir, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')
  return {dir, bin: path.join(dir, 'bin', 'run.js')}
}

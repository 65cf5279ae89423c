// Which modules one CLI run loads, through the record-modules.mjs preload. Shared by
// bench/run.mjs and test/startup.test.ts.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const PRELOAD = new URL('./record-modules.mjs', import.meta.url).href

/** What `--version` and `preview` must never load: adapters, their SDKs, prompts, spinners, mail. */
export const FORBIDDEN = [
  {name: 'channel adapters (dist/channels/*/adapter.js)', test: (f) => /\/dist\/channels\/[^/]+\/adapter\.js$/.test(f)},
  {name: 'twitter-api-v2', test: (f) => /\/node_modules\/twitter-api-v2\//.test(f)},
  {name: '@atproto/*', test: (f) => /\/node_modules\/@atproto\//.test(f)},
  {name: '@inquirer/*', test: (f) => /\/node_modules\/@inquirer\//.test(f)},
  {name: 'ora', test: (f) => /\/node_modules\/ora\//.test(f)},
  {name: 'nodemailer', test: (f) => /\/node_modules\/nodemailer\//.test(f)},
]

function packageOf(file) {
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)
  return m?.[1]
}

/**
 * Runs `node bin/run.js ...args` with the recorder and returns the files it loaded.
 * @returns {{code: number, stdout: string, stderr: string, files: string[], count: number, packages: string[], candor: string[], forbidden: string[]}}
 */
export function recordModules(root, bin, args, env = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'candor-modules-'))
  const out = path.join(dir, 'modules.txt')
  try {
    const childEnv = {
      ...process.env,
      NO_COLOR: '1',
      NODE_OPTIONS: undefined,
      DEBUG: undefined,
      ...env,
      CANDOR_RECORD_MODULES: out,
    }
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k]
    const r = spawnSync(process.execPath, ['--import', PRELOAD, bin, ...args], {
      cwd: root,
      env: childEnv,
      encoding: 'utf8',
      timeout: 60_000,
    })
    const files = [
      ...new Set(
        readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((u) => (u.startsWith('file:') ? fileURLToPath(u) : u)),
      ),
    ].sort()
    const forbidden = FORBIDDEN.filter((f) => files.some((file) => f.test(file))).map((f) => f.name)
    return {
      code: r.status ?? -1,
      stdout: r.stdout,
      stderr: r.stderr,
      files,
      count: files.length,
      packages: [...new Set(files.map(packageOf).filter(Boolean))].sort(),
      candor: files
        .filter((f) => f.startsWith(path.join(root, 'dist') + path.sep))
        .map((f) => path.relative(path.join(root, 'dist'), f)),
      forbidden,
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

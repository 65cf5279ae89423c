import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
// Plain JS shared with the benchmark harness (bench/run.mjs).
import {writeIncidentJournal} from '../bench/lib/journal.mjs'
import {recordModules} from '../bench/lib/modules.mjs'
import {BIN, ROOT, tempDir} from './helpers/cli.js'

/**
 * Start-up behaviour, not timing: which modules a command loads (dist/ is bundled by
 * scripts/bundle.mjs: one file per command, shared code in dist/chunks/). On-call engineers run
 * Candor in loops mid-outage, so commands must not pay for what they do not use
 * (channel adapters and their SDKs, prompts, spinners, mail), and oclif must not import
 * every command to answer --version or --help (it reads oclif.manifest.json instead).
 */

const PREVIEW = [
  'preview',
  'playbooks/outage.yaml',
  '--phase',
  'investigating',
  '--facts',
  'playbooks/examples/outage.facts.yaml',
]

function commandModules(candorFiles: string[]): string[] {
  return candorFiles.filter((f) => f.startsWith(`commands${path.sep}`)).map((f) => f.split(path.sep).join('/'))
}

function builtCommandIds(dir = path.join(ROOT, 'dist', 'commands'), prefix = ''): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    if (e.isDirectory()) return builtCommandIds(path.join(dir, e.name), `${prefix}${e.name}:`)
    return e.name.endsWith('.js') ? [`${prefix}${e.name.slice(0, -3)}`] : []
  })
}

describe('start-up', () => {
  it('ships an oclif manifest that lists exactly the built commands', () => {
    const file = path.join(ROOT, 'oclif.manifest.json')
    expect(existsSync(file), 'oclif.manifest.json is missing: `npm run build` generates it').toBe(true)
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as {version: string; commands: Record<string, unknown>}
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string; files: string[]}
    expect(manifest.version).toBe(pkg.version)
    expect(Object.keys(manifest.commands).sort(), 'the manifest is stale: run `npm run build`').toEqual(
      builtCommandIds().sort(),
    )
    expect(pkg.files).toContain('oclif.manifest.json')
  })

  it('--version loads no command module, adapter, SDK, prompt, spinner or mailer', () => {
    const run = recordModules(ROOT, BIN, ['--version'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^candor\/\d/)
    expect(run.candor).toContain('cli/main.js') // the recorder sees the bundle at all
    expect(commandModules(run.candor)).toEqual([])
    expect(run.forbidden).toEqual([])
  })

  it('--help lists the commands from the manifest without importing any of them', () => {
    const run = recordModules(ROOT, BIN, ['--help'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('preview')
    expect(commandModules(run.candor)).toEqual([])
    expect(run.forbidden).toEqual([])
  })

  it('preview imports only its own command and nothing it does not use', () => {
    const run = recordModules(ROOT, BIN, PREVIEW)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('investigating')
    expect(commandModules(run.candor)).toEqual(['commands/preview.js'])
    expect(run.stdout).toMatch(/\d+\/280 weighted characters/) // the outage playbook has an X channel: measured for real
    expect(run.forbidden).toEqual([])
    expect(run.packages).not.toContain('twitter-api-v2')
    expect(run.packages).not.toContain('@inquirer/prompts')
    expect(run.packages).not.toContain('ora')
    expect(run.packages).not.toContain('nodemailer')
  })

  it('bundles no channel SDK, prompt, spinner, mailer or database driver: they load from node_modules on demand', () => {
    // Bundled (scripts/bundle.mjs), they would hide from the module checks above.
    const files = readdirSync(path.join(ROOT, 'dist'), {recursive: true, withFileTypes: true}).filter(
      (e) => e.isFile() && e.name.endsWith('.js'),
    )
    expect(files.length).toBeGreaterThan(10)
    const bundled = new Set<string>()
    for (const e of files) {
      // esbuild marks each bundled file with a `// node_modules/PACKAGE/...` comment.
      for (const m of readFileSync(path.join(e.parentPath, e.name), 'utf8').matchAll(
        /^\/\/ (?:\S*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm,
      ))
        bundled.add(m[1])
    }
    expect(bundled).toContain('handlebars') // the check can see what is bundled
    for (const name of ['twitter-api-v2', 'nodemailer', 'pg', 'ora', '@inquirer/prompts', '@atproto/api'])
      expect(bundled, name).not.toContain(name)
  })

  it('status and incident show load no adapter, SDK, prompt, spinner or mailer', () => {
    const state = tempDir('candor-startup-')
    writeIncidentJournal(state, {id: 'startup', events: 30, playbookFile: path.join(ROOT, 'playbooks', 'outage.yaml')})
    for (const args of [['status'], ['incident', 'show', 'startup', '--json']]) {
      const run = recordModules(ROOT, BIN, args, {CANDOR_STATE_DIR: state})
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toContain('startup')
      expect(run.forbidden, args.join(' ')).toEqual([])
    }
  })
})

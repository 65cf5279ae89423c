import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {ROOT} from '../helpers/cli.js'

// What `npm publish` would ship, from the built dist/ (npm run build first, as for the CLI
// tests). --ignore-scripts: prepack would rebuild dist/ under the other tests' feet.
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: ROOT, encoding: 'utf8'})
  const [report] = JSON.parse(out) as {files: {path: string}[]}[]
  return report!.files.map((f) => f.path)
}

const DIST = path.join(ROOT, 'dist')
const NOTICES = path.join(DIST, 'THIRD-PARTY-NOTICES.txt')

function filesUnder(dir: string): string[] {
  return readdirSync(dir, {recursive: true, encoding: 'utf8'}).map((f) => path.join(dir, f))
}

describe('the npm package', () => {
  let files: string[]
  beforeAll(() => {
    expect(existsSync(path.join(DIST, 'cli', 'main.js')), 'dist/ is missing: run `npm run build` first').toBe(true)
    files = packedFiles()
  })

  it("ships the CLI, its licence, the bundled packages' notices and the sample playbooks", () => {
    for (const f of [
      'package.json',
      'LICENSE',
      'README.md',
      'bin/run.js',
      'oclif.manifest.json',
      'dist/cli/main.js',
      'dist/commands/publish.js',
      'dist/THIRD-PARTY-NOTICES.txt',
      'playbooks/outage.yaml',
      'playbooks/templates/outage/social/investigating.hbs',
    ]) {
      expect(files, f).toContain(f)
    }
    expect(files.some((f) => f.startsWith('dist/chunks/'))).toBe(true)
  })

  it('leaves out the development entry, sources, tests and tooling', () => {
    // bin/dev.js needs dev dependencies and would load a second @oclif/core.
    expect(files).not.toContain('bin/dev.js')
    const unwanted = files.filter((f) =>
      /^(src|test|bench|scripts|docs|node_modules|\.ci)\/|\.ts$|^biome\.jsonc$|^tsconfig|\.tgz$/.test(f),
    )
    expect(unwanted).toEqual([])
  })

  it('ships source maps without the sources in them', () => {
    // bin/run.js turns the maps on under DEBUG, so stack traces name src/ files and lines;
    // the maps carry names and positions only (sourcesContent: false in scripts/bundle.mjs).
    const maps = files.filter((f) => f.endsWith('.map'))
    expect(maps.length).toBeGreaterThan(0)
    for (const f of maps) {
      expect(JSON.parse(readFileSync(path.join(ROOT, f), 'utf8')).sourcesContent, f).toBeUndefined()
    }
  })
})

describe('the third-party notices', () => {
  /** The package folders whose files the source maps name: what the bundle really holds. */
  function bundledPackageDirs(): Set<string> {
    const dirs = new Set<string>()
    for (const map of filesUnder(DIST).filter((f) => f.endsWith('.map'))) {
      const {sources} = JSON.parse(readFileSync(map, 'utf8')) as {sources: string[]}
      for (const source of sources) {
        const file = path.resolve(path.dirname(map), source).split(path.sep).join('/')
        const at = file.lastIndexOf('/node_modules/')
        if (at < 0) continue
        const parts = file.slice(at + '/node_modules/'.length).split('/')
        const name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
        dirs.add(`${file.slice(0, at)}/node_modules/${name}`)
      }
    }
    return dirs
  }

  it('has an entry, with licence text, for every package whose code is in the bundle', () => {
    const notices = readFileSync(NOTICES, 'utf8')
    const sections = notices.split(/^={78}$/m).slice(1)
    const dirs = bundledPackageDirs()
    // handlebars, js-yaml, twitter-text and @oclif/core at least: the maps do see node_modules.
    expect(dirs.size).toBeGreaterThan(10)
    for (const dir of dirs) {
      const {name, version} = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name: string
        version: string
      }
      const section = sections.find((s) => s.startsWith(`\n${name} ${version}\n`))
      expect(section, `${name} ${version} is bundled but has no notice`).toBeDefined()
      // A licence file's text follows its `--- LICENSE ---` line.
      expect(section, `${name} ${version}`).toMatch(/^--- .+ ---\n\n\S/m)
    }
  })

  it('names the licences of the packages the issue lists', () => {
    const notices = readFileSync(NOTICES, 'utf8')
    for (const name of ['handlebars', 'js-yaml', '@oclif/core', 'twitter-text']) {
      expect(notices).toMatch(new RegExp(`^${name.replace('/', '\\/')} \\d+\\.\\d+\\.\\d+$`, 'm'))
    }
    expect(notices).toContain('Permission is hereby granted, free of charge')
    expect(notices).toContain('Apache License')
  })
})

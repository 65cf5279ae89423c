import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {DiskTemplateCache, templateCacheDir} from '../../src/infrastructure/template-cache.js'
import {runCli, tempDir} from '../helpers/cli.js'

const PREVIEW = [
  'preview',
  'playbooks/outage.yaml',
  '--phase',
  'investigating',
  '--facts',
  'playbooks/examples/outage.facts.yaml',
]

describe('the template cache on disk', () => {
  it('lives in $CANDOR_CACHE_DIR, else $XDG_CACHE_HOME/candor, else ~/.cache/candor, and CANDOR_CACHE=off turns it off', () => {
    expect(templateCacheDir({CANDOR_CACHE_DIR: '/x/y'})).toBe('/x/y')
    expect(templateCacheDir({XDG_CACHE_HOME: '/c'})).toBe('/c/candor')
    expect(templateCacheDir({XDG_CACHE_HOME: 'relative'})).toMatch(/\.cache\/candor$/) // the XDG spec ignores relative paths
    expect(templateCacheDir({})).toMatch(/\.cache\/candor$/)
    expect(templateCacheDir({CANDOR_CACHE: 'off', CANDOR_CACHE_DIR: '/x/y'})).toBeUndefined()
  })

  it('gives back only what was stored for exactly the same input, from an owner-only folder', () => {
    const dir = path.join(tempDir(), 'cache')
    const cache = new DiskTemplateCache(dir)
    expect(cache.get('compiled', 'Hello {{service}}')).toBeUndefined()
    cache.set('compiled', 'Hello {{service}}', 'spec 1')
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    const files = readdirSync(dir)
    expect(files).toHaveLength(1)
    expect(statSync(path.join(dir, files[0])).mode & 0o777).toBe(0o600)
    const again = new DiskTemplateCache(dir) // another run
    expect(again.get('compiled', 'Hello {{service}}')).toBe('spec 1')
    expect(again.get('compiled', 'Hello {{service}}!')).toBeUndefined()
    expect(again.get('facts', 'Hello {{service}}')).toBeUndefined()
  })

  it('never uses an entry whose input differs from the one asked for, even under the same file name', () => {
    const dir = path.join(tempDir(), 'cache')
    new DiskTemplateCache(dir).set('compiled', 'A', 'spec A')
    const [name] = readdirSync(dir)
    const entry = JSON.parse(readFileSync(path.join(dir, name), 'utf8'))
    writeFileSync(path.join(dir, name), JSON.stringify({...entry, input: 'B'}), {mode: 0o600})
    expect(new DiskTemplateCache(dir).get('compiled', 'A')).toBeUndefined()
    writeFileSync(path.join(dir, name), '{"format": 1, "kind": "compiled", "inp', {mode: 0o600}) // damaged
    expect(new DiskTemplateCache(dir).get('compiled', 'A')).toBeUndefined()
  })

  it('is not used at all from a folder others can write to (its code is run when read)', () => {
    const dir = path.join(tempDir(), 'cache')
    new DiskTemplateCache(dir).set('compiled', 'A', 'spec A')
    chmodSync(dir, 0o777)
    const shared = new DiskTemplateCache(dir)
    expect(shared.get('compiled', 'A')).toBeUndefined()
    shared.set('compiled', 'B', 'spec B')
    expect(readdirSync(dir)).toHaveLength(1) // nothing written there either
  })

  it('falls back to compiling when the folder cannot be made', () => {
    const file = path.join(tempDir(), 'not-a-folder')
    writeFileSync(file, '')
    const cache = new DiskTemplateCache(path.join(file, 'cache'))
    cache.set('compiled', 'A', 'spec A')
    expect(cache.get('compiled', 'A')).toBeUndefined()
  })
})

describe('preview with the template cache', () => {
  it('prints the same posts cold, filling the cache, and warm, reading it; and the same with the cache off', async () => {
    const dir = path.join(tempDir(), 'cache')
    const cold = await runCli(PREVIEW, {env: {CANDOR_CACHE_DIR: dir}})
    expect(cold.code, cold.stderr).toBe(0)
    const entries = readdirSync(dir)
    expect(entries.filter((f) => f.startsWith('compiled-')).length).toBeGreaterThanOrEqual(3) // x, mastodon, bluesky, ...
    expect(entries.filter((f) => f.startsWith('facts-')).length).toBeGreaterThanOrEqual(3)
    const warm = await runCli(PREVIEW, {env: {CANDOR_CACHE_DIR: dir}})
    expect(warm.code, warm.stderr).toBe(0)
    expect(readdirSync(dir).sort()).toEqual(entries.sort()) // nothing new: all read back
    const off = await runCli(PREVIEW, {env: {CANDOR_CACHE: 'off', CANDOR_CACHE_DIR: path.join(tempDir(), 'unused')}})
    const strip = (s: string) => s.replace(/\d\d:\d\d UTC/g, 'HH:MM UTC').replace(/\d+ \w+ \d{4}/g, 'DATE')
    expect(strip(warm.stdout)).toBe(strip(cold.stdout))
    expect(strip(off.stdout)).toBe(strip(cold.stdout))
    expect(existsSync(path.join(tempDir(), 'unused'))).toBe(false)
  })

  it('still reports a template problem when the broken template was cached while it was clean', async () => {
    const dir = tempDir()
    const cache = path.join(dir, 'cache')
    mkdirSync(path.join(dir, 't'))
    const playbook = path.join(dir, 'p.yaml')
    writeFileSync(
      playbook,
      'name: demo\nfacts:\n  service: {required: true}\nchannels:\n  x: {type: x}\nphases:\n  investigating:\n    posts:\n      x: {template: t/x.hbs}\n',
    )
    writeFileSync(path.join(dir, 't', 'x.hbs'), 'Problems with {{service}}')
    const ok = await runCli(['preview', playbook, '--phase', 'investigating', '--set', 'service=Voice'], {
      env: {CANDOR_CACHE_DIR: cache},
    })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('Problems with Voice')
    writeFileSync(path.join(dir, 't', 'x.hbs'), 'Problems with {{servce}}')
    const bad = await runCli(['preview', playbook, '--phase', 'investigating', '--set', 'service=Voice'], {
      env: {CANDOR_CACHE_DIR: cache},
    })
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/servce/)
  })
})

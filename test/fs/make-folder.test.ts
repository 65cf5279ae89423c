import {existsSync, statSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {makeFolder} from '../../src/infrastructure/fs/make-folder.js'
import {runCli, tempDir} from '../helpers/cli.js'

describe('makeFolder', () => {
  it('creates missing parents with the mode asked for, and is fine when everything exists', () => {
    const root = tempDir()
    const dir = path.join(root, 'a', 'b', 'c')
    makeFolder(dir, 0o700)
    for (const d of [path.join(root, 'a'), path.join(root, 'a', 'b'), dir]) expect(statSync(d).mode & 0o777).toBe(0o700)
    makeFolder(dir, 0o700)
    expect(existsSync(dir)).toBe(true)
  })

  it.runIf(existsSync('/proc/self'))(
    'fails at once where Node 20 recursive mkdir never returns (procfs answers ENOENT)',
    () => {
      expect(() => makeFolder('/proc/candor-test/state', 0o700)).toThrow(/ENOENT|EACCES|EPERM/)
    },
  )
})

describe.runIf(existsSync('/proc/self'))('commands given a folder that cannot be made', () => {
  it('preview works with a template cache folder that cannot be made, and incident open says why it cannot start', async () => {
    const preview = await runCli(
      ['preview', 'playbooks/outage.yaml', '--phase', 'resolved', '--facts', 'playbooks/examples/outage.facts.yaml'],
      {env: {CANDOR_CACHE_DIR: '/proc/candor-test/cache'}, timeoutMs: 20_000},
    )
    expect(preview.code, preview.stderr).toBe(0)
    expect(preview.stdout).toContain('resolved')
    const open = await runCli(
      ['incident', 'open', 'playbooks/outage.yaml', '--state-dir', '/proc/candor-test/state', '--set', 'service=Voice'],
      {timeoutMs: 20_000},
    )
    expect(open.code).not.toBe(0)
    expect(open.stderr).toContain('cannot create the state directory /proc/candor-test/state')
    expect(open.stderr).toContain('state_dir_unusable')
  })
})

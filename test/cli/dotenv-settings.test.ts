import {cpSync, existsSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'

// Every CANDOR_* setting comes from one environment: the shell's over ./.env (infrastructure/env.ts).
describe('.env settings reach every part of a command', () => {
  it('CANDOR_CACHE_DIR from .env places the template cache', async () => {
    const project = tempDir()
    cpSync(path.join(ROOT, 'playbooks'), path.join(project, 'playbooks'), {recursive: true})
    const cache = path.join(project, 'cache-from-dotenv')
    writeFileSync(path.join(project, '.env'), `CANDOR_CACHE_DIR="${cache}" # set by the team\n`, {mode: 0o600})
    const r = await runCli(
      ['preview', 'outage', '-p', 'investigating', '--facts', 'playbooks/examples/outage.facts.yaml', '-c', 'x'],
      {
        cwd: project,
        env: {CANDOR_CACHE_DIR: undefined, CANDOR_CACHE: undefined, XDG_CACHE_HOME: path.join(project, 'xdg')},
      },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(cache) && readdirSync(cache, {recursive: true}).length > 0).toBe(true)
    expect(existsSync(path.join(project, 'xdg'))).toBe(false)
  })
})

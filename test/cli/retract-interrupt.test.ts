/**
 * Ctrl-C during `candor retract`, through the CLI: the deletion in flight settles and is journaled,
 * nothing new is deleted, the command exits 130 and says how to finish (services/publish/retract.ts).
 */
import {spawn} from 'node:child_process'
import {afterEach, describe, expect, it} from 'vitest'
import {BIN} from '../helpers/cli.js'
import {waitFor, within} from '../helpers/wait.js'
import {xWorld, type XWorld} from '../helpers/x-incident.js'

let world: XWorld | undefined
afterEach(async () => world?.close())

describe('candor retract, interrupted', () => {
  it('exits 130 after the deletion in flight, journals it, and names the command that finishes', async () => {
    const w = (world = await xWorld())
    expect(
      (
        await w.cli([
          'incident',
          'open',
          w.playbook,
          '--id',
          'voice',
          '--set',
          'service=Acme Voice',
          '--set',
          'impact=Calls fail',
        ])
      ).code,
    ).toBe(0)
    const impact = Array.from({length: 85}, (_, i) => `word${i}`).join(' ')
    const published = await w.cli(['publish', '--phase', 'investigating', '--set', `impact=${impact}`, '--yes'])
    expect(published.code, published.stderr).toBe(0)
    expect(w.fake.tweets).toHaveLength(3)

    w.fake.latencyMs = 1000
    const child = spawn(process.execPath, [BIN, 'retract', '--update', '1', '--yes'], {
      cwd: w.dir,
      env: {...process.env, NO_COLOR: '1', DEBUG: '', ...w.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const deletes = () => w.fake.requests.filter((r) => r.method === 'DELETE').length
    await waitFor(() => deletes() === 1, {what: 'the first DELETE to reach the fake', timeoutMs: 20_000})
    child.kill('SIGINT')
    const code = await within(exited, {what: 'retract to exit after Ctrl-C', timeoutMs: 20_000})

    expect(code, stderr).toBe(130)
    expect(deletes()).toBe(1)
    expect(w.fake.tweets.map((t) => t.deleted)).toEqual([false, false, true])
    expect(stdout).toContain('x: interrupted after 1 of its posts')
    expect(stderr).toContain('Interrupted: deleting nothing new')
    expect(stderr).toContain('run `candor retract --incident voice --update 1` to finish')

    w.fake.latencyMs = 0
    const again = await w.cli(['retract', '--update', '1', '--yes'])
    expect(again.code, again.stderr).toBe(0)
    expect(w.fake.tweets.every((t) => t.deleted)).toBe(true)
  })
})

import {spawn} from 'node:child_process'
import {createServer} from 'node:net'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, runCli} from '../helpers/cli.js'
import {waitFor, within} from '../helpers/wait.js'
import {copyShipped} from './rehearse-world.js'

/**
 * The game day through the CLI (run `npm run build` first): `rehearse --live` opens a
 * rehearsal, the "team" works it from other processes with the normal commands, and when it
 * is closed the scorecard is printed.
 */

/** A port nothing listens on (the game day starts its own sandbox there). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** This process's environment without colours, as runCli gives it. */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1'}
  delete env.FORCE_COLOR
  delete env.DEBUG
  return env
}

/**
 * Starts `rehearse --live` on a free port and waits until it has opened its incident. The port is
 * free when chosen but may be taken again before the game binds it (other tests start servers in
 * parallel): then the game exits with sandbox_not_running, and another port is tried.
 */
async function startGameDay(dir: string, stateDir: string, env: Record<string, string> = {}) {
  for (let attempt = 1; ; attempt++) {
    const sandbox = `http://127.0.0.1:${await freePort()}`
    const child = spawn(
      process.execPath,
      [BIN, 'rehearse', 'playbooks/outage.yaml', '--live', '--sandbox', sandbox, '--state-dir', stateDir],
      {cwd: dir, env: {...plainEnv(), ...env}, stdio: ['ignore', 'pipe', 'pipe']},
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    let code: number | null | undefined
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (c) => {
        code = c
        resolve(c)
      }),
    )
    const opened = await waitFor(() => /incident (\S+) \(outage\) is open/.exec(stderr)?.[1] ?? code !== undefined, {
      timeoutMs: 30_000,
      what: 'the game day to open its incident',
    }).catch((error: Error) => {
      child.kill('SIGKILL')
      throw new Error(`${error.message}; it said:\n${stderr}`)
    })
    if (typeof opened === 'string')
      return {id: opened, sandbox, child, exited, stdout: () => stdout, stderr: () => stderr}
    if (attempt < 3 && stderr.includes('sandbox_not_running')) continue
    throw new Error(`rehearse --live exited ${code} before opening its incident:\n${stderr}`)
  }
}

describe('candor rehearse --live', () => {
  it('opens a rehearsal the team works from other terminals, and scores it when it is closed', async () => {
    const dir = copyShipped()
    const stateDir = path.join(dir, '.candor')
    const game = await startGameDay(dir, stateDir, {CANDOR_USER: 'game master'})
    const {id, sandbox} = game
    const stderr = game.stderr()
    expect(stderr).toContain(`Started a sandbox at ${sandbox}`)
    expect(stderr).toContain(
      `candor publish --incident ${id} --phase investigating --state-dir ${stateDir}   (phases: investigating, identified, monitoring, resolved, postmortem)`,
    )
    const team = {cwd: dir, env: {CANDOR_USER: 'dana'}, timeoutMs: 60_000}
    for (const phase of ['investigating', 'identified']) {
      const published = await runCli(
        ['publish', '--incident', id, '--phase', phase, '--yes', '--state-dir', stateDir],
        team,
      )
      expect(published.stderr).toContain('is a rehearsal')
      expect(published.code).toBe(0)
    }
    const closed = await runCli(['incident', 'close', id, '--reason', 'game over', '--state-dir', stateDir], team)
    expect(closed.code).toBe(0)

    expect(await within(game.exited, {what: 'the game day to end', timeoutMs: 60_000})).toBe(0)
    const lines = game.stdout().trim().split('\n')
    expect(lines[0]).toBe(`Scorecard of rehearsal ${id} (closed)`)
    expect(lines[1]).toMatch(/^ {2}✓ first post \d+s after opening \(target: within 5m 00s\)$/)
    expect(lines[2]).toMatch(/^ {2}✓ update 2 \(identified\) at \d\d:\d\d UTC, promised by \d\d:\d\d UTC$/)
    expect(lines.slice(3)).toEqual([
      '  ✓ facts consistent across channels',
      '  · nothing was edited at approval',
      '✓ a clean game',
    ])

    // The same scorecard afterwards, from the journal.
    const after = await runCli(['rehearse', '--scorecard', id, '--state-dir', stateDir, '--json'], team)
    expect(after.code).toBe(0)
    const card = JSON.parse(after.stdout)
    expect(card).toMatchObject({
      incident: id,
      rehearsal: true,
      ok: true,
      ended: {how: 'closed'},
      consistency: [],
      edits: [],
    })
    expect(card.gaps.map((g: {phase: string; ok: boolean}) => [g.phase, g.ok])).toEqual([['identified', true]])
  }, 180_000)

  it('Ctrl-C ends the game: the scorecard is still printed (exit 130), and the rehearsal is closed', async () => {
    const dir = copyShipped()
    const stateDir = path.join(dir, '.candor')
    const {id, child, exited, stdout} = await startGameDay(dir, stateDir)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stdout()).toContain(`Scorecard of rehearsal ${id} (stopped while still open)`)
    expect(stdout()).toContain('✗ first post: none was published (target: within 5m 00s)')
    const after = await runCli(['rehearse', '--scorecard', id, '--state-dir', stateDir, '--json'], {cwd: dir})
    expect(JSON.parse(after.stdout)).toMatchObject({incident: id, ended: {how: 'closed'}, ok: false})
    expect(after.code).toBe(1)
  }, 120_000)
})

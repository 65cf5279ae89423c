/**
 * Candor at a real pseudo-terminal (util-linux `script`), as an engineer runs it: prompts
 * read raw keys, so Ctrl-C reaches @inquirer as a key press, not as a signal. Fed from a
 * pipe, `script` gives its terminal 0 columns, as `script -qc` and `ssh -tt` do in CI.
 */
import {spawn, spawnSync} from 'node:child_process'
import {appendFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {BIN, runCli, tempDir} from '../helpers/cli.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'
import {waitFor} from '../helpers/wait.js'

const hasScript = spawnSync('script', ['--version']).status === 0
const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[()][0-9A-Za-z]|\r/g

interface Terminal {
  /** Everything the terminal showed, without escape codes. */
  output(): string
  /** Waits (with a deadline) until the terminal shows `text`. */
  waitFor(text: string, ms?: number): Promise<void>
  /** Types into the terminal. */
  type(keys: string): void
  /** Waits (with a deadline) for the command to end; its exit code. */
  exit(ms?: number): Promise<number>
  /** Candor's own node process under this terminal (not `script` or the `timeout` wrapping it). */
  candorPid(): number | undefined
}

/** Every process below `pid`, found through `pgrep -P` (other tests' Candors are not among them). */
function descendants(pid: number): number[] {
  const children = spawnSync('pgrep', ['-P', String(pid)], {encoding: 'utf8'})
    .stdout.trim()
    .split('\n')
    .map(Number)
    .filter((p) => p > 0)
  return children.flatMap((child) => [child, ...descendants(child)])
}

/** Runs `candor ARGS` at a pseudo-terminal. */
function terminal(args: string[], opts: {cwd: string; env: Record<string, string>}): Terminal {
  // `timeout` ends a Candor that hangs (what a 0-column terminal used to cause) even after the test gave up on it.
  const command = ['timeout', '--foreground', '-s', 'KILL', '60', process.execPath, BIN, ...args].map(quote).join(' ')
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: opts.cwd,
    env: {...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, DEBUG: undefined, ...opts.env},
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  })
  let raw = ''
  child.stdout.on('data', (d) => (raw += d))
  child.stderr.on('data', (d) => (raw += d))
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  const output = () => raw.replace(ANSI, '')
  const until = async <T>(what: string, ms: number, check: () => T | undefined): Promise<T> => {
    const deadline = Date.now() + ms
    for (;;) {
      const value = check()
      if (value !== undefined) return value
      if (Date.now() > deadline) {
        process.kill(-child.pid!, 'SIGKILL')
        throw new Error(`${what} within ${ms} ms; the terminal showed:\n${output()}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  let code: number | undefined
  void exited.then((c) => (code = c))
  return {
    output,
    waitFor: (text, ms = 20_000) =>
      until(`no "${text}"`, ms, () => (output().includes(text) ? true : undefined)).then(() => undefined),
    type: (keys) => child.stdin.write(keys),
    exit: (ms = 20_000) => until('the command did not end', ms, () => code),
    candorPid: () =>
      descendants(child.pid!).find((pid) => {
        const argv = spawnSync('cat', [`/proc/${pid}/cmdline`], {encoding: 'utf8'}).stdout.split('\0')
        return argv[0] === process.execPath && argv[1] === BIN
      }),
  }
}

async function world(opts: {approvers?: number} = {}) {
  const dir = tempDir()
  const x = await startFakeX({credentials: X_CREDENTIALS})
  fakes.push(x)
  const playbook = writeXPlaybook(dir, {x})
  if (opts.approvers) appendFileSync(playbook, `approval: { required: ${opts.approvers} }\n`)
  const env = {
    ...xEnv(),
    CANDOR_STATE_DIR: path.join(dir, 'state'),
    CANDOR_USER: 'Dana On-Call',
    TERM: 'xterm-256color',
  }
  const opened = await runCli(
    ['incident', 'open', playbook, '--id', 'voice-1', '--set', 'service=Acme Voice', '--set', 'impact=Calls fail'],
    {cwd: dir, env},
  )
  expect(opened.code, opened.stderr).toBe(0)
  const events = async () =>
    (await new FileIncidentStore(path.join(dir, 'state')).read('voice-1')).events.map((e) => e.type)
  return {dir, x, env, events}
}

describe.skipIf(!hasScript)('at a real terminal', () => {
  it('Ctrl-C at the publish approval prompt: "Aborted: nothing was sent", exit 130, nothing sent or recorded', async () => {
    const w = await world()
    const t = terminal(['publish', '--phase', 'investigating'], {cwd: w.dir, env: w.env})
    await t.waitFor('approving as Dana On-Call (from $CANDOR_USER)')
    expect(t.output()).toContain('Publish update 1 (investigating) of voice-1 to x?')
    t.type('\u0003')
    expect(await t.exit()).toBe(130)
    expect(t.output()).toContain('Aborted: nothing was sent')
    expect(t.output()).not.toMatch(/internal|force closed|Error:/)
    expect(w.x.requests).toHaveLength(0)
    expect(await w.events()).toEqual(['opened'])
  })

  it.skipIf(spawnSync('pgrep', ['-V']).status !== 0)(
    'a SIGINT signal at the approval prompt (kill -INT) ends it the same way',
    async () => {
      const w = await world()
      const t = terminal(['publish', '--phase', 'investigating'], {cwd: w.dir, env: w.env})
      await t.waitFor('approving as Dana On-Call')
      // Candor's node process itself (not the `timeout` wrapping it).
      const pid = t.candorPid()
      expect(pid).toBeGreaterThan(0)
      process.kill(pid!, 'SIGINT')
      expect(await t.exit()).toBe(130)
      expect(t.output()).toContain('Aborted: nothing was sent')
      expect(t.output()).not.toMatch(/internal|Interrupted: sending nothing new/)
      expect(w.x.requests).toHaveLength(0)
    },
  )

  it('Enter alone at the approval prompt shows the posts again and sends nothing', async () => {
    const w = await world()
    const t = terminal(['publish', '--phase', 'investigating'], {cwd: w.dir, env: w.env})
    await t.waitFor('approving as Dana On-Call')
    t.type('\r')
    const review = 'Update 1 of voice-1 · investigating, to x'
    await t.waitFor(review)
    // The posts were shown again, then the same question: leave it with Ctrl-C.
    await waitFor(() => t.output().slice(t.output().indexOf(review)).includes('approving as Dana On-Call'), {
      what: 'the review to name the approver',
      timeoutMs: 20_000,
    })
    expect(t.output().slice(t.output().indexOf(review))).toContain(
      'We are investigating problems with Acme Voice: Calls fail.',
    )
    t.type('\u0003')
    expect(await t.exit()).toBe(130)
    expect(w.x.requests).toHaveLength(0)
  })

  it('Ctrl-C at the retract confirmation: "Aborted: nothing was deleted", exit 130', async () => {
    const w = await world()
    const published = await runCli(['publish', '--phase', 'investigating', '--yes'], {cwd: w.dir, env: w.env})
    expect(published.code, published.stderr).toBe(0)
    const t = terminal(['retract', '--update', '1'], {cwd: w.dir, env: w.env})
    await t.waitFor('Delete update 1 (investigating) from x (1 post)?')
    t.type('\u0003')
    expect(await t.exit()).toBe(130)
    expect(t.output()).toContain('Aborted: nothing was deleted')
    expect(t.output()).not.toMatch(/internal|force closed/)
    expect(w.x.tweets).toHaveLength(1)
  })

  it('candor approve says who approves and where to; Ctrl-C there records nothing, exit 130', async () => {
    const w = await world({approvers: 2})
    const drafted = await runCli(['publish', '--phase', 'investigating', '--yes', '--as', 'Alice', '--json'], {
      cwd: w.dir,
      env: w.env,
    })
    expect(drafted.code, drafted.stderr).toBe(0)
    const {draft} = JSON.parse(drafted.stdout)
    const t = terminal(['approve', draft], {cwd: w.dir, env: w.env})
    await t.waitFor('approving as Dana On-Call (from $CANDOR_USER)')
    expect(t.output()).toContain(`Approve draft ${draft} and send it to x now (yours is the last approval`)
    t.type('\u0003')
    expect(await t.exit()).toBe(130)
    expect(t.output()).toContain('Aborted: nothing was recorded or sent')
    expect(t.output()).not.toMatch(/internal|force closed/)
    expect(w.x.requests).toHaveLength(0)
    expect((await w.events()).filter((e) => e === 'draft_approved')).toHaveLength(1)
  })

  it('a terminal of 0 columns gets progress as plain lines, and publishing finishes', async () => {
    const w = await world()
    const t = terminal(['publish', '--phase', 'investigating', '--yes'], {cwd: w.dir, env: w.env})
    expect(await t.exit(30_000)).toBe(0)
    expect(t.output()).toContain('x: published ')
    expect(w.x.tweets).toHaveLength(1)
  })
})

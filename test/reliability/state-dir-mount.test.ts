import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {BIN, tempDir} from '../helpers/cli.js'
import {xWorld, type XWorld} from '../helpers/x-incident.js'

/**
 * A state directory on a real file system that is full, or read-only: a small tmpfs mounted
 * in a private mount namespace (`unshare -m`), so nothing on the machine is touched. Tests
 * run as root, and chmod does not stop root; a read-only mount does. Where mount namespaces
 * are not allowed (some containers and CI runners) these tests are skipped; the same answers
 * are simulated in test/incident/store.test.ts, which always runs.
 */

/** The unshare arguments that let this process mount a tmpfs, if any do. */
function mountNamespace(): string[] | undefined {
  const probe = tempDir('candor-probe-')
  for (const args of [['-m'], ['-r', '-m']]) {
    const r = spawnSync('unshare', [...args, 'sh', '-c', 'mount -t tmpfs -o size=64k candor-probe "$0"', probe], {
      encoding: 'utf8',
      timeout: 10_000,
    })
    if (r.status === 0) return args
  }
  return undefined
}
const UNSHARE = process.platform === 'linux' ? mountNamespace() : undefined

type Step = {cli: string[]} | {fill: true} | {unfill: true} | {readOnly: true} | {list: true}
interface StepResult {
  code?: number
  stdout?: string
  stderr?: string
  files?: string[]
}

/**
 * Runs `steps` inside a fresh mount namespace with a 256 KiB tmpfs at `mnt` as the state
 * directory's disk; returns what each step gave.
 */
function inMountNamespace(w: XWorld, mnt: string, steps: Step[]): Promise<StepResult[]> {
  const driver = path.join(w.dir, 'driver.mjs')
  writeFileSync(
    driver,
    `import {spawnSync} from 'node:child_process'
import {closeSync, openSync, readdirSync, rmSync, writeSync} from 'node:fs'
const [mnt, bin, steps] = [process.argv[2], process.argv[3], JSON.parse(process.argv[4])]
const must = (r) => { if (r.status !== 0) { console.error(r.stderr); process.exit(90) } }
must(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'candor-test', mnt], {encoding: 'utf8'}))
const out = []
for (const step of steps) {
  if (step.cli) {
    const r = spawnSync(process.execPath, [bin, ...step.cli], {encoding: 'utf8', timeout: 30000})
    out.push({code: r.status, stdout: r.stdout, stderr: r.stderr})
  } else if (step.fill) {
    // Fill the disk: write until the file system says ENOSPC.
    const fd = openSync(mnt + '/filler', 'w')
    const block = Buffer.alloc(1024)
    try { for (;;) writeSync(fd, block) } catch (e) { if (e.code !== 'ENOSPC') throw e }
    try { for (;;) writeSync(fd, block, 0, 1) } catch (e) { if (e.code !== 'ENOSPC') throw e }
    closeSync(fd)
    out.push({})
  } else if (step.unfill) {
    rmSync(mnt + '/filler')
    out.push({})
  } else if (step.readOnly) {
    must(spawnSync('mount', ['-o', 'remount,ro', mnt], {encoding: 'utf8'}))
    out.push({})
  } else if (step.list) {
    out.push({files: readdirSync(mnt + '/state/incidents').sort()})
  }
}
console.log(JSON.stringify(out))
`,
  )
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      ...w.env,
      CANDOR_STATE_DIR: path.join(mnt, 'state'),
      NO_COLOR: '1',
      DEBUG: undefined,
    } as NodeJS.ProcessEnv
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
    // Asynchronous: the fake X answers from this process meanwhile.
    const child = spawn('unshare', [...UNSHARE!, process.execPath, driver, mnt, BIN, JSON.stringify(steps)], {
      cwd: w.dir,
      env,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the mount-namespace driver exited ${code}: ${stderr}`))
      else resolve(JSON.parse(stdout) as StepResult[])
    })
  })
}

let world: XWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const open = (id: string, w: XWorld) => ({
  cli: ['incident', 'open', w.playbook, '--set', 'service=Acme Voice', '--set', 'impact=Calls fail', '--id', id],
})

describe.runIf(UNSHARE)('a state directory on a full or read-only disk (a real tmpfs in a mount namespace)', () => {
  it('a full disk is state_dir_full: nothing sent, no half journal left; after freeing space the same command works', async () => {
    const w = (world = await xWorld())
    const mnt = path.join(w.dir, 'mnt')
    mkdirSync(mnt)
    const publish = {cli: ['publish', '-i', 'voice-1', '-p', 'investigating', '--yes']}
    const [opened, , openFull, publishFull, listed, status, , publishAgain] = await inMountNamespace(w, mnt, [
      open('voice-1', w),
      {fill: true},
      open('voice-2', w),
      publish,
      {list: true},
      {cli: ['status', '-i', 'voice-1']},
      {unfill: true},
      publish,
    ])
    expect(opened.code, opened.stderr).toBe(0)
    for (const r of [openFull, publishFull]) {
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toContain('is full: could not write')
      expect(r.stderr).toContain('Code: state_dir_full')
      expect(r.stderr).not.toContain('internal')
    }
    expect(listed.files).toEqual(['voice-1.jsonl'])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stderr).not.toContain('damaged')
    expect(publishAgain.code, publishAgain.stderr).toBe(0)
    expect(w.fake.tweets).toHaveLength(1)
  })

  it('a read-only state directory is state_dir_read_only: nothing sent, reading still works', async () => {
    const w = (world = await xWorld())
    const mnt = path.join(w.dir, 'mnt')
    mkdirSync(mnt)
    const [opened, , publish, openRo, status] = await inMountNamespace(w, mnt, [
      open('voice-1', w),
      {readOnly: true},
      {cli: ['publish', '-i', 'voice-1', '-p', 'investigating', '--yes']},
      open('voice-2', w),
      {cli: ['status', '-i', 'voice-1']},
    ])
    expect(opened.code, opened.stderr).toBe(0)
    for (const r of [publish, openRo]) {
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toContain('is read-only: could not write')
      expect(r.stderr).toContain('Code: state_dir_read_only')
    }
    expect(status.code, status.stderr).toBe(0)
    expect(w.fake.requests).toHaveLength(0)
  })
})

// Runs a command as a child process and measures it: wall time (around the spawn),
// CPU time (user + sys) and peak RSS. CPU and RSS come from GNU `/usr/bin/time` when it
// is installed, else from `process.resourceUsage()` recorded by a preload in the child
// (node children only, which every case here is).
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const RUSAGE_PRELOAD = new URL('./rusage.mjs', import.meta.url).href
const scratch = mkdtempSync(path.join(os.tmpdir(), 'candor-bench-time-'))
let counter = 0

function detectGnuTime() {
  if (process.env.CANDOR_BENCH_NO_GNU_TIME) return false
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', path.join(scratch, 'probe'), 'true'])
    return r.status === 0 && /^\d+\s*$/.test(readFileSync(path.join(scratch, 'probe'), 'utf8'))
  } catch {
    return false
  }
}

export const GNU_TIME = detectGnuTime()
export const RUSAGE_SOURCE = GNU_TIME ? '/usr/bin/time -f "%U %S %M"' : 'process.resourceUsage() (preload in the child)'

/**
 * Runs `node ...nodeArgs` once.
 * @returns {Promise<{wallMs: number, cpuMs: number, maxRssKb: number, code: number, stdout: string, stderr: string}>}
 */
export function runNode(nodeArgs, {cwd, env = {}, timeoutMs = 60_000} = {}) {
  const out = path.join(scratch, `r${++counter}`)
  const childEnv = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: undefined,
    DEBUG: undefined,
    NODE_OPTIONS: undefined,
    ...env,
  }
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k]
  let file, args
  if (GNU_TIME) {
    file = '/usr/bin/time'
    args = ['-f', '%U %S %M', '-o', out, process.execPath, ...nodeArgs]
  } else {
    file = process.execPath
    args = ['--import', RUSAGE_PRELOAD, ...nodeArgs]
    childEnv.CANDOR_BENCH_RUSAGE = out
  }
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(file, args, {cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6
      clearTimeout(timer)
      let cpuMs = NaN
      let maxRssKb = NaN
      try {
        const text = readFileSync(out, 'utf8').trim()
        if (GNU_TIME) {
          // GNU time may prefix "Command exited with non-zero status N".
          const [u, s, m] = text.split('\n').at(-1).trim().split(/\s+/).map(Number)
          cpuMs = (u + s) * 1000
          maxRssKb = m
        } else {
          const r = JSON.parse(text)
          cpuMs = (r.userCPUTime + r.systemCPUTime) / 1000
          maxRssKb = r.maxRSS
        }
        rmSync(out, {force: true})
      } catch {
        // The child died before writing its usage; wall time still counts.
      }
      resolve({wallMs, cpuMs, maxRssKb, code: code ?? -1, stdout, stderr})
    })
  })
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** Median, quartiles and extremes of a list of numbers. */
export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return {
    n: v.length,
    median: quantile(v, 0.5),
    p25: quantile(v, 0.25),
    p75: quantile(v, 0.75),
    min: v[0] ?? NaN,
    max: v.at(-1) ?? NaN,
  }
}

/**
 * Runs every subject `warmup + runs` times, interleaved (the order rotates each round so
 * drift in machine load hits every subject alike), and returns each subject's samples.
 * A subject is {id, run: (round) => Promise<sample>, check?: (sample) => string|undefined}.
 * On a slow or busy machine, rounds stop once `maxMs` has passed and at least `minRuns`
 * rounds were measured, so a whole bench run stays bounded in time.
 */
export async function interleave(subjects, {runs, warmup, onRound, maxMs = Infinity, minRuns = 3}) {
  const samples = new Map(subjects.map((s) => [s.id, []]))
  const started = Date.now()
  for (let round = 0; round < warmup + runs; round++) {
    if (round >= warmup + minRuns && Date.now() - started > maxMs) break
    const order = subjects.map((_, i) => subjects[(i + round) % subjects.length])
    for (const s of order) {
      const sample = await s.run(round)
      const problem = s.check?.(sample)
      if (problem)
        throw new Error(
          `${s.id}: ${problem}\n--- stdout\n${sample.stdout.slice(0, 2000)}\n--- stderr\n${sample.stderr.slice(0, 2000)}`,
        )
      if (round >= warmup) samples.get(s.id).push(sample)
    }
    onRound?.(round)
  }
  return samples
}

/**
 * Paired ratios: per round, subject / baseline, so load that changes between rounds
 * cancels out. Returns the median ratio and its quartiles.
 */
export function pairedRatio(subject, baseline, metric = 'wallMs') {
  const n = Math.min(subject.length, baseline.length)
  const ratios = []
  for (let i = 0; i < n; i++) ratios.push(subject[i][metric] / baseline[i][metric])
  return summarize(ratios)
}

export function cleanupScratch() {
  rmSync(scratch, {recursive: true, force: true})
}

// Preload (`node --import ./rusage.mjs`) used when GNU /usr/bin/time is missing: writes
// this process's resource usage (CPU µs, peak RSS in KiB) to $CANDOR_BENCH_RUSAGE at exit.
import {writeFileSync} from 'node:fs'

const out = process.env.CANDOR_BENCH_RUSAGE
if (out) {
  delete process.env.CANDOR_BENCH_RUSAGE
  process.on('exit', () => {
    const r = process.resourceUsage()
    writeFileSync(out, JSON.stringify({userCPUTime: r.userCPUTime, systemCPUTime: r.systemCPUTime, maxRSS: r.maxRSS}))
  })
}

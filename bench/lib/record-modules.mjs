// Preload (`node --import ./record-modules.mjs`) that records every module a process loads:
// ESM through a resolve hook (which also sees CommonJS entered from ESM), and CommonJS
// required from CommonJS through require.cache at exit. Writes one path or URL per line to
// $CANDOR_RECORD_MODULES. Used by test/startup.test.ts and bench/run.mjs.
import {appendFileSync, writeFileSync} from 'node:fs'
import {createRequire, register} from 'node:module'

const out = process.env.CANDOR_RECORD_MODULES
if (out) {
  delete process.env.CANDOR_RECORD_MODULES // not for child processes
  writeFileSync(out, '')
  register('./record-modules-hooks.mjs', import.meta.url, {data: {out}})
  process.on('exit', () => {
    const require = createRequire(import.meta.url)
    const cjs = Object.keys(require.cache)
    if (cjs.length > 0) appendFileSync(out, cjs.join('\n') + '\n')
  })
}

#!/usr/bin/env node
// Under DEBUG, stack traces name src/ files and lines through dist/'s source maps
// (before the bundle loads: Node reads a module's map when it loads the module).
if (process.env.DEBUG) process.setSourceMapsEnabled(true)

// --no-color is NO_COLOR for this run, set before any module decides whether to colour.
const args = process.argv.slice(2)
if (args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).includes('--no-color')) {
  process.env.NO_COLOR = '1'
  delete process.env.FORCE_COLOR
}

const {run} = await import('../dist/cli/main.js')
await run(import.meta.url)

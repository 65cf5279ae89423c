#!/usr/bin/env node
// Under DEBUG, stack traces name src/ files and lines through dist/'s source maps
// (before the bundle loads: Node reads a module's map when it loads the module).
if (process.env.DEBUG) process.setSourceMapsEnabled(true)

const {run} = await import('../dist/cli/main.js')
await run(import.meta.url)

// The CLI's entry, imported by bin/run.js. A module of its own so that the bundle
// (scripts/bundle.mjs) puts oclif in the shared chunk every command reuses.
export {execute} from '@oclif/core'

// oclif 4 prints its start-up timings (DEBUG=oclif:perf) only when performance tracking
// is switched on, which Candor's bin/run.js does not do. This preload switches it on:
//   DEBUG=oclif:perf node --import ./bench/lib/oclif-perf.mjs bin/run.js preview ...
globalThis.oclif = {...globalThis.oclif, performanceEnabled: true}

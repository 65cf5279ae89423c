import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A throw-away PostgreSQL cluster for the team-mode tests (skipped where none can run).
    // and a throw-away template cache.
    globalSetup: ['./test/helpers/pg-global-setup.ts', './test/helpers/cache-global-setup.ts'],
    // In-process tests render with the disk template cache, as the CLI does.
    setupFiles: ['./test/helpers/template-cache-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CLI tests spawn node processes; two workers suit the 2-core machines we run on.
    pool: 'forks',
    poolOptions: {forks: {maxForks: 2, minForks: 1}},
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
})

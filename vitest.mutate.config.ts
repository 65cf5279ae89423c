import {defineConfig} from 'vitest/config'

/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): only those that import the core
 * from src/ in this process. Tests that run the CLI use the bundle in dist/, which never contains a
 * mutant, and they are the slow ones, so they stay out. A few files below mix in a CLI case or two;
 * `npm run mutate` builds dist/ first so those pass in the initial run.
 */
export default defineConfig({
  test: {
    // CANDOR_MUTATE_TESTS=glob,glob narrows the tests for a quick run of one module (a lower bound:
    // fewer tests can only kill fewer mutants), e.g. the policy's own tests for rules.ts.
    include: process.env.CANDOR_MUTATE_TESTS?.split(',') ?? [
      'test/mutation-hardening/**/*.test.ts',
      'test/publish/**/*.test.ts',
      'test/policy/rules.test.ts',
      'test/policy/hostile-posts.test.ts',
      'test/render/**/*.test.ts',
      'test/text/**/*.test.ts',
      'test/site/build.test.ts',
      'test/site/publish.test.ts',
      'test/site/write.test.ts',
      'test/incident/*.test.ts',
    ],
    exclude: [
      // Through the built CLI (test/helpers/x-incident.ts, all-channels.ts).
      'test/publish/x-cli.test.ts',
      'test/publish/retract-check.test.ts',
      'test/publish/partial-publish.test.ts',
      'test/incident/damaged-journal-cli.test.ts',
    ],
    // The template cache goes to a throw-away folder; no PostgreSQL: no team test is included.
    globalSetup: ['./test/helpers/cache-global-setup.ts'],
    // As in vitest.config.ts: the disk template cache registered, as the CLI does (platform limits live in it).
    setupFiles: ['./test/helpers/template-cache-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})

// Mutation testing (docs/testing.md, "Mutation testing"): `npm run mutate`, or one module:
// `npm run mutate -- --mutate src/services/publish/retract.ts`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: {configFile: 'vitest.mutate.config.ts'},
  // Only the tests that reach a mutant run against it.
  coverageAnalysis: 'perTest',
  // Two cores, shared.
  concurrency: 2,
  // Reruns only test the mutants whose code or tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // The core rules: publishing and delivery, drafts and approval, retract, rendering and escaping,
  // the policy, the incident state fold, the length and split rules. Folder globs, so files split
  // out of these modules stay covered.
  mutate: [
    'src/services/publish/{publish,plan,preflight,approve-update,update-journal,deliver,duplicates,drafts,approval,edit,retract}*.ts',
    'src/services/render/*.ts',
    'src/services/site/escape.ts',
    'src/services/policy/rules.ts',
    'src/services/incident/state.ts',
    'src/domain/text/{length,split}.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: {fileName: 'reports/mutation/mutation.html'},
  jsonReporter: {fileName: 'reports/mutation/mutation.json'},
  // A mutant that makes a test loop or wait: killed by timeout rather than holding a core.
  timeoutMS: 4_000,
  // Static mutants (module-level constants and regexes) re-run every test for each mutant, and the
  // vitest runner evaluates modules once per worker, so it does not reliably see them anyway
  // (docs/testing.md). Reported as ignored; `--ignoreStatic false` tests them too.
  ignoreStatic: true,
  // Stryker rewrites tsconfig.json paths that point outside its sandbox copy with the TypeScript JS API,
  // which TypeScript 7 (the native compiler) no longer ships. Ours points nowhere outside, so no rewrite:
  // a file name that does not exist turns it off.
  tsconfigFile: 'tsconfig.stryker-none.json',
  // src/templates is a symbolic link to a folder (left from before playbooks/), which the sandbox copy
  // cannot copy; nothing reads it.
  ignorePatterns: ['/src/templates', '/bench', '/docs', '/reports', '/.stryker-tmp*'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
}

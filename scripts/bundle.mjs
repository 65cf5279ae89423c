// Builds dist/ from src/ with esbuild: one ES module per command (what oclif's manifest
// points at), shared code split into dist/chunks/. Start-up is most of what a Candor
// command costs, and Node 20 spends it resolving, reading and compiling hundreds of
// small files (oclif, handlebars, js-yaml, twitter-text); a few bundled files load in
// about a third less time. `tsc --noEmit` type-checks separately (npm run build).
//
// Packages only some commands use (channel SDKs, mail, PostgreSQL, prompts, spinners)
// stay outside the bundle and load from node_modules when a command asks for them.
import {readdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {createRequire} from 'node:module'
import {build} from 'esbuild'
import {bundledPackages, NOTICES_FILE, noticesText} from './third-party-notices.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const requireFromHere = createRequire(path.join(ROOT, 'node_modules', 'twitter-text', 'package.json'))
const SRC = path.join(ROOT, 'src')
const OUT = path.join(ROOT, 'dist')

export const EXTERNAL = ['twitter-api-v2', 'nodemailer', 'pg', '@inquirer/prompts', 'ora', '@atproto/*']

function tsFiles(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) return tsFiles(full)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : []
  })
}

const entryPoints = [
  path.join(SRC, 'cli', 'main.ts'), // what bin/run.js imports: oclif's execute
  path.join(SRC, 'cli', 'help.ts'), // package.json oclif.helpClass: root help with ENVIRONMENT and exit codes
  path.join(SRC, 'cli', 'not-found.ts'), // package.json oclif.hooks.command_not_found: "did you mean"
  ...tsFiles(path.join(SRC, 'commands')), // oclif loads each from the manifest
  // Loaded on demand by name; as entries they keep their file names, which keeps the
  // start-up test's "no adapter was loaded" check meaningful.
  ...tsFiles(path.join(SRC, 'channels')).filter((f) => path.basename(f) === 'adapter.ts'),
  path.join(SRC, 'infrastructure', 'store', 'postgres.ts'),
  path.join(SRC, 'domain', 'text', 'length.ts'), // so tests can run the conformance suite on the bundled counters
]

/**
 * Code the bundle leaves out, each replaced by an empty module:
 * - core-js 2's global polyfills, which twitter-text requires for ES5 browsers. Node 20
 *   has every feature they patch, so they only detect that and do nothing (the built
 *   counters are checked against twitter-text's conformance suite, test/text).
 * - source-map, which handlebars uses only for source maps of compiled templates (never
 *   asked for); without it handlebars uses its own small SourceNode, as in browsers.
 */
const leaveOut = {
  name: 'leave-out',
  setup(b) {
    // twitter-text's require('punycode') means its npm dependency, but Node resolves it to
    // the deprecated built-in (which warns on Node 22 outside node_modules): bundle the package.
    b.onResolve({filter: /^punycode$/}, () => ({path: requireFromHere.resolve('punycode/punycode.js')}))
    b.onResolve({filter: /^(core-js\/modules\/|source-map$)/}, (args) => ({path: args.path, namespace: 'left-out'}))
    b.onLoad({filter: /.*/, namespace: 'left-out'}, () => ({contents: '', loader: 'js'}))
  },
}

rmSync(OUT, {recursive: true, force: true})
const result = await build({
  entryPoints,
  outbase: SRC,
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  plugins: [leaveOut],
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS packages call require() for Node built-ins.
  banner: {
    js: "import {createRequire as __candorRequire} from 'node:module'; const require = __candorRequire(import.meta.url);",
  },
  // Not minified: it loads no slower. Source maps (names and positions only, not the
  // sources) let stack traces under DEBUG point into src/: bin/run.js turns them on then.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  // Licence comments go to dist/THIRD-PARTY-NOTICES.txt, whole, instead (see below).
  legalComments: 'none',
  // What went into each output: the bundled packages' licences come from it.
  metafile: true,
})
writeFileSync(path.join(OUT, NOTICES_FILE), noticesText(bundledPackages(result.metafile, process.cwd())))
// CANDOR_BUNDLE_META=FILE: the metafile, for esbuild's analyzer.
if (process.env.CANDOR_BUNDLE_META) writeFileSync(process.env.CANDOR_BUNDLE_META, JSON.stringify(result.metafile))

import {copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CandorError} from '../domain/errors.js'
import {makeFolder} from '../infrastructure/fs/make-folder.js'

/**
 * The installed package's root: the nearest folder above this module with Candor's
 * package.json (from src/ under tests, from a bundled chunk in dist/ when built).
 */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)))

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json')
    if (existsSync(manifest) && /"name":\s*"candor"/.test(readFileSync(manifest, 'utf8'))) return dir
    if (path.dirname(dir) === dir) return path.resolve(from, '..')
  }
}

export interface ScaffoldResult {
  dir: string
  created: string[]
  /** The playbook written. */
  playbook: string
  /** The facts file of the incident at hand, to edit (`DIR/facts.yaml`). */
  facts: string
  /** How many template files were written. */
  templates: number
  /** The playbook's snapshot (`candor playbook test`), when the shipped example has one. */
  snapshot?: string
  /** The GitHub Actions workflow that checks the playbooks on pull requests. */
  workflow: string
}

/** Where `candor init` writes the CI workflow, relative to the folder it scaffolds. */
export const WORKFLOW_PATH = path.join('.github', 'workflows', 'playbooks.yml')

/** Candor's own version, for pinning the one CI installs. */
function packageVersion(): string {
  try {
    const version = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version
    return typeof version === 'string' && /^[\w.+-]+$/.test(version) ? version : 'latest'
  } catch {
    return 'latest'
  }
}

/** A shell loop over the playbooks running one check each, with the playbook's example facts file where it has one. */
function eachPlaybook(command: string): string {
  return `|
          status=0
          for playbook in playbooks/*.yaml; do
            facts="playbooks/examples/$(basename "$playbook" .yaml).facts.yaml"
            if [ -f "$facts" ]; then set -- --facts "$facts"; else set --; fi
            ${command} "$playbook" "$@" || status=1
          done
          exit $status`
}

/**
 * The GitHub Actions workflow `candor init` writes: on every pull request that changes
 * `playbooks/`, validate, lint strictly, compare the snapshots and rehearse every playbook.
 * Docs: https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
 */
export function playbooksWorkflowText(version = packageVersion()): string {
  // Each check runs even when an earlier one failed, so one run shows every problem.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
  const check = "if: ${{ !cancelled() && steps.install.outcome == 'success' }}"
  return `# Checks the playbooks on every pull request that changes them. Written by \`candor init\`.
#
# Assumes Candor comes from the npm registry as the package "candor", pinned to the version
# that wrote this file (${version}) so a new release never changes a check unasked: raise it
# on purpose. If your project installs Candor another way (a devDependency: \`npm ci\`, then
# \`npx candor ...\`), change the "Install Candor" step and the commands below.
name: playbooks

on:
  pull_request:
    paths:
      - 'playbooks/**'
      - '.github/workflows/playbooks.yml'

permissions:
  contents: read

jobs:
  playbooks:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Install Candor
        id: install
        run: npm install --global candor@${version}
      - name: Validate the playbooks
        ${check}
        run: candor playbook validate playbooks/*.yaml
      - name: Lint the posts (warnings are errors)
        ${check}
        run: ${eachPlaybook('candor playbook lint --strict')}
      - name: Compare every post with its snapshot
        ${check}
        run: candor playbook test playbooks/*.yaml
      - name: Rehearse every phase against the sandbox
        ${check}
        run: ${eachPlaybook('candor rehearse')}
`
}

/**
 * `facts.yaml` for the incident at hand, from a shipped example's facts: the same
 * values to edit, and the status page left for the user to set (a real publish must
 * not send customers to the example's).
 */
export function incidentFactsText(exampleText: string, playbookName: string): string {
  const body = exampleText
    .replace(/^(?:#.*\n)+/, '')
    .replace(
      /^status_url:.*$/m,
      '# Your status page, where customers follow along (or give it as status_url\'s default in the playbook):\n# status_url: "https://status.example.com"',
    )
  return `# The facts of the incident at hand, for playbooks/${playbookName}.yaml: edit them first.\n# Write sentences without a full stop at the end: the templates add it.\n#   candor preview ${playbookName} --phase <phase> --facts facts.yaml\n#   candor incident open ${playbookName} --facts facts.yaml\n${body}`
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry)
    return statSync(full).isDirectory() ? filesUnder(full) : [full]
  })
}

/**
 * Writes a working example: `playbooks/outage.yaml`, its templates (from the shipped
 * `playbooks/templates/outage`), an example facts file, the playbook's snapshot and a GitHub
 * Actions workflow checking the playbooks. Refuses, writing nothing, when any target exists already.
 */
export function scaffoldProject(targetDir: string, playbookName = 'outage'): ScaffoldResult {
  const shippedPlaybook = path.join(PACKAGE_ROOT, 'playbooks', `${playbookName}.yaml`)
  const shippedTemplates = path.join(PACKAGE_ROOT, 'playbooks', 'templates', playbookName)
  const shippedFacts = path.join(PACKAGE_ROOT, 'playbooks', 'examples', `${playbookName}.facts.yaml`)
  if (!existsSync(shippedPlaybook)) {
    throw new CandorError(`no shipped playbook "${playbookName}"`, {
      code: 'unknown_example',
      suggestions: ['Use --example outage, degraded-performance or scheduled-maintenance'],
    })
  }
  const shippedSnapshot = path.join(PACKAGE_ROOT, 'playbooks', '__snapshots__', `${playbookName}.snap.md`)
  const out = path.join(targetDir, 'playbooks')
  const plan: Array<[string, string]> = [[shippedPlaybook, path.join(out, `${playbookName}.yaml`)]]
  if (existsSync(shippedFacts)) plan.push([shippedFacts, path.join(out, 'examples', `${playbookName}.facts.yaml`)])
  // The shipped snapshot is the scaffolded playbook's too: the same playbook, templates and example facts.
  const snapshot = existsSync(shippedSnapshot) ? path.join(out, '__snapshots__', `${playbookName}.snap.md`) : undefined
  if (snapshot) plan.push([shippedSnapshot, snapshot])
  const workflow = path.join(targetDir, WORKFLOW_PATH)
  const templates = filesUnder(shippedTemplates).length
  const factsFile = path.join(targetDir, 'facts.yaml')
  for (const file of filesUnder(shippedTemplates))
    plan.push([file, path.join(out, 'templates', playbookName, path.relative(shippedTemplates, file))])

  const existing = [...plan.map(([, to]) => to), ...(existsSync(shippedFacts) ? [factsFile] : []), workflow].filter(
    (to) => existsSync(to),
  )
  if (existing.length > 0) {
    throw new CandorError(
      `not overwriting ${existing.length} existing ${existing.length === 1 ? 'file' : 'files'}: ${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}`,
      {
        code: 'scaffold_exists',
        suggestions: ['Run `candor init` in another folder (candor init DIR), or move those files away first'],
      },
    )
  }
  for (const [from, to] of plan) {
    makeFolder(path.dirname(to))
    copyFileSync(from, to)
  }
  const created = plan.map(([, to]) => to)
  if (existsSync(shippedFacts)) {
    writeFileSync(factsFile, incidentFactsText(readFileSync(shippedFacts, 'utf8'), playbookName), {flag: 'wx'})
    created.push(factsFile)
  }
  makeFolder(path.dirname(workflow))
  writeFileSync(workflow, playbooksWorkflowText(), {flag: 'wx'})
  created.push(workflow)
  return {dir: targetDir, created, playbook: plan[0][1], facts: factsFile, templates, snapshot, workflow}
}

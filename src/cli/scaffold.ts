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
 * `playbooks/templates/outage`) and an example facts file. Refuses, writing nothing, when any
 * target exists already.
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
  const out = path.join(targetDir, 'playbooks')
  const plan: Array<[string, string]> = [[shippedPlaybook, path.join(out, `${playbookName}.yaml`)]]
  if (existsSync(shippedFacts)) plan.push([shippedFacts, path.join(out, 'examples', `${playbookName}.facts.yaml`)])
  const templates = filesUnder(shippedTemplates).length
  const factsFile = path.join(targetDir, 'facts.yaml')
  for (const file of filesUnder(shippedTemplates))
    plan.push([file, path.join(out, 'templates', playbookName, path.relative(shippedTemplates, file))])

  const existing = [...plan.map(([, to]) => to), ...(existsSync(shippedFacts) ? [factsFile] : [])].filter((to) =>
    existsSync(to),
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
  return {dir: targetDir, created, playbook: plan[0][1], facts: factsFile, templates}
}

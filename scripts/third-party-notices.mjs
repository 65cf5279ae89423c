// The third-party notices shipped in dist/: the licence of every npm package whose code
// esbuild put into the bundle. esbuild drops the packages' licence comments
// (legalComments: 'none' keeps dist/ small and start-up fast), so their texts travel here.
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

export const NOTICES_FILE = 'THIRD-PARTY-NOTICES.txt'

const LICENCE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i

/**
 * The package folder a bundled file comes from: what follows the last `node_modules/`
 * (nested copies such as `string-width/node_modules/ansi-regex` are packages of their own).
 * Undefined for Candor's own sources and for esbuild's virtual modules (`left-out:...`).
 */
export function packageDirOf(file) {
  const posix = file.split(path.sep).join('/')
  const at = posix.lastIndexOf('node_modules/')
  if (at < 0 || /^[\w-]+:/.test(posix)) return undefined
  const [first, second] = posix.slice(at + 'node_modules/'.length).split('/')
  return posix.slice(0, at) + 'node_modules/' + (first.startsWith('@') ? `${first}/${second}` : first)
}

/** Name, version, licence and licence texts of each package esbuild read, once per name@version. */
export function bundledPackages(metafile, workingDir) {
  const dirs = new Set()
  for (const input of Object.keys(metafile.inputs)) {
    const dir = packageDirOf(input)
    if (dir) dirs.add(path.resolve(workingDir, dir))
  }
  const byId = new Map()
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
    const id = `${manifest.name}@${manifest.version}`
    if (byId.has(id)) continue
    const texts = readdirSync(dir)
      .filter((name) => LICENCE_FILE.test(name))
      .sort()
      .map((name) => ({file: name, text: readFileSync(path.join(dir, name), 'utf8').trim()}))
    const {name, version} = manifest
    byId.set(id, {name, version, license: licenceOf(manifest), homepage: homepageOf(manifest), texts})
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
}

function licenceOf(manifest) {
  if (typeof manifest.license === 'string') return manifest.license
  if (manifest.license?.type) return manifest.license.type
  if (Array.isArray(manifest.licenses)) return manifest.licenses.map((l) => l.type ?? l).join(' OR ')
  return 'not declared in package.json: see the licence text'
}

function homepageOf(manifest) {
  const repo = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url
  return manifest.homepage ?? repo
}

const RULE = '='.repeat(78)

export function noticesText(packages) {
  const head = [
    'Third-party software in Candor',
    '',
    'The files in dist/ bundle code from the npm packages listed below. Each is',
    'distributed under its own licence, reproduced here as the package ships it.',
    'Packages Candor loads from node_modules at run time (see package.json',
    '"dependencies") are not bundled and carry their own licence files.',
    '',
    ...packages.map((p) => `  ${p.name} ${p.version} (${p.license})`),
  ]
  const sections = packages.map((p) => {
    const lines = [RULE, `${p.name} ${p.version}`, `Licence: ${p.license}`]
    if (p.homepage) lines.push(`Source: ${p.homepage}`)
    if (p.texts.length === 0)
      lines.push('', '(The package ships no licence file; its package.json names the licence above.)')
    for (const t of p.texts) lines.push('', `--- ${t.file} ---`, '', t.text)
    return lines.join('\n')
  })
  return `${[head.join('\n'), ...sections].join('\n\n')}\n`
}

import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

/**
 * The layers of src/, as docs/architecture.md draws them, checked on every import
 * (type-only imports too: they are dependencies a reader follows):
 *
 *   domain  →  services  →  infrastructure  →  cli, commands
 *
 * A file may import its own layer or an inner one, never an outer one, and neither
 * files nor folders may import each other in a circle. A channel's folder holds two
 * layers: its kind (limits, threading, options: domain) and its adapter (the code that
 * talks to the platform: infrastructure). Dynamic `import()` is the one late binding
 * (the channel registry loads an adapter when something is sent) and is not a layer edge.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

const LAYERS = ['domain', 'services', 'infrastructure', 'cli'] as const
type Layer = (typeof LAYERS)[number]

function layerOf(file: string): Layer {
  const [top] = file.split('/')
  if (top === 'domain') return 'domain'
  if (top === 'services') return 'services'
  if (top === 'infrastructure') return 'infrastructure'
  if (top === 'cli' || top === 'commands') return 'cli'
  if (top === 'channels') {
    const name = path.basename(file, '.ts')
    return name === 'adapter' || name === 'adapters' ? 'infrastructure' : 'domain'
  }
  throw new Error(
    `${file}: in no layer; put it under domain/, services/, infrastructure/, channels/, cli/ or commands/`,
  )
}

/**
 * The unit whose folder-level cycles are checked: a layer's subfolder (services/render), or
 * a channel's folder, whose two layers are two units (channels/x, channels/x adapter): the
 * core reads the kind, and the adapter uses the core, which is no circle. The two files
 * directly in channels/ are units of their own: the contract every kind implements
 * (channels/kind.ts) and the registry that lists the kinds (channels/registry.ts).
 */
function unitOf(file: string): string {
  const parts = file.split('/')
  if (parts[0] === 'cli' || parts[0] === 'commands') return parts[0]
  if (parts[0] === 'channels' && parts.length > 2 && layerOf(file) === 'infrastructure')
    return `${parts[0]}/${parts[1]} adapter`
  if (parts[0] === 'channels' && parts.length === 2) return file.replace(/\.ts$/, '')
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')
      ? [path.relative(SRC, full).split(path.sep).join('/')]
      : []
  })
}

/** Static imports and re-exports (`import type` included) of one file, as src-relative paths. */
function staticImports(file: string, text: string): string[] {
  const out: string[] = []
  const pattern =
    /^\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gms
  for (const match of text.matchAll(pattern)) {
    const spec = match[1] ?? match[2]!
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'))
  }
  return out
}

function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>()
  for (const file of sourceFiles()) edges.set(file, staticImports(file, readFileSync(path.join(SRC, file), 'utf8')))
  return edges
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const v of edges.keys()) if (!index.has(v)) visit(v)
  return found
}

describe('the layers of src/', () => {
  const edges = graph()

  it('every import resolves to a file in src/', () => {
    const missing = [...edges].flatMap(([file, deps]) =>
      deps.filter((d) => !edges.has(d)).map((d) => `${file} -> ${d}`),
    )
    expect(missing).toEqual([])
  })

  it('no file imports a file of an outer layer', () => {
    const rank = (file: string) => LAYERS.indexOf(layerOf(file))
    const outward = [...edges].flatMap(([file, deps]) =>
      deps
        .filter((d) => edges.has(d) && rank(d) > rank(file))
        .map((d) => `${file} (${layerOf(file)}) -> ${d} (${layerOf(d)})`),
    )
    expect(outward).toEqual([])
  })

  it('no files import each other in a circle', () => {
    expect(cycles(edges)).toEqual([])
  })

  it('no folders import each other in a circle', () => {
    const units = new Map<string, Set<string>>()
    for (const [file, deps] of edges) {
      const from = unitOf(file)
      const set = units.get(from) ?? new Set<string>()
      for (const d of deps) if (edges.has(d) && unitOf(d) !== from) set.add(unitOf(d))
      units.set(from, set)
    }
    expect(cycles(new Map([...units].map(([u, s]) => [u, [...s]])))).toEqual([])
  })

  it('the checks see what they check: a planted outward import and cycle are found', () => {
    expect(layerOf('channels/x/adapter.ts')).toBe('infrastructure')
    expect(layerOf('channels/x/kind.ts')).toBe('domain')
    expect([unitOf('channels/x/kind.ts'), unitOf('channels/x/adapter.ts')]).toEqual([
      'channels/x',
      'channels/x adapter',
    ])
    expect(staticImports('services/a.ts', "import type {A} from '../domain/b.js'\nexport {c} from './c.js'")).toEqual([
      'domain/b.ts',
      'services/c.ts',
    ])
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']])
  })
})

/**
 * The core names no platform: what differs between channels is declared on their kinds
 * (channels/<name>/kind.ts), so adding a channel touches its folder and one registry line.
 * A channel type written as a string literal in domain/ or services/ is a platform fact in
 * the wrong place. The status site's own service (services/site/) builds the `site` channel's
 * pages and may name it.
 */
const CHANNEL_TYPE_NAMES = readdirSync(path.join(SRC, 'channels'), {withFileTypes: true})
  .filter((e) => e.isDirectory())
  .map((e) => e.name)

function platformLiterals(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const names = CHANNEL_TYPE_NAMES.filter((n) => !(file.startsWith('services/site/') && n === 'site'))
  const pattern = new RegExp(`(?<![\\w.])(['"\`])(${names.join('|')})\\1(?!\\.repeat)`, 'g')
  return [...code.matchAll(pattern)].map((m) => `${file}: ${m[0]}`)
}

describe('the core names no platform', () => {
  it('no channel type is written out in domain/ or services/', () => {
    const core = sourceFiles().filter((f) => f.startsWith('domain/') || f.startsWith('services/'))
    expect(core.flatMap((f) => platformLiterals(f, readFileSync(path.join(SRC, f), 'utf8')))).toEqual([])
  })

  it('the check sees what it checks: a planted platform name is found, comments are not', () => {
    expect(CHANNEL_TYPE_NAMES).toContain('slack')
    expect(platformLiterals('services/a.ts', "// if slack\nif (c.type === 'slack') x()")).toEqual([
      "services/a.ts: 'slack'",
    ])
    expect(platformLiterals('services/site/a.ts', "c.type === 'site'")).toEqual([])
  })
})

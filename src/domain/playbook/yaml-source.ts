import yaml from 'js-yaml'

export interface SourcePosition {
  line: number
  col: number
}

type PathKey = string | number

interface NodeSpan {
  start: number
  /** For mapping nodes: key name -> [key start, value start]. */
  entries?: Map<string, {key: number; value: number}>
  /** For sequence nodes: item starts. */
  items?: number[]
}

const MAX_NODES = 100_000
const MAX_DEPTH = 64

/**
 * Refuses documents whose aliases expand to a huge tree ("billion laughs") or that nest
 * absurdly deep: js-yaml shares aliased nodes, but anything that walks the value
 * (validation, JSON output) would expand them. Sizes are memoised per node, so the
 * check itself stays linear in the document.
 */
export function checkExpansion(value: unknown): void {
  const sizes = new Map<object, number>()
  const size = (node: unknown, depth: number): number => {
    if (node === null || typeof node !== 'object') return 1
    if (depth > MAX_DEPTH) throw new yaml.YAMLException(`nested more than ${MAX_DEPTH} levels deep`)
    const known = sizes.get(node)
    if (known !== undefined) return known
    let total = 1
    for (const child of Object.values(node)) {
      total += size(child, depth + 1)
      if (total > MAX_NODES)
        throw new yaml.YAMLException(`expands to more than ${MAX_NODES} nodes (aliases repeated too often?)`)
    }
    sizes.set(node, total)
    return total
  }
  size(value, 0)
}

/**
 * A YAML document parsed with js-yaml, remembering where every mapping key and value
 * started so that validation problems can point at FILE:LINE:COL.
 */
export class YamlSource {
  readonly value: unknown
  private readonly spans = new WeakMap<object, NodeSpan>()
  private readonly lineStarts: number[]

  private constructor(
    readonly text: string,
    value: unknown,
    spans: WeakMap<object, NodeSpan>,
  ) {
    this.value = value
    this.spans = spans
    this.lineStarts = [0]
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1)
  }

  /** Parses `text`; throws js-yaml's YAMLException (with `.mark`) on syntax errors and duplicate keys. */
  static parse(text: string, filename: string): YamlSource {
    const spans = new WeakMap<object, NodeSpan>()
    // js-yaml reports every node as an open/close pair, children nested inside parents,
    // and mapping keys as nodes of their own: a stack rebuilds the tree of positions.
    const stack: Array<{start: number; children: Array<{start: number; result: unknown}>}> = []
    let value: unknown
    try {
      value = loadWithListener()
    } catch (error) {
      if (error instanceof RangeError) throw new yaml.YAMLException(`nested too deeply to read`)
      throw error
    }
    function loadWithListener(): unknown {
      return yaml.load(text, {
        filename,
        schema: yaml.CORE_SCHEMA,
        listener(event, state) {
          if (event === 'open') {
            stack.push({start: state.position, children: []})
            return
          }
          const frame = stack.pop()!
          const result = state.result as unknown
          const start = frame.start
          if (result && typeof result === 'object') {
            const span: NodeSpan = {start}
            if (state.kind === 'mapping') {
              span.entries = new Map()
              for (let i = 0; i + 1 < frame.children.length; i += 2) {
                span.entries.set(String(frame.children[i].result), {
                  key: frame.children[i].start,
                  value: frame.children[i + 1].start,
                })
              }
            } else if (state.kind === 'sequence') {
              span.items = frame.children.map((c) => c.start)
            }
            if (!spans.has(result)) spans.set(result, span)
          }
          stack.at(-1)?.children.push({start, result})
        },
      })
    }
    checkExpansion(value)
    return new YamlSource(text, value, spans)
  }

  /**
   * Where the node at `path` starts. With `key: true` the position of the mapping key
   * itself (for "unknown key" problems). Falls back to the nearest located ancestor.
   */
  locate(path: readonly PathKey[], opts: {key?: boolean} = {}): SourcePosition {
    let node: unknown = this.value
    let offset = 0
    for (let i = 0; i < path.length; i++) {
      if (!node || typeof node !== 'object') break
      const span = this.spans.get(node)
      const k = path[i]
      const last = i === path.length - 1
      if (span?.entries && typeof k === 'string' && span.entries.has(k)) {
        const entry = span.entries.get(k)!
        offset = last && opts.key ? entry.key : entry.value
      } else if (span?.items && typeof k === 'number' && k < span.items.length) {
        offset = span.items[k]
      } else {
        if (span) offset = span.start
        break
      }
      node = (node as Record<PathKey, unknown>)[k]
    }
    return this.positionOf(offset)
  }

  positionOf(offset: number): SourcePosition {
    // js-yaml's open position can sit on the whitespace before a node: skip to the node.
    while (offset < this.text.length && /[ \t\r\n]/.test(this.text[offset])) offset++
    let lo = 0
    let hi = this.lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.lineStarts[mid] <= offset) lo = mid
      else hi = mid - 1
    }
    return {line: lo + 1, col: offset - this.lineStarts[lo] + 1}
  }
}

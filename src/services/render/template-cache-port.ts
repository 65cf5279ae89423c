/**
 * Where the renderer keeps what it learns from a template (its analysis, its compiled
 * code) between runs. The renderer only knows this interface; the disk cache behind it
 * (infrastructure/template-cache.ts, with its trust checks) is registered by the CLI at
 * start-up. Nothing registered (a library use, a test that does not ask for it): no cache,
 * every template is compiled afresh.
 */
export interface TemplateCache {
  get(kind: string, input: string): unknown
  set(kind: string, input: string, value: unknown): void
}

type OpenCache = () => TemplateCache | null

let open: OpenCache | undefined
let opened: TemplateCache | null | undefined

/** Registers the cache; `open` runs once, on first use (so a run that renders nothing never touches the disk). */
export function useTemplateCache(openCache: OpenCache): void {
  if (open === openCache) return
  open = openCache
  opened = undefined
}

/** The registered cache, or null when there is none or it is turned off. */
export function templateCache(): TemplateCache | null {
  if (opened === undefined) opened = open ? open() : null
  return opened
}

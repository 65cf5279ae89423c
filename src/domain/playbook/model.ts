import type {ChannelKind} from '../../channels/kind.js'
import type {ChannelType} from '../../channels/registry.js'
import type {PlaybookKind} from '../playbook-kind.js'

export type FactType = 'string' | 'list' | 'number' | 'boolean' | 'time'
export const FACT_TYPES: readonly FactType[] = ['string', 'list', 'number', 'boolean', 'time']

// What a playbook communicates (incident or maintenance): see playbook-kind.ts.
export {PLAYBOOK_KINDS, type PlaybookKind} from '../playbook-kind.js'

/**
 * How an incident of this playbook affects the services it touches, as the status site
 * draws it: a full `outage`, a `partial` outage, `degraded` performance, or planned
 * `maintenance`. A playbook's top-level `impact:`; the `severity` fact overrides it.
 */
export type PlaybookImpact = 'outage' | 'partial' | 'degraded' | 'maintenance'
export const PLAYBOOK_IMPACTS: readonly PlaybookImpact[] = ['outage', 'partial', 'degraded', 'maintenance']

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/

/** An ISO 8601 date and time with its zone (`Z` or `+01:00`): what a `time` fact holds. */
export function isIsoTime(text: string): boolean {
  return ISO_TIME.test(text) && !Number.isNaN(Date.parse(text))
}

export interface FactSpec {
  name: string
  type: FactType
  required: boolean
  description?: string
  default?: unknown
}

export interface ChannelConfig {
  name: string
  type: ChannelType
  kind: ChannelKind
  /** Every setting from the playbook except `type`. */
  options: Record<string, unknown>
  /** The playbook's kind (default incident), for channels that publish maintenance differently. */
  playbookKind?: PlaybookKind
}

/** Where a piece of a playbook came from, for messages that point at it. */
export interface SourceRef {
  file: string
  line: number
  col: number
}

export type TemplateSource =
  | {kind: 'file'; path: string; display: string; text: string}
  | {kind: 'inline'; text: string; at: SourceRef}

export interface PostSpec {
  channel: string
  /** The version the channel posts: its locale's, else the default locale's. */
  template: TemplateSource
  /**
   * Every locale's version of the post, the default's included, as loaded: what `playbook
   * lint` checks beyond the one the channel posts. Absent on a post built by hand.
   */
  versions?: ReadonlyMap<string, TemplateSource>
}

export interface Duration {
  ms: number
  /** As written in the playbook, e.g. "30m". */
  text: string
}

export interface ApprovalRule {
  /** Distinct people who must approve before posts go out. */
  required: number
}

export interface Phase {
  name: string
  description?: string
  /** Promised time to the next update. */
  nextUpdate?: Duration
  /** Once the incident is older than `after`, promise `nextUpdate` instead (a slower cadence). */
  longIncident?: {after: Duration; nextUpdate: Duration}
  /** Overrides the playbook's approval rule for this phase. */
  approval?: ApprovalRule
  posts: PostSpec[]
}

/** A pattern posts must never contain (the playbook's own `forbid` list). */
export interface ForbiddenPattern {
  pattern: RegExp
  /** The pattern as written, for messages. */
  source: string
  message?: string
}

export interface Playbook {
  /** Absolute path of the YAML file. */
  file: string
  name: string
  description?: string
  /** Incident (default) or planned maintenance. */
  kind: PlaybookKind
  /** How its incidents affect services on the status site (absent: guessed from the name). */
  impact?: PlaybookImpact
  facts: Map<string, FactSpec>
  channels: Map<string, ChannelConfig>
  phases: Phase[]
  /** Languages the posts are written in; the first is the default. */
  locales: string[]
  /** Who must approve before anything goes out (default: one person, the publisher). */
  approval: ApprovalRule
  /** Example facts for `playbook lint` and documentation. */
  examples?: Record<string, unknown>
  /**
   * The playbook's own additions to the built-in post policy. `publicHosts`: hosts the
   * playbook declares public (its `public_hosts`, the hosts of URLs among its fact
   * defaults, its status site's `base_url`), which `internalHosts` never matches.
   */
  policy: {forbid: ForbiddenPattern[]; internalHosts: string[]; publicHosts?: string[]}
  /**
   * Where a part of the playbook (e.g. ['phases', 'investigating', 'next_update']) is in
   * its YAML file, for `playbook lint`; `key`: the key's place rather than its value's.
   * Absent on a playbook built by hand.
   */
  locate?: (path: Array<string | number>, key?: boolean) => SourceRef
}

/** One validation problem, printed as `FILE:LINE:COL: message`. */
export interface Problem extends SourceRef {
  message: string
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`
}

const DURATION = /^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$/

/** "30m", "1h30m", "2h", "45s", "1d" → milliseconds; undefined when malformed or zero. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim())
  if (!m || !text.trim()) return undefined
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0))
  const ms = ((d * 24 + h) * 60 + min) * 60_000 + s * 1000
  return ms > 0 ? ms : undefined
}

import type {PlaybookKind} from '../domain/playbook-kind.js'
/**
 * What every channel kind declares (src/channels/<name>/kind.ts): domain rules only,
 * no I/O and no adapter code. The registry (registry.ts) lists the kinds.
 */

export type OptionType = 'string' | 'url' | 'list' | 'map' | 'number' | 'boolean' | 'template'

/**
 * One playbook option of a channel: how the loader checks it, and (type only: `value`)
 * what an adapter receives once it passed. `R` says whether the playbook must set it.
 */
export interface OptionSpec<T = unknown, R extends boolean = boolean> {
  type: OptionType
  required?: R
  description: string
  /** Allowed values for a string option. */
  oneOf?: readonly string[]
  /** A shape a string option must have, and how to say it (e.g. "a version like v24.0"). */
  pattern?: {regex: RegExp; hint: string}
  /** A further rule a well-typed value must meet: what is wrong with it, or undefined. */
  check?: (value: unknown) => string | undefined
  /** Never set: carries the type of the value for `OptionsOf`. */
  readonly value?: T
}

export type OptionSchema = Readonly<Record<string, OptionSpec>>

type SpecInput<R extends boolean> = {
  description: string
  required?: R
  pattern?: {regex: RegExp; hint: string}
  check?: (value: unknown) => string | undefined
}

/** Builds the spec of one option type; `R` is inferred from `required: true`. */
function optionOf<T>(type: OptionType) {
  return <R extends boolean = false>(spec: SpecInput<R>): OptionSpec<T, R> => ({type, ...spec})
}

/** Text (a number is taken as its text: `page_id: 12345`). */
export const text = optionOf<string>('string')
/** An http(s) URL. */
export const url = optionOf<string>('url')
/** A template rendered with the post's facts (a title, a subject, a link). */
export const template = optionOf<string>('template')
/** A list of text values (numbers taken as their text). */
export const list = optionOf<string[]>('list')
/** A mapping of text to text. */
export const map = optionOf<Record<string, string>>('map')
/** A positive number. */
export const number = optionOf<number>('number')

/** One of a few words. */
export function oneOf<const V extends readonly string[], R extends boolean = false>(
  values: V,
  spec: SpecInput<R>,
): OptionSpec<V[number], R> {
  return {type: 'string', oneOf: values, ...spec}
}

type ValueOf<O> = O extends OptionSpec<infer T, boolean> ? T : never
type RequiredKeys<S> = {[K in keyof S]: S[K] extends OptionSpec<unknown, true> ? K : never}[keyof S]

/** The options a playbook's channel holds once the loader checked them against `S`. */
export type OptionsOf<S> = {readonly [K in RequiredKeys<S>]: ValueOf<S[K]>} & {
  readonly [K in Exclude<keyof S, RequiredKeys<S>>]?: ValueOf<S[K]>
}

/**
 * The value the loader keeps for an option that passed its checks: text options hold text
 * even where the playbook wrote a number, so adapters need not check types again.
 */
export function optionValue(spec: OptionSpec, value: unknown): unknown {
  if (spec.type === 'string' && typeof value === 'number') return String(value)
  if (spec.type === 'list' && Array.isArray(value)) return value.map(String)
  return value
}

/** A channel's options, typed by its kind's schema: the loader checked them (services/playbook/load.ts). */
export function optionsOf<S extends OptionSchema>(
  _kind: ChannelKind<S>,
  options: Readonly<Record<string, unknown>>,
): OptionsOf<S> {
  return options as OptionsOf<S>
}

/** The options most HTTP channels share. */
export const commonOptions = {
  api_url: url({
    description:
      'API base URL (a test fake on loopback; anything else must be trusted by the environment: ' +
      'CANDOR_<CHANNEL>_API_URL or CANDOR_TRUSTED_HOSTS)',
  }),
  locale: text({description: 'Language of the posts on this channel'}),
}

export const titleOption = template({description: 'Title template (facts and built-ins allowed)'})

/**
 * Where a channel's requests, and so its credentials, go (see publish/endpoint-trust.ts).
 * `chain`: the playbook options that name the endpoint, in the order the adapter prefers
 * them, each with the environment field (after `CANDOR_<CHANNEL>_`) that may name it
 * instead; the first one set is used. Else the URL in the credential field `credentialUrl`
 * (a webhook URL), else `defaultOrigin`. `officialHosts`: the platform's own hosts
 * (`.example.com`: any host under it), where a playbook may point the channel freely.
 */
export interface EndpointSpec {
  chain: ReadonlyArray<{option: string; env: string}>
  credentialUrl?: string
  defaultOrigin?: string
  officialHosts: readonly string[]
}

export const apiUrlEndpoint = {option: 'api_url', env: 'API_URL'} as const

/** Whether `hostname` is one of the platform's own hosts (`.example.com`: any host under it). */
export function isOfficialHost(spec: Pick<EndpointSpec, 'officialHosts'>, hostname: string): boolean {
  const host = hostname.toLowerCase()
  return spec.officialHosts.some((h) => (h.startsWith('.') ? host.endsWith(h) : host === h))
}

/** Where a rehearsal sends a channel (see ChannelKind.sandbox). */
export interface SandboxTarget {
  /** The sandbox's base URL, e.g. `http://127.0.0.1:4477` (no trailing slash). */
  url: string
  /** Its SMTP listener (as `GET <url>/api/info` reports it). */
  smtp: {host: string; port: number}
  /** The playbook's name for the channel: the sandbox shows posts under it. */
  channel: string
  /** A folder of this incident's rehearsal, under the state directory, for channels that write files. */
  dir: string
}

export interface SandboxChannel {
  /** Fields after `CANDOR_<CHANNEL>_` (e.g. `API_URL`, `TOKEN`), the whole environment the channel sees. */
  env: Record<string, string>
  /** Options that replace the playbook's (e.g. a folder under `SandboxTarget.dir`). */
  options?: Record<string, unknown>
}

/**
 * `secret`: keys, tokens, passwords, token-bearing URLs (masked in diagnostics);
 * `identifier`: public (a handle or user name, shown and posted as written).
 */
export type CredentialField = 'secret' | 'identifier'

/**
 * What Candor knows about a channel type without talking to it: how a post is
 * measured and limited, whether updates thread, how text is escaped, which options
 * a playbook may set and which credentials the environment must hold.
 * Adapters (the code that talks to the platform) live apart and load lazily.
 */
export interface ChannelKind<S extends OptionSchema = OptionSchema> {
  /** The registry key (registry.ts). */
  type: string
  /** The platform's name as people say it. */
  label: string
  /**
   * Over-long posts may be split into a numbered thread of posts. (Joining updates
   * together is each adapter's business: email threads by headers, Statuspage
   * updates one incident, even though neither splits posts.)
   */
  threads: boolean
  /** `html` outputs escape fact values; `text` and `markdown` keep them as written. */
  format: 'text' | 'markdown' | 'html'
  /** Besides its text, each post carries an HTML version (email's HTML part), where every value is escaped. */
  htmlPart?: boolean
  /** The platform's own length rule (with what the server says a URL counts); absent where there is no practical limit. */
  measure?: (text: string, server?: {urlLength?: number}) => number
  /** How `measure` is described in previews, e.g. "weighted characters". */
  unit?: string
  defaultLimit?: number
  /** A second limit on each part: its bytes of UTF-8 (Bluesky's 3000). */
  maxBytes?: number
  /** The accounts a text would mention, and notify, on the platform (Mastodon's `@user@domain`). */
  notifies?: (text: string) => string[]
  /** Whether `max_length` may raise or lower the limit (instances that allow more). */
  limitConfigurable?: boolean
  /**
   * The server whose own limits apply to this channel (a Mastodon instance), as a cache key:
   * publish reads them from it and caches them, preview uses what was cached.
   */
  limitsFrom?(config: OptionsOf<S>): string | undefined
  /** A soft limit: above it the post is allowed but a warning is shown. */
  advisedLength?: number
  /**
   * Whether the platform links an incident's updates into one thread, as `candor sandbox` shows it
   * (`reply_to`): each update replies to the one before (X, Mastodon, Bluesky), a mail answers the
   * previous mail, Statuspage updates one incident, a Slack bot posts in the first message's thread.
   * What `candor rehearse` checks; absent: each update stands alone.
   */
  linksUpdates?(config: OptionsOf<S>): boolean
  /** Its posts are files Candor writes (Markdown, the status site), which no platform or sandbox receives. */
  writesFiles?: boolean
  /** Talks to an HTTP API, so `api_url` may redirect it. */
  http: boolean
  /** Who reads it: `team` channels (machines, the team's chat) skip the customer wording rules. */
  audience: 'customers' | 'team'
  /** It is the status page itself: its posts need not link to the status page. */
  statusPage?: boolean
  /** Said when its adapter cannot delete posts: how to make them deletable (Slack: a bot token). */
  undeletableHint?: string
  options: S
  /**
   * Environment fields (after `CANDOR_<CHANNEL>_`) the channel needs: any one of
   * the listed sets, complete, is enough.
   */
  credentials(config: OptionsOf<S>): string[][]
  /**
   * Every field `credentials` may name, declared secret or identifier. Every command reads
   * them at start-up to install output redaction (services/publish/credentials.ts).
   */
  credentialFields: Readonly<Record<string, CredentialField>>
  /**
   * Why credentials that are all present still cannot work (a secret too short to sign
   * with), checked before anything is sent; `prefix` is the channel's `CANDOR_<CHANNEL>_`.
   */
  credentialProblem?(values: Record<string, string>, prefix: string): string | undefined
  /** Where its requests go; absent for channels that send no HTTP requests with credentials. */
  endpoint?(config: OptionsOf<S>): EndpointSpec
  /**
   * How a rehearsal (`incident open --sandbox`) reaches this channel's imitation in `candor sandbox`
   * instead of the platform: the environment the channel gets in place of the real one (fields
   * after `CANDOR_<CHANNEL>_`: an endpoint on the sandbox and placeholder credentials), and options
   * that replace the playbook's (channels that write files write under `target.dir`). A rehearsal
   * never reads the real environment for its channels, so nothing can reach a real platform.
   */
  sandbox?(target: SandboxTarget): SandboxChannel
  /** The public hosts its options name (the status site's `base_url`): links to them are never "internal". */
  publicHosts?(config: OptionsOf<S>): string[]
  /**
   * What this channel needs from the rest of the playbook (a Statuspage channel: a status for
   * every phase it posts in), checked when the playbook loads; each problem at a YAML path.
   */
  playbookProblems?(channel: ChannelInPlaybook<S>): PlaybookProblem[]
}

/** A channel as the playbook around it declares it: what `playbookProblems` checks. */
export interface ChannelInPlaybook<S extends OptionSchema = OptionSchema> {
  name: string
  options: OptionsOf<S>
  playbookKind: PlaybookKind
  /** Each phase, with the channels it posts to. */
  phases: ReadonlyMap<string, {posts: readonly string[]}>
  /** Each declared fact's type. */
  factTypes: ReadonlyMap<string, string>
}

/** A problem at a path in the playbook's YAML (`key`: at the key, not its value). */
export interface PlaybookProblem {
  path: Array<string | number>
  message: string
  key?: boolean
}

/** Declares a kind with its option types inferred from its schema. */
export function channelKind<const S extends OptionSchema>(kind: ChannelKind<S>): ChannelKind<S> {
  return kind
}

/** The limit that applies to a channel, if any: `max_length` where the type allows it. */
export function channelLimit(kind: ChannelKind, config: Readonly<Record<string, unknown>>): number | undefined {
  if (kind.limitConfigurable && typeof config.max_length === 'number') return config.max_length
  return kind.defaultLimit
}

/** Whether a channel's posts are also rendered as HTML (the status site; email's HTML part), where every value is escaped. */
export function rendersHtml(kind: ChannelKind): boolean {
  return kind.format === 'html' || kind.htmlPart === true
}

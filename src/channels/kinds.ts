import {codePointLength, graphemeLength, mastodonLength, mastodonRemoteMentions, xWeightedLength} from '../domain/text/length.js'
import {webhookSecretProblem} from './webhook-secret.js'

/** The channel types a playbook may use. */
export const CHANNEL_TYPES = [
  'x',
  'mastodon',
  'bluesky',
  'facebook',
  'slack',
  'discord',
  'webhook',
  'email',
  'statuspage',
  'markdown',
  'site',
] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]

export type OptionType = 'string' | 'url' | 'list' | 'map' | 'number' | 'boolean' | 'template'

export interface OptionSpec {
  type: OptionType
  required?: boolean
  description: string
  /** Allowed values for a string option. */
  oneOf?: readonly string[]
  /** A shape a string option must have, and how to say it (e.g. "a version like v24.0"). */
  pattern?: {regex: RegExp; hint: string}
  /** A further rule a well-typed value must meet: what is wrong with it, or undefined. */
  check?: (value: unknown) => string | undefined
}

/** Bluesky's `langs`: at most 3 BCP-47 language tags (app.bsky.feed.post). */
function languageTags(value: unknown): string | undefined {
  const tags = (value as unknown[]).map(String)
  if (tags.length > 3) return `must list at most 3 language tags (Bluesky keeps no more); found ${tags.length}`
  const bad = tags.filter((tag) => {
    try {
      return Intl.getCanonicalLocales(tag).length !== 1
    } catch {
      return true
    }
  })
  return bad.length > 0 ? `must be BCP-47 language tags such as en, de-DE or pt-BR; found ${bad.map((t) => JSON.stringify(t)).join(', ')}` : undefined
}

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

const apiUrlEndpoint = {option: 'api_url', env: 'API_URL'} as const

/** Whether `hostname` is one of the platform's own hosts (`.example.com`: any host under it). */
export function isOfficialHost(spec: Pick<EndpointSpec, 'officialHosts'>, hostname: string): boolean {
  const host = hostname.toLowerCase()
  return spec.officialHosts.some((h) => (h.startsWith('.') ? host.endsWith(h) : host === h))
}

/**
 * What Candor knows about a channel type without talking to it: how a post is
 * measured and limited, whether updates thread, how text is escaped, which options
 * a playbook may set and which credentials the environment must hold.
 * Adapters (the code that talks to the platform) live apart and load lazily.
 */
export interface ChannelKind {
  type: ChannelType
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
  /** The platform's own length rule (with what the server says a URL counts); absent where there is no practical limit. */
  measure?: (text: string, server?: {urlLength?: number}) => number
  /** How `measure` is described in previews, e.g. "weighted characters". */
  unit?: string
  defaultLimit?: number
  /** The accounts a text would mention, and notify, on the platform (Mastodon's `@user@domain`). */
  notifies?: (text: string) => string[]
  /** Whether `max_length` may raise or lower the limit (instances that allow more). */
  limitConfigurable?: boolean
  /**
   * The server whose own limits apply to this channel (a Mastodon instance), as a cache key:
   * publish reads them from it and caches them, preview uses what was cached.
   */
  limitsFrom?: (config: Record<string, unknown>) => string | undefined
  /** A soft limit: above it the post is allowed but a warning is shown. */
  advisedLength?: number
  /** Talks to an HTTP API, so `api_url` may redirect it. */
  http: boolean
  options: Record<string, OptionSpec>
  /**
   * Environment fields (after `CANDOR_<CHANNEL>_`) the channel needs: any one of
   * the listed sets, complete, is enough.
   */
  credentials(config: Record<string, unknown>): string[][]
  /**
   * Why credentials that are all present still cannot work (a secret too short to sign
   * with), checked before anything is sent; `prefix` is the channel's `CANDOR_<CHANNEL>_`.
   */
  credentialProblem?(values: Record<string, string>, prefix: string): string | undefined
  /** Where its requests go; absent for channels that send no HTTP requests with credentials. */
  endpoint?(config: Record<string, unknown>): EndpointSpec
}

const common = {
  api_url: {type: 'url', description: 'API base URL (a test fake on loopback; anything else must be trusted by the environment: CANDOR_<CHANNEL>_API_URL or CANDOR_TRUSTED_HOSTS)'},
  locale: {type: 'string', description: 'Language of the posts on this channel'},
} satisfies Record<string, OptionSpec>

const titleOption = {type: 'template', description: 'Title template (facts and built-ins allowed)'} satisfies OptionSpec

export const CHANNEL_KINDS: Record<ChannelType, ChannelKind> = {
  x: {
    type: 'x',
    label: 'X',
    threads: true,
    format: 'text',
    measure: xWeightedLength,
    unit: 'weighted characters',
    defaultLimit: 280,
    http: true,
    options: {...common},
    credentials: () => [['APP_KEY', 'APP_SECRET', 'ACCESS_TOKEN', 'ACCESS_SECRET']],
    endpoint: () => ({chain: [apiUrlEndpoint], defaultOrigin: 'https://api.x.com', officialHosts: ['api.x.com', 'api.twitter.com', 'upload.twitter.com']}),
  },
  mastodon: {
    type: 'mastodon',
    label: 'Mastodon',
    threads: true,
    format: 'text',
    measure: (text, server) => mastodonLength(text, server?.urlLength),
    unit: 'characters (URLs count 23)',
    defaultLimit: 500,
    limitConfigurable: true,
    notifies: mastodonRemoteMentions,
    limitsFrom: (config) => (typeof config.instance === 'string' && URL.canParse(config.instance) ? new URL(config.instance).origin : undefined),
    http: true,
    options: {
      ...common,
      instance: {type: 'url', description: 'The instance the account lives on, e.g. https://mastodon.social; better in CANDOR_<CHANNEL>_INSTANCE, beside the token (a playbook value must agree with it)'},
      visibility: {type: 'string', oneOf: ['public', 'unlisted', 'private', 'direct'], description: 'Post visibility'},
      language: {type: 'string', description: 'ISO 639 language code of the posts'},
      max_length: {type: 'number', description: "The character limit to split by, instead of the one the instance says (GET /api/v2/instance)"},
    },
    // The instance travels with the token: in the environment, unless the playbook names one.
    credentials: (config) => (config.instance ? [['ACCESS_TOKEN']] : [['ACCESS_TOKEN', 'INSTANCE']]),
    endpoint: () => ({chain: [apiUrlEndpoint, {option: 'instance', env: 'INSTANCE'}], officialHosts: []}),
  },
  bluesky: {
    type: 'bluesky',
    label: 'Bluesky',
    threads: true,
    format: 'text',
    measure: graphemeLength,
    unit: 'graphemes',
    defaultLimit: 300,
    http: true,
    options: {
      ...common,
      service: {type: 'url', description: 'The PDS to sign in to (default https://bsky.social); another PDS belongs in CANDOR_<CHANNEL>_SERVICE, beside the app password'},
      langs: {type: 'list', description: 'Language tags of the posts (at most 3, BCP-47)', check: languageTags},
    },
    credentials: () => [['IDENTIFIER', 'APP_PASSWORD']],
    endpoint: () => ({chain: [apiUrlEndpoint, {option: 'service', env: 'SERVICE'}], defaultOrigin: 'https://bsky.social', officialHosts: ['bsky.social', '.bsky.network']}),
  },
  facebook: {
    type: 'facebook',
    label: 'Facebook Page',
    threads: false,
    format: 'text',
    measure: codePointLength,
    unit: 'characters',
    defaultLimit: 63206,
    http: true,
    options: {
      ...common,
      page_id: {type: 'string', required: true, description: 'The Page to post on'},
      link: {type: 'template', description: 'A link attached to each post (e.g. the status page)'},
      graph_version: {type: 'string', description: 'Graph API version, e.g. v26.0 (default: the newest Candor knows)', pattern: {regex: /^v\d{1,3}\.\d$/, hint: 'a Graph API version like v26.0'}},
    },
    credentials: () => [['PAGE_TOKEN']],
    endpoint: () => ({chain: [apiUrlEndpoint], defaultOrigin: 'https://graph.facebook.com', officialHosts: ['graph.facebook.com']}),
  },
  slack: {
    type: 'slack',
    label: 'Slack',
    threads: false,
    format: 'text',
    measure: codePointLength,
    unit: 'characters',
    defaultLimit: 40000,
    advisedLength: 4000,
    http: true,
    options: {
      ...common,
      channel: {type: 'string', description: 'Channel ID for bot mode (chat.postMessage); leave out for an incoming webhook'},
    },
    credentials: (config) => (config.channel ? [['BOT_TOKEN']] : [['WEBHOOK_URL']]),
    endpoint: (config) =>
      config.channel ? {chain: [apiUrlEndpoint], defaultOrigin: 'https://slack.com', officialHosts: ['slack.com']} : {chain: [], credentialUrl: 'WEBHOOK_URL', officialHosts: ['hooks.slack.com']},
  },
  discord: {
    type: 'discord',
    label: 'Discord',
    threads: false,
    format: 'text',
    measure: codePointLength,
    unit: 'characters',
    defaultLimit: 2000,
    http: true,
    options: {
      ...common,
      username: {type: 'string', description: 'Name the webhook posts as'},
      avatar_url: {type: 'url', description: 'Avatar the webhook posts with'},
    },
    credentials: () => [['WEBHOOK_URL']],
    endpoint: () => ({chain: [apiUrlEndpoint], credentialUrl: 'WEBHOOK_URL', officialHosts: ['discord.com', 'discordapp.com', 'canary.discord.com', 'ptb.discord.com']}),
  },
  webhook: {
    type: 'webhook',
    label: 'Webhook',
    threads: false,
    format: 'text',
    http: true,
    options: {
      ...common,
      url: {type: 'url', description: 'Where to POST; better in CANDOR_<CHANNEL>_URL, beside the secret (a playbook value must agree with it, or its host be in CANDOR_TRUSTED_HOSTS)'},
      title: titleOption,
      link: {type: 'template', description: 'A link sent with each update (e.g. the status page)'},
    },
    credentials: (config) => (config.url ? [['SECRET']] : [['URL', 'SECRET']]),
    credentialProblem: (values, prefix) => webhookSecretProblem(values.SECRET ?? '', `${prefix}SECRET`),
    endpoint: () => ({chain: [apiUrlEndpoint, {option: 'url', env: 'URL'}], officialHosts: []}),
  },
  email: {
    type: 'email',
    label: 'Email',
    threads: false,
    format: 'text',
    http: false,
    options: {
      locale: common.locale,
      from: {type: 'string', required: true, description: 'Sender address'},
      to: {type: 'list', required: true, description: 'Recipients'},
      bcc: {type: 'list', description: 'Blind-copy recipients'},
      subject: {type: 'template', description: 'Subject template (keep it the same for the whole incident: Gmail threads by subject)'},
      list_id: {
        type: 'string',
        description: 'Sending to a mailing list: its List-Id (RFC 2919), e.g. "Acme status <status.lists.acme.com>"',
        pattern: {regex: /^(?:[^<>\r\n]*<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+>|[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+)$/, hint: 'a list id like status.lists.acme.com, or "Acme status <status.lists.acme.com>"'},
      },
    },
    credentials: () => [['SMTP_URL']],
  },
  statuspage: {
    type: 'statuspage',
    label: 'Atlassian Statuspage',
    threads: false,
    format: 'text',
    http: true,
    options: {
      ...common,
      page_id: {type: 'string', required: true, description: 'Statuspage page ID'},
      component_ids: {type: 'list', description: 'Components the incident affects'},
      status_map: {type: 'map', description: 'Candor phase -> Statuspage status (investigating, identified, monitoring, resolved)'},
      component_status: {type: 'string', oneOf: ['degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'], description: 'Status of the affected components while the incident is open (default major_outage)'},
      title: titleOption,
    },
    credentials: () => [['API_KEY']],
    endpoint: () => ({chain: [apiUrlEndpoint], defaultOrigin: 'https://api.statuspage.io', officialHosts: ['api.statuspage.io']}),
  },
  markdown: {
    type: 'markdown',
    label: 'Markdown blog',
    threads: false,
    format: 'markdown',
    http: false,
    options: {
      locale: common.locale,
      dir: {type: 'string', required: true, description: "Folder the post files go into (relative to the playbook's project: the folder holding .candor/ or the git root)"},
      title: titleOption,
      tags: {type: 'list', description: 'Front-matter tags'},
    },
    credentials: () => [],
  },
  site: {
    type: 'site',
    label: 'Status site',
    threads: false,
    format: 'html',
    http: false,
    options: {
      locale: common.locale,
      dir: {type: 'string', required: true, description: "Output folder of the static site (relative to the playbook's project)"},
      title: {type: 'string', description: 'Site title'},
      base_url: {type: 'url', description: 'Public URL the site is served from'},
      components: {type: 'list', description: 'Services listed on the page'},
    },
    credentials: () => [],
  },
}

export function isChannelType(type: unknown): type is ChannelType {
  return typeof type === 'string' && (CHANNEL_TYPES as readonly string[]).includes(type)
}

/** The limit that applies to a channel, if any: `max_length` where the type allows it. */
export function channelLimit(kind: ChannelKind, config: Record<string, unknown>): number | undefined {
  if (kind.limitConfigurable && typeof config.max_length === 'number') return config.max_length
  return kind.defaultLimit
}

/** Whether a channel's posts are also rendered as HTML (the status site; email's HTML part), where every value is escaped. */
export function rendersHtml(kind: ChannelKind): boolean {
  return kind.format === 'html' || kind.type === 'email'
}

import type {Playbook} from '../../domain/playbook/model.js'
import type {ConfiguredCredential} from './configured-credentials.js'
import {SECRET_PATTERNS} from './secret-patterns.js'

/**
 * The post policy: what must never go out, whatever the template or the facts say.
 * Every rule has a stable name (documented in docs/playbooks.md) that `--allow RULE`
 * overrides for one run. Pure functions: no I/O, no clock.
 */

export const POLICY_RULES = [
  'private-ip',
  'internal-host',
  'secret',
  'render-leftover',
  'forbid',
  'placeholder',
] as const
export type PolicyRule = (typeof POLICY_RULES)[number]

/**
 * A post that holds one of the credentials Candor was given. Not among POLICY_RULES:
 * `--allow` cannot override it.
 */
export const CREDENTIAL_RULE = 'credential'

export function isPolicyRule(name: string): name is PolicyRule {
  return (POLICY_RULES as readonly string[]).includes(name)
}

export interface Violation {
  rule: PolicyRule | typeof CREDENTIAL_RULE
  /** What is wrong, for people, e.g. `"10.0.0.12" is a private network address`. */
  message: string
  /** The text that matched (masked for secrets: enough to find it, not enough to use it). */
  match: string
}

export interface PolicyContext {
  /** Its `internal_hosts` and `forbid` additions; its facts' defaults. */
  playbook: Pick<Playbook, 'policy'> & Partial<Pick<Playbook, 'facts'>>
  /**
   * The facts the post was rendered with. Unused for exemptions: a host is public only
   * when the playbook says so (`public_hosts`), never because it came in through a fact.
   */
  facts?: Record<string, unknown>
  /** The post's language, e.g. `de`: "null" is a German word, not a leftover. */
  locale?: string
  /** The secrets Candor was given (configured-credentials.ts): a post must never contain one. */
  credentials?: readonly ConfiguredCredential[]
}

/** Host name suffixes that never resolve on the public internet. */
export const INTERNAL_SUFFIXES = ['.internal', '.corp', '.local', '.lan', '.localhost', '.home.arpa']

// ---- private-ip ------------------------------------------------------------------

// A dotted quad, also glued to letters (`ip192.168.1.1`, `host10.0.0.1`), but not a version (`v10.0.0.1`).
const IPV4 = /(?<![\d.]|(?<![A-Za-z])[vV])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d_]|\.\d)/g
// `ip-10-0-0-1` (cloud host names spell the address with dashes).
const IPV4_DASHED = /(?<![\w-])ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?!\d)/gi
// Other spellings an address parser accepts: hex or octal parts (`0x0a.0.0.1`, `012.0.0.1`).
const IPV4_OTHER = /(?<![\w.])(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){0,3}(?![\w]|\.\w)/gi
// The host of a URL, however it is spelled: the URL parser says which address it means.
const URL_HOST = /\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s/?#@]*@)?(\[[0-9a-f:.]+\]|[^\s/?#:\][]+)/gi
// Candidates with at least two colons; parsed and classified below (times like 14:30:00 are not IPv6).
const IPV6 = /(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])/gi

function ipv4Kind(octets: number[]): string | undefined {
  const [a, b] = octets
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'a private network address'
  if (a === 127) return 'a loopback address'
  if (a === 169 && b === 254) return 'a link-local address'
  if (a === 100 && b >= 64 && b <= 127) return 'a carrier-grade NAT address'
  if (a === 0) return 'not a routable address'
  return undefined
}

function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const parse = (s: string) =>
    s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN))
  const head = parse(halves[0])
  const tail = halves.length === 2 ? parse(halves[1]) : []
  if ([...head, ...tail].some((g) => Number.isNaN(g))) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  if (head.length + tail.length > 7) return undefined
  return [...head, ...Array(8 - head.length - tail.length).fill(0), ...tail]
}

function ipv6Kind(groups: number[]): string | undefined {
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return 'the IPv6 loopback address'
  if ((groups[0] & 0xfe00) === 0xfc00) return 'a private (unique local) IPv6 address'
  if ((groups[0] & 0xffc0) === 0xfe80) return 'a link-local IPv6 address'
  if ((groups[0] & 0xffc0) === 0xfec0) return 'a site-local IPv6 address'
  // An IPv4 address inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d).
  const mapped =
    groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0xffff || (groups[5] === 0 && groups[6] !== 0))
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)
  if (mapped || nat64) {
    const kind = ipv4Kind([groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff])
    if (kind) return `${kind} inside an IPv6 address`
  }
  return undefined
}

/** The dotted address a URL parser reads `host` as (`167772161` and `0x0a.0.0.1` are both 10.0.0.1), if any. */
function parsedIpv4(host: string): number[] | undefined {
  try {
    const parsed = new URL(`http://${host}/`).hostname
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(parsed)
    return m ? m.slice(1, 5).map(Number) : undefined
  } catch {
    return undefined
  }
}

function privateIps(text: string): Violation[] {
  const out: Violation[] = []
  const hit = (match: string, kind: string | undefined, as?: number[]) => {
    if (kind)
      out.push({
        rule: 'private-ip',
        match,
        message: `"${match}" is ${kind}${as && as.join('.') !== match ? ` (${as.join('.')})` : ''}`,
      })
  }
  for (const re of [IPV4, IPV4_DASHED]) {
    for (const m of text.matchAll(re)) {
      const octets = m.slice(1, 5).map(Number)
      if (!octets.some((o) => o > 255)) hit(m[0], ipv4Kind(octets))
    }
  }
  for (const m of text.matchAll(IPV4_OTHER)) {
    // Only spellings other than plain decimal (above): a hex part anywhere, or octal parts in a full quad.
    if (!/0x/i.test(m[0]) && !(m[0].split('.').length === 4 && /(?:^|\.)0\d/.test(m[0]))) continue
    const octets = parsedIpv4(m[0])
    if (octets) hit(m[0], ipv4Kind(octets), octets)
  }
  for (const m of text.matchAll(URL_HOST)) {
    const host = m[1]
    if (host.startsWith('[')) continue // IPv6: below
    const octets = /^[0-9a-fx.]+$/i.test(host) ? parsedIpv4(host) : undefined
    if (octets) hit(host, ipv4Kind(octets), octets)
  }
  for (const m of text.matchAll(IPV6)) {
    const groups = ipv6Groups(m[0])
    hit(m[0], groups && ipv6Kind(groups))
  }
  return out
}

// ---- internal-host ---------------------------------------------------------------

const HOST_TOKEN = /[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?/gi

function normaliseHostPattern(pattern: string): string {
  return pattern
    .trim()
    .toLowerCase()
    .replace(/^\*?\./, '')
}

function hostMatches(host: string, pattern: string): boolean {
  return host === pattern || host.endsWith('.' + pattern)
}

function internalHosts(text: string, ctx: PolicyContext): Violation[] {
  const out: Violation[] = []
  const extra = (ctx.playbook.policy?.internalHosts ?? []).map(normaliseHostPattern).filter(Boolean)
  const publicHosts = new Set((ctx.playbook.policy?.publicHosts ?? []).map(normaliseHostPattern))
  for (const m of text.matchAll(HOST_TOKEN)) {
    const host = m[0].toLowerCase()
    if (host === 'localhost') {
      out.push({rule: 'internal-host', match: m[0], message: `"${m[0]}" is an internal host name`})
      continue
    }
    if (!host.includes('.')) {
      // A bare name the playbook lists, e.g. "db-primary".
      if (extra.includes(host))
        out.push({rule: 'internal-host', match: m[0], message: `"${m[0]}" is an internal host name (internal_hosts)`})
      continue
    }
    const suffix = INTERNAL_SUFFIXES.find((s) => host.endsWith(s))
    if (suffix) {
      out.push({rule: 'internal-host', match: m[0], message: `"${m[0]}" is an internal host name (${suffix})`})
      continue
    }
    // The playbook's own patterns, except for the hosts the playbook declares public
    // (its status page or blog on the company's domain). A fact never makes a host public.
    const pattern = extra.find((p) => hostMatches(host, p))
    if (pattern && !publicHosts.has(host))
      out.push({
        rule: 'internal-host',
        match: m[0],
        message: `"${m[0]}" is an internal host name (internal_hosts: ${pattern})`,
      })
  }
  return out
}

// ---- secret ----------------------------------------------------------------------

// The formats, with where each is documented, are data: secret-patterns.ts.

/** Enough of a secret to find it in the text, not enough to use it. */
export function maskSecret(text: string): string {
  return `${text.slice(0, 4)}… (${text.length} characters)`
}

function secrets(text: string): Violation[] {
  const out: Violation[] = []
  for (const {what, pattern, mask} of SECRET_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const shown = mask === false ? m[0] : maskSecret(m[0])
      out.push({rule: 'secret', match: shown, message: `"${shown}" looks like ${what}`})
    }
  }
  return out
}

// ---- render-leftover -------------------------------------------------------------

// Case-sensitive on purpose: what JavaScript prints, not the English words "Null" or "nan".
const LEFTOVERS: Array<{pattern: RegExp; skipIn?: string[]}> = [
  {pattern: /\bundefined\b/g},
  // "null" is an ordinary German word ("ab null Uhr").
  {pattern: /\bnull\b/g, skipIn: ['de']},
  {pattern: /\bNaN\b/g},
  {pattern: /\[object \w+\]/g},
  {pattern: /\bInvalid Date\b/g},
]

function leftovers(text: string, ctx: PolicyContext): Violation[] {
  const lang = (ctx.locale ?? 'en').split('-')[0].toLowerCase()
  const out: Violation[] = []
  for (const {pattern, skipIn} of LEFTOVERS) {
    if (skipIn?.includes(lang)) continue
    for (const m of text.matchAll(pattern))
      out.push({
        rule: 'render-leftover',
        match: m[0],
        message: `"${m[0]}" is left over from rendering (a missing or malformed fact?)`,
      })
  }
  return out
}

// ---- forbid ----------------------------------------------------------------------

function forbidden(text: string, ctx: PolicyContext): Violation[] {
  const out: Violation[] = []
  for (const f of ctx.playbook.policy?.forbid ?? []) {
    const m = new RegExp(f.pattern.source, f.pattern.flags.replace('g', '')).exec(text)
    if (m && m[0] !== '')
      out.push({
        rule: 'forbid',
        match: m[0],
        message: `"${m[0]}" ${f.message ? `is forbidden: ${f.message}` : `matches the playbook's forbidden pattern /${f.source}/`}`,
      })
  }
  return out
}

// ---- credential ------------------------------------------------------------------

/** The credentials among `given` that `text` contains (format characters ignored). */
export function findCredentials(text: string, given: readonly ConfiguredCredential[]): Violation[] {
  return credentials(withoutFormatCharacters(text), {
    playbook: {policy: {forbid: [], internalHosts: []}},
    credentials: given,
  })
}

function credentials(text: string, ctx: PolicyContext): Violation[] {
  const out: Violation[] = []
  for (const {name, value} of ctx.credentials ?? []) {
    const plain = withoutFormatCharacters(value)
    if (text.includes(plain) || text.includes(encodeURIComponent(plain))) {
      out.push({
        rule: CREDENTIAL_RULE,
        match: `${name} (••••)`,
        message: `the post contains the value of ${name} (shown here as ••••), a credential Candor was given; it must never be posted`,
      })
    }
  }
  return out
}

/**
 * Format characters (Unicode category Cf: zero-width joiners and spaces, soft hyphens,
 * direction marks) are invisible, so they can hide an address or a token from a
 * pattern: `10.0.0\u200d.1`. The rules look at the text without them; the post itself
 * keeps what was approved.
 */
export function withoutFormatCharacters(text: string): string {
  // Every format character is outside ASCII: most posts skip the Unicode-class scan.
  return NON_ASCII.test(text) ? text.replace(/\p{Cf}/gu, '') : text
}
const NON_ASCII = /[^\x00-\x7f]/

/**
 * Checks one post's final text against every policy rule. Returns each distinct hit
 * once, in rule order; an empty list means the post may go out.
 */
// ---- placeholder -----------------------------------------------------------------

/** The status page of the shipped examples (`candor init`'s facts.yaml): never a real one. */
export const PLACEHOLDER_STATUS_URL = 'https://status.example.com'
const PLACEHOLDER_URL = /\bhttps?:\/\/status\.example\.com(?![\w.-])(?:[/?#][^\s<>"'()[\]]*)?/gi

/**
 * The example status page in a post: customers would be sent to a page that is not
 * yours. Unless the playbook itself sets it (a fact's default): then it is deliberate,
 * and `playbook lint` says so instead.
 */
function placeholders(text: string, ctx: PolicyContext): Violation[] {
  const own = [...(ctx.playbook.facts?.values() ?? [])].some(
    (f) => typeof f.default === 'string' && f.default.toLowerCase().startsWith(PLACEHOLDER_STATUS_URL),
  )
  if (own) return []
  return [...text.matchAll(PLACEHOLDER_URL)].map((m) => ({
    rule: 'placeholder' as const,
    match: m[0],
    message: `"${m[0]}" is the example status page, not yours: set status_url to your status page (--set status_url=https://…)`,
  }))
}

export function checkPost(post: string, ctx: PolicyContext): Violation[] {
  const text = withoutFormatCharacters(post)
  const all = [
    ...credentials(text, ctx),
    ...privateIps(text),
    ...internalHosts(text, ctx),
    ...secrets(text),
    ...leftovers(text, ctx),
    ...forbidden(text, ctx),
    ...placeholders(text, ctx),
  ]
  const seen = new Set<string>()
  return all.filter((v) => {
    const key = `${v.rule}\u0000${v.match}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

import type {Playbook} from '../playbook/model.js'

/**
 * The post policy: what must never go out, whatever the template or the facts say.
 * Every rule has a stable name (documented in docs/playbooks.md) that `--allow RULE`
 * overrides for one run. Pure functions: no I/O, no clock.
 */

export const POLICY_RULES = ['private-ip', 'internal-host', 'secret', 'render-leftover', 'forbid', 'placeholder'] as const
export type PolicyRule = (typeof POLICY_RULES)[number]

export function isPolicyRule(name: string): name is PolicyRule {
  return (POLICY_RULES as readonly string[]).includes(name)
}

export interface Violation {
  rule: PolicyRule
  /** What is wrong, for people, e.g. `"10.0.0.12" is a private network address`. */
  message: string
  /** The text that matched (masked for secrets: enough to find it, not enough to use it). */
  match: string
}

export interface PolicyContext {
  /** Its `internal_hosts` and `forbid` additions; its facts' defaults. */
  playbook: Pick<Playbook, 'policy'> & Partial<Pick<Playbook, 'facts'>>
  /** The facts the post was rendered with: hosts of URLs among them are known to be public. */
  facts?: Record<string, unknown>
  /** The post's language, e.g. `de`: "null" is a German word, not a leftover. */
  locale?: string
}

/** Host name suffixes that never resolve on the public internet. */
export const INTERNAL_SUFFIXES = ['.internal', '.corp', '.local', '.lan', '.localhost', '.home.arpa']

// ---- private-ip ------------------------------------------------------------------

const IPV4 = /(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)/g
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
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)))
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
  return undefined
}

function privateIps(text: string): Violation[] {
  const out: Violation[] = []
  for (const m of text.matchAll(IPV4)) {
    const octets = m.slice(1, 5).map(Number)
    if (octets.some((o) => o > 255)) continue
    const kind = ipv4Kind(octets)
    if (kind) out.push({rule: 'private-ip', match: m[0], message: `"${m[0]}" is ${kind}`})
  }
  for (const m of text.matchAll(IPV6)) {
    const groups = ipv6Groups(m[0])
    const kind = groups && ipv6Kind(groups)
    if (kind) out.push({rule: 'private-ip', match: m[0], message: `"${m[0]}" is ${kind}`})
  }
  return out
}

// ---- internal-host ---------------------------------------------------------------

const HOST_TOKEN = /[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?/gi

function normaliseHostPattern(pattern: string): string {
  return pattern.trim().toLowerCase().replace(/^\*?\./, '')
}

function hostMatches(host: string, pattern: string): boolean {
  return host === pattern || host.endsWith('.' + pattern)
}

/** Hosts of the http(s) URLs among the fact values: they were declared for customers to visit. */
export function publicFactHosts(facts: Record<string, unknown> | undefined): Set<string> {
  const hosts = new Set<string>()
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit)
    else if (typeof v === 'string') {
      for (const m of v.matchAll(/https?:\/\/[^\s<>"')\]]+/gi)) {
        try {
          hosts.add(new URL(m[0]).hostname.toLowerCase())
        } catch {
          // not a URL after all
        }
      }
    }
  }
  for (const v of Object.values(facts ?? {})) visit(v)
  return hosts
}

function internalHosts(text: string, ctx: PolicyContext): Violation[] {
  const out: Violation[] = []
  const extra = (ctx.playbook.policy?.internalHosts ?? []).map(normaliseHostPattern).filter(Boolean)
  const publicHosts = publicFactHosts(ctx.facts)
  for (const m of text.matchAll(HOST_TOKEN)) {
    const host = m[0].toLowerCase()
    if (host === 'localhost') {
      out.push({rule: 'internal-host', match: m[0], message: `"${m[0]}" is an internal host name`})
      continue
    }
    if (!host.includes('.')) {
      // A bare name the playbook lists, e.g. "db-primary".
      if (extra.includes(host)) out.push({rule: 'internal-host', match: m[0], message: `"${m[0]}" is an internal host name (internal_hosts)`})
      continue
    }
    const suffix = INTERNAL_SUFFIXES.find((s) => host.endsWith(s))
    if (suffix) {
      out.push({rule: 'internal-host', match: m[0], message: `"${m[0]}" is an internal host name (${suffix})`})
      continue
    }
    // The playbook's own patterns, except for hosts of public URLs declared as facts
    // (a status page on the company's domain is meant to be shared).
    const pattern = extra.find((p) => hostMatches(host, p))
    if (pattern && !publicHosts.has(host)) out.push({rule: 'internal-host', match: m[0], message: `"${m[0]}" is an internal host name (internal_hosts: ${pattern})`})
  }
  return out
}

// ---- secret ----------------------------------------------------------------------

const SECRETS: Array<{what: string; pattern: RegExp; mask?: false}> = [
  {what: 'a cloud access key (AWS)', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b/g},
  {what: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g},
  {what: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g},
  {what: 'a Slack webhook URL', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,}/g},
  {what: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g},
  {what: 'a Stripe live key', pattern: /\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b/g},
  {what: 'a private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g, mask: false},
  {what: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g},
]

/** Enough of a secret to find it in the text, not enough to use it. */
export function maskSecret(text: string): string {
  return `${text.slice(0, 4)}… (${text.length} characters)`
}

function secrets(text: string): Violation[] {
  const out: Violation[] = []
  for (const {what, pattern, mask} of SECRETS) {
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
    for (const m of text.matchAll(pattern)) out.push({rule: 'render-leftover', match: m[0], message: `"${m[0]}" is left over from rendering (a missing or malformed fact?)`})
  }
  return out
}

// ---- forbid ----------------------------------------------------------------------

function forbidden(text: string, ctx: PolicyContext): Violation[] {
  const out: Violation[] = []
  for (const f of ctx.playbook.policy?.forbid ?? []) {
    const m = new RegExp(f.pattern.source, f.pattern.flags.replace('g', '')).exec(text)
    if (m && m[0] !== '') out.push({rule: 'forbid', match: m[0], message: `"${m[0]}" ${f.message ? `is forbidden: ${f.message}` : `matches the playbook's forbidden pattern /${f.source}/`}`})
  }
  return out
}

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
  const own = [...(ctx.playbook.facts?.values() ?? [])].some((f) => typeof f.default === 'string' && f.default.toLowerCase().startsWith(PLACEHOLDER_STATUS_URL))
  if (own) return []
  return [...text.matchAll(PLACEHOLDER_URL)].map((m) => ({rule: 'placeholder' as const, match: m[0], message: `"${m[0]}" is the example status page, not yours: set status_url to your status page (--set status_url=https://…)`}))
}

export function checkPost(text: string, ctx: PolicyContext): Violation[] {
  const all = [...privateIps(text), ...internalHosts(text, ctx), ...secrets(text), ...leftovers(text, ctx), ...forbidden(text, ctx), ...placeholders(text, ctx)]
  const seen = new Set<string>()
  return all.filter((v) => {
    const key = `${v.rule}\u0000${v.match}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

import {isOfficialHost, type EndpointSpec} from '../../channels/kind.js'
import {CandorError} from '../../domain/errors.js'
import type {ChannelConfig} from '../../domain/playbook/model.js'
import {envPrefix} from '../../channels/env-prefix.js'

/**
 * Where a channel's credentials may go. A playbook is shared code: anyone who can edit
 * it could point `api_url` at their own server and collect the team's tokens. So a
 * playbook alone never chooses where a credential goes. A channel's requests go only to
 *
 * - the platform's own hosts (its kind's `officialHosts`),
 * - loopback (test servers, a local sandbox),
 * - an endpoint the environment that holds the credential names: `CANDOR_<CHANNEL>_API_URL`
 *   (and `_INSTANCE`, `_SERVICE`, `_URL` where the kind has them), the webhook URL that is
 *   itself the credential, or a host listed in `CANDOR_TRUSTED_HOSTS`.
 *
 * Where the environment names an endpoint, a playbook value that disagrees is an error.
 * Plain `http://` is allowed only to loopback. Every adapter resolves its endpoint here,
 * and the commands check before any connection (preflight, `channels check`, `preview`).
 */

export const TRUSTED_HOSTS_VAR = 'CANDOR_TRUSTED_HOSTS'

export interface Endpoint {
  /** The URL requests are based on, as given. */
  url: string
  /** Where it came from, for messages: `CANDOR_X_API_URL`, `the playbook's "api_url"`, `the platform's default`. */
  source: string
  /** The origin requests go to (never a path: a webhook's path is its secret). */
  origin: string
}

type Env = Record<string, string | undefined>

/** localhost, 127.0.0.0/8 and ::1: only this machine can answer there. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  )
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

function hostMatches(hostname: string, pattern: string): boolean {
  const host = hostname.toLowerCase()
  const p = pattern.trim().toLowerCase().replace(/^\*/, '')
  return p.startsWith('.') ? host.endsWith(p) : host === p
}

/** The hosts listed in CANDOR_TRUSTED_HOSTS (commas or spaces; `.acme.com` for every host under it). */
export function trustedHosts(env: Env): string[] {
  return (env[TRUSTED_HOSTS_VAR] ?? '').split(/[\s,]+/).filter(Boolean)
}

function sameEndpoint(a: string, b: string): boolean {
  const ua = parse(a)
  const ub = parse(b)
  if (!ua || !ub) return a.trim() === b.trim()
  const norm = (u: URL) => `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}`
  return norm(ua) === norm(ub)
}

function untrusted(channel: ChannelConfig, message: string, suggestions: string[]): CandorError {
  return new CandorError(`channel "${channel.name}": ${message}`, {code: 'endpoint_untrusted', suggestions})
}

/**
 * The value of one endpoint setting: the environment's when it names one (a playbook value
 * that disagrees is an error), else the playbook's.
 */
function settingValue(
  channel: ChannelConfig,
  env: Env,
  option: string,
  field: string,
): (Endpoint & {fromEnv: boolean}) | undefined {
  const variable = envPrefix(channel.name) + field
  const fromEnv = env[variable]?.trim() || undefined
  const raw = channel.options[option]
  const fromPlaybook = typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined
  if (fromEnv && fromPlaybook && !sameEndpoint(fromEnv, fromPlaybook)) {
    const shown = (u: string) => parse(u)?.host ?? u
    throw untrusted(
      channel,
      `the playbook's "${option}" (${shown(fromPlaybook)}) disagrees with ${variable} (${shown(fromEnv)}) in the environment, which holds its credentials`,
      [
        `Remove "${option}" from the playbook (the environment's ${variable} is used), or change ${variable} if the playbook is right`,
      ],
    )
  }
  if (fromEnv) return {url: fromEnv, source: variable, origin: parse(fromEnv)?.origin ?? fromEnv, fromEnv: true}
  if (fromPlaybook)
    return {
      url: fromPlaybook,
      source: `the playbook's "${option}"`,
      origin: parse(fromPlaybook)?.origin ?? fromPlaybook,
      fromEnv: false,
    }
  return undefined
}

/** Hosts the environment names for this channel: its endpoint variables and its credential URL. */
function hostsNamedByEnv(channel: ChannelConfig, spec: EndpointSpec, env: Env): string[] {
  const prefix = envPrefix(channel.name)
  const fields = [...spec.chain.map((c) => c.env), ...(spec.credentialUrl ? [spec.credentialUrl] : [])]
  return fields.flatMap((f) => {
    const host = parse(env[prefix + f] ?? '')?.hostname
    return host ? [host] : []
  })
}

/**
 * Where a channel's requests go, checked against the rule above: the endpoint, or
 * undefined when none is set (an adapter then says what is missing). Throws a CandorError
 * (`endpoint_untrusted`) naming the channel, the host and how to trust it.
 * `env` is what the credentials came from (the environment and .env).
 */
export function resolveEndpoint(channel: ChannelConfig, env: Env): Endpoint | undefined {
  const spec = channel.kind.endpoint?.(channel.options)
  if (!spec) return undefined
  const prefix = envPrefix(channel.name)
  let chosen: (Endpoint & {fromEnv: boolean}) | undefined
  // Every setting is read (a disagreement is an error even where another setting wins).
  for (const {option, env: field} of spec.chain) {
    const value = settingValue(channel, env, option, field)
    chosen ??= value
  }
  if (!chosen && spec.credentialUrl) {
    const variable = prefix + spec.credentialUrl
    const raw = env[variable]?.trim()
    if (raw) chosen = {url: raw, source: variable, origin: parse(raw)?.origin ?? raw, fromEnv: true}
  }
  if (!chosen)
    return spec.defaultOrigin
      ? {url: spec.defaultOrigin, source: "the platform's default", origin: spec.defaultOrigin}
      : undefined

  const url = parse(chosen.url)
  // Not a URL: nothing can be sent there; the adapter says so when asked to send.
  if (!url) return {url: chosen.url, source: chosen.source, origin: chosen.origin}
  const loopback = isLoopback(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw untrusted(
      channel,
      `${chosen.source} would send its credentials over ${url.protocol}// to ${url.host}; only https:// is allowed (plain http:// only to loopback, for test servers)`,
      [`Use https://${url.host}${url.pathname === '/' ? '' : url.pathname}`],
    )
  }
  const official = isOfficialHost(spec, url.hostname)
  const named =
    hostsNamedByEnv(channel, spec, env).some((h) => h.toLowerCase() === url.hostname.toLowerCase()) ||
    trustedHosts(env).some((h) => hostMatches(url.hostname, h))
  if (!(chosen.fromEnv || loopback || official || named)) {
    const field = spec.chain.find((c) => chosen!.source.includes(`"${c.option}"`))?.env ?? 'API_URL'
    throw untrusted(
      channel,
      `${chosen.source} would send its credentials to ${url.host}, which only the playbook names (credentials go only to the platform's own hosts, loopback, or hosts the environment holding them names)`,
      [
        `If ${url.host} is yours, trust it where the credentials are set: ${prefix}${field}=${chosen.url}, or add ${url.hostname} to ${TRUSTED_HOSTS_VAR}`,
      ],
    )
  }
  return {url: chosen.url, source: chosen.source, origin: chosen.origin}
}

/** A channel's endpoint problem as one line, or undefined: for preflight, previews and checks. */
export function endpointProblem(channel: ChannelConfig, env: Env): string | undefined {
  return endpointTarget(channel, env).problem
}

/**
 * The environment an adapter judges endpoints with: the one its credentials came from, or
 * (adapters built directly, as in tests) just its credentials under their variable names.
 */
export function adapterEnv(channel: ChannelConfig, credentials: Record<string, string>, env?: Env): Env {
  const prefix = envPrefix(channel.name)
  return {...Object.fromEntries(Object.entries(credentials).map(([k, v]) => [prefix + k, v])), ...env}
}

/** What an adapter is built from (AdapterContext's fields this module reads). */
export interface EndpointContext {
  channel: ChannelConfig
  credentials: Record<string, string>
  env?: Env
}

/**
 * For adapters, at construction: checks the channel's endpoint (throws `endpoint_untrusted`
 * before any connection), so no request of an adapter ever goes where the rule forbids.
 */
export function checkAdapterEndpoint(ctx: EndpointContext): void {
  resolveEndpoint(ctx.channel, adapterEnv(ctx.channel, ctx.credentials, ctx.env))
}

/**
 * For adapters: one endpoint setting (`api_url`, `instance`, `service`, `url`), the
 * environment's value when it names one, else the playbook's; undefined when neither.
 */
export function endpointSetting(ctx: EndpointContext, option: string): string | undefined {
  const pair = ctx.channel.kind.endpoint?.(ctx.channel.options).chain.find((c) => c.option === option)
  if (!pair) return undefined
  return settingValue(ctx.channel, adapterEnv(ctx.channel, ctx.credentials, ctx.env), option, pair.env)?.url
}

/**
 * Where a channel would send its requests, for previews: the origin (never a path), or
 * null for channels that send none or have no endpoint set yet; `problem` when refused.
 */
export function endpointTarget(channel: ChannelConfig, env: Env): {target: string | null; problem?: string} {
  try {
    return {target: resolveEndpoint(channel, env)?.origin ?? null}
  } catch (error) {
    if (!(error instanceof CandorError)) throw error
    return {target: null, problem: `${error.message} (${error.suggestions.join('; ')})`}
  }
}

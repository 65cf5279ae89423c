import path from 'node:path'
import {envPrefix} from '../../channels/env-prefix.js'
import type {SandboxTarget} from '../../channels/kind.js'
import {CandorError} from '../../domain/errors.js'
import type {ChannelConfig, Playbook} from '../../domain/playbook/model.js'
import type {RemotePost} from '../incident/events.js'
import type {ChannelAdapter} from './adapter.js'
import type {IncidentState} from '../incident/state.js'
import {isIncidentId, type IncidentStore} from '../incident/store.js'
import {isLoopback, resolveEndpoint} from './endpoint-trust.js'

/**
 * Rehearsals (`candor incident open PLAYBOOK --sandbox [URL]`): an incident whose channels
 * all go to a `candor sandbox` on this machine. For a rehearsal, the channels are built
 * from what each channel kind's `sandbox` hook says and nothing else: no variable of the
 * real environment (credentials, CANDOR_*_API_URL, CANDOR_TRUSTED_HOSTS) is read, the
 * playbook's endpoint options are dropped, and every endpoint is checked to be loopback
 * before any adapter is built. So a rehearsal cannot reach a real platform, whatever the
 * environment or the playbook holds.
 */

/** Where `candor sandbox` listens by default. */
export const DEFAULT_SANDBOX_URL = 'http://127.0.0.1:4477'
/** The variable (environment or .env) naming the sandbox `--sandbox` uses when given no URL. */
export const SANDBOX_VAR = 'CANDOR_SANDBOX'

type Env = Record<string, string | undefined>

/**
 * The sandbox URL a rehearsal uses: the one given, else CANDOR_SANDBOX, else the default;
 * only http(s) on loopback (a sandbox is this machine's), without a trailing slash.
 */
export function sandboxUrl(given: string | undefined, env: Env = {}): string {
  const raw = (given?.trim() || env[SANDBOX_VAR]?.trim() || DEFAULT_SANDBOX_URL).replace(/\/+$/, '')
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {
    url = undefined
  }
  if (!url || !/^https?:$/.test(url.protocol) || !isLoopback(url.hostname) || url.username || url.password) {
    throw new CandorError(
      `"${raw}" is not a sandbox URL: a rehearsal goes only to a sandbox on this machine (http://127.0.0.1:PORT or http://localhost:PORT)`,
      {
        code: 'sandbox_url_invalid',
        suggestions: [
          `Start one with \`candor sandbox\` and leave the URL out (${DEFAULT_SANDBOX_URL}), or give the URL it prints`,
        ],
      },
    )
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}

/** What `GET <sandbox>/api/info` says: the sandbox's SMTP listener. */
export interface SandboxInfo {
  smtp: {host: string; port: number}
}

function notRunning(url: string, why: string): CandorError {
  return new CandorError(`no sandbox at ${url}; start it with \`candor sandbox\` (${why})`, {
    code: 'sandbox_not_running',
    suggestions: [
      `Run \`candor sandbox\` in another terminal, then run this command again (or set ${SANDBOX_VAR} when it runs elsewhere on this machine)`,
    ],
  })
}

/** Asks the sandbox where its SMTP listener is; a clear error when no sandbox answers. */
export async function readSandboxInfo(url: string, signal?: AbortSignal): Promise<SandboxInfo> {
  let body: unknown
  try {
    const timeout = AbortSignal.timeout(5000)
    const response = await fetch(`${url}/api/info`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'error',
      headers: {accept: 'application/json'},
    })
    if (!response.ok) throw notRunning(url, `GET /api/info answered ${response.status}`)
    body = await response.json()
  } catch (error) {
    if (error instanceof CandorError) throw error
    throw notRunning(url, (error as Error).message)
  }
  const smtp = (body as {smtp?: {host?: unknown; port?: unknown}} | null)?.smtp
  if (
    !smtp ||
    typeof smtp.host !== 'string' ||
    !isLoopback(smtp.host) ||
    !Number.isInteger(smtp.port) ||
    (smtp.port as number) <= 0 ||
    (smtp.port as number) > 65_535
  )
    throw notRunning(url, 'GET /api/info did not name a loopback SMTP listener: is it a Candor sandbox?')
  return {smtp: {host: smtp.host, port: smtp.port as number}}
}

/** The folder a rehearsal's file-writing channels write under: the state directory's `sandbox/<incident>`. */
export function rehearsalDir(store: Pick<IncidentStore, 'stateDir'>, incident: string): string {
  // A PostgreSQL store has no local state directory: this folder's ./.candor (the file store's default) holds it.
  return path.join(store.stateDir ?? path.resolve('.candor'), 'sandbox', incident)
}

/** What a command builds an incident's channels from: its playbook's channels and the environment they read. */
export interface IncidentChannels {
  playbook: Playbook
  env: Env
}

/**
 * The playbook and environment an incident's channels are built from: as given for a real
 * incident; for a rehearsal, only what the channel kinds' sandbox hooks say (see above).
 * Asks the sandbox once (`readSandboxInfo`).
 */
export async function incidentChannels(
  state: IncidentState,
  given: IncidentChannels,
  ctx: {store: Pick<IncidentStore, 'stateDir'>; signal?: AbortSignal},
): Promise<IncidentChannels> {
  if (!state.rehearsal) return given
  if (!state.rehearsal.sandbox)
    throw new CandorError(`incident ${state.id} is a rehearsal, but its journal names no sandbox URL`, {
      code: 'sandbox_url_invalid',
      suggestions: ['Open a new rehearsal: `candor incident open PLAYBOOK --sandbox`'],
    })
  const url = sandboxUrl(state.rehearsal.sandbox)
  if (!isIncidentId(state.id))
    throw new CandorError(`"${state.id}" is not a valid incident id`, {code: 'bad_incident_id'})
  const {smtp} = await readSandboxInfo(url, ctx.signal)
  const root = rehearsalDir(ctx.store, state.id)
  const env: Record<string, string> = {}
  const channels = new Map<string, ChannelConfig>()
  for (const [name, channel] of given.playbook.channels) {
    const target: SandboxTarget = {url, smtp, channel: name, dir: path.join(root, safeFolder(name))}
    const sandboxed = sandboxChannel(channel, target)
    Object.assign(env, sandboxed.env)
    channels.set(name, sandboxed.channel)
  }
  for (const channel of channels.values()) refuseEscape(channel, env)
  return {playbook: {...given.playbook, channels}, env}
}

/** A channel name as a folder name: never a path out of the rehearsal's folder. */
function safeFolder(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_')
  return safe === '.' || safe === '..' || safe === '' ? `_${safe}` : safe
}

function sandboxChannel(
  channel: ChannelConfig,
  target: SandboxTarget,
): {channel: ChannelConfig; env: Record<string, string>} {
  if (typeof channel.kind.sandbox !== 'function') {
    throw new CandorError(
      `channel "${channel.name}" (${channel.type}) can't be rehearsed: the sandbox has no imitation of ${channel.kind.label}`,
      {
        code: 'sandbox_unsupported',
        suggestions: ['Rehearse with a copy of the playbook without that channel'],
      },
    )
  }
  const given = channel.kind.sandbox(target)
  const prefix = envPrefix(channel.name)
  const env: Record<string, string> = {}
  for (const [field, value] of Object.entries(given?.env ?? {}))
    if (typeof value === 'string') env[prefix + field] = value
  // The playbook's endpoint settings (api_url, instance, url...) would name real hosts: only the hook's count.
  const endpointOptions = new Set(channel.kind.endpoint?.(channel.options).chain.map((c) => c.option) ?? [])
  const options = Object.fromEntries(Object.entries(channel.options).filter(([k]) => !endpointOptions.has(k)))
  return {channel: {...channel, options: {...options, ...given?.options}}, env}
}

/**
 * The last guard: every endpoint a rehearsal's channel would use, and every URL its
 * environment holds (an SMTP URL, a webhook), is on this machine. A hook that forgot its
 * endpoint (the platform's default would be used) is refused here, before any adapter exists.
 */
function refuseEscape(channel: ChannelConfig, env: Env): void {
  const prefix = envPrefix(channel.name)
  const urls = Object.entries(env)
    .filter(([k]) => k.startsWith(prefix))
    .map(([, v]) => v!)
  const endpoint = resolveEndpoint(channel, env)
  if (endpoint) urls.push(endpoint.url)
  for (const value of urls) {
    const host = hostOf(value)
    if (host !== undefined && !isLoopback(host)) {
      throw new CandorError(
        `channel "${channel.name}" (${channel.type}) would leave the sandbox for ${host}: a rehearsal goes only to this machine`,
        {
          code: 'sandbox_escape',
          suggestions: [`The ${channel.type} channel kind's sandbox hook must point it at the sandbox`],
        },
      )
    }
  }
}

/** The host a value names when it is a URL (http, https, smtp...), else undefined. */
function hostOf(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return undefined
  try {
    return new URL(value.trim()).hostname
  } catch {
    return value.trim()
  }
}

/** The id of a post's element on the sandbox page (`candor sandbox`'s `/`). */
export function sandboxPostAnchor(channel: string, id: string): string {
  return `post-${channel}-${id}`
}

/** A post's link on the sandbox page: where a rehearsal's "published <url>" points. */
export function sandboxPostUrl(sandbox: string, channel: string, id: string): string {
  return `${sandbox}/#${encodeURIComponent(sandboxPostAnchor(channel, id))}`
}

/**
 * A rehearsal's adapter whose posts link to the sandbox page instead of the platform's URL
 * the adapter makes (https://x.com/i/web/status/…, which would show someone else's post).
 * Channels that write files (Markdown, the status site) keep their own links.
 */
export function linkedToSandbox(adapter: ChannelAdapter, sandbox: string, channel: ChannelConfig): ChannelAdapter {
  if (channel.kind.writesFiles) return adapter
  const link = (remote: RemotePost): RemotePost => ({...remote, url: sandboxPostUrl(sandbox, channel.name, remote.id)})
  return new Proxy(adapter, {
    get(target, prop) {
      if (prop === 'post') return (req: Parameters<ChannelAdapter['post']>[0]) => target.post(req).then(link)
      if (prop === 'findPublished' && target.findPublished)
        return async (req: Parameters<ChannelAdapter['post']>[0]) => {
          const found = await target.findPublished!(req)
          return found && link(found)
        }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

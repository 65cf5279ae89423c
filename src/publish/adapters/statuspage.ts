import type {RemotePost} from '../../incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../adapter.js'
import {envPrefix} from '../credentials.js'
import {errorFromResponse, httpRequest, joinUrl, type HttpResponse} from '../http.js'
import {checkAdapterEndpoint, endpointSetting} from '../endpoint-trust.js'

const PLATFORM = 'Statuspage'
const DEFAULT_API = 'https://api.statuspage.io'

/** Statuspage's incident statuses (realtime incidents). */
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number]

const DEFAULT_STATUS: Record<string, IncidentStatus> = {
  investigating: 'investigating',
  identified: 'identified',
  monitoring: 'monitoring',
  resolved: 'resolved',
  // A postmortem follows resolution: it adds an update and keeps the incident resolved.
  postmortem: 'resolved',
}

/**
 * The Statuspage status for a Candor phase: the channel's `status_map` where it names the
 * phase, else the phases Statuspage shares with Candor (postmortem → resolved), else
 * investigating.
 */
export function statusForPhase(phase: string, statusMap: unknown): IncidentStatus {
  const mapped = statusMap && typeof statusMap === 'object' ? (statusMap as Record<string, unknown>)[phase] : undefined
  if (mapped !== undefined) {
    if (typeof mapped === 'string' && (INCIDENT_STATUSES as readonly string[]).includes(mapped)) return mapped as IncidentStatus
    throw new DeliveryError(`status_map maps phase "${phase}" to ${JSON.stringify(mapped)}, which is not a Statuspage status (${INCIDENT_STATUSES.join(', ')})`, {retry: 'never'})
  }
  return DEFAULT_STATUS[phase] ?? 'investigating'
}

/** Statuspage's error text: `{"error": "…"}` or `{"error": ["…", …]}`, or `{"message": "…"}`. */
function errorText(res: HttpResponse): string {
  const body = res.json as {error?: unknown; message?: unknown} | undefined
  const error = Array.isArray(body?.error) ? body.error.filter((e) => typeof e === 'string').join('; ') : body?.error
  if (typeof error === 'string' && error) return error
  if (typeof body?.message === 'string') return body.message
  return res.text.replace(/\s+/g, ' ').trim().slice(0, 200)
}

interface IncidentAnswer {
  id?: unknown
  name?: unknown
  shortlink?: unknown
  incident_updates?: unknown
}

interface IncidentUpdate {
  id?: unknown
  status?: unknown
  body?: unknown
}

/** How many of the page's latest incidents a lookup reads (the API's maximum page). */
const LOOKUP_LIMIT = 100

/** An incident's updates, newest first as the API lists them. */
function updatesOf(incident: IncidentAnswer): IncidentUpdate[] {
  return Array.isArray(incident.incident_updates) ? (incident.incident_updates as IncidentUpdate[]).filter((u) => u && typeof u === 'object') : []
}

/** Body text as compared after an interrupted send: whitespace collapsed. */
const comparable = (text: string) => text.replace(/\s+/g, ' ').trim()

export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  const options = channel.options
  // The paths below carry /v1; accept a base given with it as well.
  checkAdapterEndpoint({channel, credentials, env})
  const base = (endpointSetting({channel, credentials, env}, 'api_url') ?? DEFAULT_API).replace(/\/+$/, '').replace(/\/v1$/, '')
  const pageId = typeof options.page_id === 'string' ? options.page_id : String(options.page_id ?? '')
  const componentIds = Array.isArray(options.component_ids) ? options.component_ids.map(String) : []
  const pagePath = `/v1/pages/${encodeURIComponent(pageId)}`
  const keyVar = `${envPrefix(channel.name)}API_KEY`

  function classify(res: HttpResponse, what: 'page' | 'incident', incidentId?: string): DeliveryError {
    const detail = errorText(res)
    if (res.status === 401) return new DeliveryError(`Statuspage rejected the API key (401${detail ? ` ${detail}` : ''}); check ${keyVar}`, {retry: 'never'})
    if (res.status === 404) {
      const subject = what === 'incident' && incidentId ? `incident ${incidentId} on page ${pageId}` : `page ${pageId}`
      return new DeliveryError(`Statuspage answered 404: ${subject} not found (or the API key cannot see it)`, {retry: 'never'})
    }
    // 420 is Statuspage's own "enhance your calm"; the window is a rolling 60 s, so without a
    // header the safe wait is a full window.
    return errorFromResponse(PLATFORM, res, detail, {extraRateLimit: [420]})
  }

  async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, signal: AbortSignal, json?: unknown): Promise<HttpResponse> {
    return httpRequest(PLATFORM, {method, url: joinUrl(base, path), headers: {authorization: `OAuth ${credentials.API_KEY ?? ''}`}, json, timeoutMs, signal})
  }

  /** The incident as a post: its id and shortlink, with the update that is this part. */
  function remoteOf(incident: IncidentAnswer, update: IncidentUpdate, created: boolean): RemotePost {
    const ref: Record<string, string> = {...(typeof update.id === 'string' && {incident_update_id: update.id}), ...(created && {created: 'true'})}
    return {id: String(incident.id), ...(typeof incident.shortlink === 'string' && {url: incident.shortlink}), ...(Object.keys(ref).length > 0 && {ref})}
  }

  return {
    // Retracting the first update deletes the Statuspage incident: the next one opens a new incident.
    retractedRootEndsThread: true,

    describeTarget: () =>
      `Statuspage page ${pageId}${componentIds.length > 0 ? ` (components ${componentIds.join(', ')})` : ''}${base !== DEFAULT_API ? ` via ${base}` : ''}`,

    async post({text, post, replyTo, threadRoot, incident, signal}): Promise<RemotePost> {
      const status = statusForPhase(incident.phase, options.status_map)
      // Components are down until the incident resolves.
      const componentStatus = status === 'resolved' ? 'operational' : typeof options.component_status === 'string' ? options.component_status : 'major_outage'
      const components = componentIds.length > 0 ? {component_ids: componentIds, components: Object.fromEntries(componentIds.map((id) => [id, componentStatus]))} : {}
      // Every post of a Candor incident is the same Statuspage incident: the first creates it,
      // later ones (threadRoot/replyTo carry its id) add incident updates to it.
      const existing = threadRoot?.id ?? replyTo?.id
      const res = existing
        ? await call('PATCH', `${pagePath}/incidents/${encodeURIComponent(existing)}`, signal, {incident: {status, body: text, ...components, deliver_notifications: true}})
        : await call('POST', `${pagePath}/incidents`, signal, {
            incident: {name: post.title || `Incident ${incident.id}`, status, body: text, ...components, deliver_notifications: true},
          })
      if (res.status < 200 || res.status >= 300) throw classify(res, existing ? 'incident' : 'page', existing)
      const answer = (res.json ?? {}) as IncidentAnswer
      const id = typeof answer.id === 'string' ? answer.id : existing
      if (!id) throw new DeliveryError(`Statuspage answered ${res.status} without an incident id`, {retry: 'never'})
      // incident_updates come newest first: the first is the one this call added.
      const updateId = Array.isArray(answer.incident_updates) ? (answer.incident_updates[0] as {id?: unknown} | undefined)?.id : undefined
      const ref: Record<string, string> = {...(typeof updateId === 'string' && {incident_update_id: updateId}), ...(!existing && {created: 'true'})}
      return {id, ...(typeof answer.shortlink === 'string' && {url: answer.shortlink}), ...(Object.keys(ref).length > 0 && {ref})}
    },

    async findPublished({text, post, part, replyTo, threadRoot, incident, signal}): Promise<RemotePost | null> {
      const status = statusForPhase(incident.phase, options.status_map)
      const wanted = comparable(text)
      const same = (u: IncidentUpdate) => typeof u.body === 'string' && comparable(u.body) === wanted && u.status === status
      const existing = threadRoot?.id ?? replyTo?.id
      if (existing) {
        // A later update PATCHed the incident: look for an incident update with this text and status.
        const res = await call('GET', `${pagePath}/incidents/${encodeURIComponent(existing)}`, signal)
        // An incident deleted on Statuspage cannot have taken the update.
        if (res.status === 404) return null
        if (res.status < 200 || res.status >= 300) throw classify(res, 'incident', existing)
        const answer = (res.json ?? {}) as IncidentAnswer
        // Only updates newer than the previous post's count: the same words may be there already.
        const updates = updatesOf(answer)
        const previous = updates.findIndex((u) => typeof u.id === 'string' && u.id === replyTo?.ref?.incident_update_id)
        const update = (previous >= 0 ? updates.slice(0, previous) : updates).find(same)
        return update ? remoteOf({...answer, id: existing}, update, false) : null
      }
      // The first update created an incident: named as post() names it, its first update this text.
      const res = await call('GET', `${pagePath}/incidents?limit=${LOOKUP_LIMIT}`, signal)
      if (res.status < 200 || res.status >= 300) throw classify(res, 'page')
      if (!Array.isArray(res.json)) throw new DeliveryError(`Statuspage answered ${res.status} without a list of incidents`, {retry: 'never'})
      const incidents = (res.json as IncidentAnswer[]).filter((i) => i && typeof i.id === 'string')
      const name = post.title || `Incident ${incident.id}`
      const created = incidents.find((i) => i.name === name && updatesOf(i).length > 0 && same(updatesOf(i).at(-1)!))
      if (created) return remoteOf(created, updatesOf(created).at(-1)!, true)
      // Without the incident's id a later update may have gone to any incident: where the
      // text is on the page, only a person can tell which.
      if ((incident.update > 1 || part > 1) && incidents.some((i) => updatesOf(i).some(same))) {
        throw new DeliveryError(`cannot tell which Statuspage incident the interrupted update went to without the incident's id`, {retry: 'never'})
      }
      return null
    },

    async delete(remote, signal) {
      // Every update shares the incident id, and Statuspage cannot delete a single incident
      // update: only the post that created the incident may delete it (with all its updates).
      if (remote.ref && remote.ref.created !== 'true') {
        throw new DeliveryError(`Statuspage cannot delete a single incident update; retract the incident's first update to delete incident ${remote.id}, or edit this update on Statuspage`, {retry: 'never'})
      }
      const res = await call('DELETE', `${pagePath}/incidents/${encodeURIComponent(remote.id)}`, signal)
      if (res.status < 200 || res.status >= 300) throw classify(res, 'incident', remote.id)
    },

    async whoami(signal) {
      const res = await call('GET', pagePath, signal)
      if (res.status < 200 || res.status >= 300) throw classify(res, 'page')
      const name = (res.json as {name?: unknown} | undefined)?.name
      return typeof name === 'string' && name ? name : `page ${pageId}`
    },
  }
}

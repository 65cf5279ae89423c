import type {RemotePost} from '../../services/incident/events.js'
import {DeliveryError, type AdapterFactory, type ChannelAdapter} from '../../services/publish/adapter.js'
import {envPrefix} from '../env-prefix.js'
import {errorFromResponse, httpRequest, joinUrl, type HttpResponse} from '../../infrastructure/http.js'
import {isFinalStatus, statusForPhase as mapPhase, WINDOW_FACTS, type StatuspageStatus} from './status.js'
import {isIsoTime, type PlaybookKind} from '../../domain/playbook/model.js'
import {checkAdapterEndpoint, endpointSetting} from '../../services/publish/endpoint-trust.js'
import {optionsOf} from '../kind.js'
import type {statuspageKind} from './kind.js'

const PLATFORM = 'Statuspage'
const DEFAULT_API = 'https://api.statuspage.io'

/**
 * The Statuspage status for a Candor phase (see src/channels/statuspage/status.ts): the
 * channel's `status_map`, else the phase's own name, else investigating for an incident. A
 * status that does not fit the playbook's kind fails before anything is sent.
 */
export function statusForPhase(phase: string, statusMap: unknown, kind: PlaybookKind = 'incident'): StatuspageStatus {
  const mapped = mapPhase(kind, phase, statusMap)
  if ('problem' in mapped) throw new DeliveryError(mapped.problem, {retry: 'never'})
  return mapped.status
}

/** The maintenance window from the incident's facts, as Statuspage takes it. */
function windowOf(facts: Record<string, unknown>): {scheduled_for: string; scheduled_until: string} {
  const from = facts[WINDOW_FACTS.from]
  const until = facts[WINDOW_FACTS.until]
  for (const [name, value] of [
    [WINDOW_FACTS.from, from],
    [WINDOW_FACTS.until, until],
  ] as const) {
    if (typeof value !== 'string' || !isIsoTime(value)) {
      throw new DeliveryError(
        `planned maintenance on Statuspage needs the fact "${name}" as a time like 2026-12-05T02:00:00Z; found ${JSON.stringify(value ?? null)}`,
        {retry: 'never'},
      )
    }
  }
  if (Date.parse(until as string) <= Date.parse(from as string)) {
    throw new DeliveryError(
      `the maintenance window ends (${String(until)}) before it starts (${String(from)}): fix the facts ${WINDOW_FACTS.from} and ${WINDOW_FACTS.until}`,
      {retry: 'never'},
    )
  }
  return {
    scheduled_for: new Date(from as string).toISOString(),
    scheduled_until: new Date(until as string).toISOString(),
  }
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
  status?: unknown
  shortlink?: unknown
  incident_updates?: unknown
  postmortem_body?: unknown
  postmortem_published_at?: unknown
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
  return Array.isArray(incident.incident_updates)
    ? (incident.incident_updates as IncidentUpdate[]).filter((u) => u && typeof u === 'object')
    : []
}

/** Body text as compared after an interrupted send: whitespace collapsed. */
const comparable = (text: string) => text.replace(/\s+/g, ' ').trim()

export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs, env}): ChannelAdapter => {
  const options = optionsOf(channel.kind as typeof statuspageKind, channel.options)
  // The paths below carry /v1; accept a base given with it as well.
  checkAdapterEndpoint({channel, credentials, env})
  const base = (endpointSetting({channel, credentials, env}, 'api_url') ?? DEFAULT_API)
    .replace(/\/+$/, '')
    .replace(/\/v1$/, '')
  const pageId = options.page_id
  const componentIds = options.component_ids ?? []
  const pagePath = `/v1/pages/${encodeURIComponent(pageId)}`
  const keyVar = `${envPrefix(channel.name)}API_KEY`
  const kind: PlaybookKind = channel.playbookKind ?? 'incident'
  const incidentPath = (id: string) => `${pagePath}/incidents/${encodeURIComponent(id)}`
  // A postmortem phase goes to Statuspage's postmortem, unless status_map says otherwise.
  const isPostmortem = (phase: string) => phase === 'postmortem' && !(options.status_map && phase in options.status_map)

  /**
   * The components' status at `status`: an incident's are down (component_status, default
   * major_outage) until resolved; a maintenance's are untouched while scheduled, under
   * maintenance while in progress or verifying, operational when completed.
   */
  function componentsAt(status: StatuspageStatus): Record<string, unknown> {
    if (componentIds.length === 0) return {}
    let state: string | undefined
    if (isFinalStatus(status)) state = 'operational'
    else if (kind === 'maintenance') state = status === 'scheduled' ? undefined : 'under_maintenance'
    else state = options.component_status ?? 'major_outage'
    return {
      component_ids: componentIds,
      ...(state && {components: Object.fromEntries(componentIds.map((id) => [id, state]))}),
    }
  }

  async function getIncident(id: string, signal: AbortSignal): Promise<IncidentAnswer> {
    const res = await call('GET', incidentPath(id), signal)
    if (res.status < 200 || res.status >= 300) throw classify(res, 'incident', id)
    return (res.json ?? {}) as IncidentAnswer
  }

  /** Writes the postmortem of a resolved incident and publishes it (notifying subscribers once). */
  async function publishPostmortem(
    id: string,
    incident: IncidentAnswer,
    text: string,
    signal: AbortSignal,
  ): Promise<RemotePost> {
    const draft = await call('PUT', `${incidentPath(id)}/postmortem`, signal, {postmortem: {body_draft: text}})
    if (draft.status < 200 || draft.status >= 300) throw classify(draft, 'incident', id)
    const published = await call('PUT', `${incidentPath(id)}/postmortem/publish`, signal, {
      postmortem: {notify_subscribers: true, notify_twitter: false},
    })
    if (published.status < 200 || published.status >= 300) throw classify(published, 'incident', id)
    return {id, ...(typeof incident.shortlink === 'string' && {url: incident.shortlink}), ref: {postmortem: 'true'}}
  }

  function classify(res: HttpResponse, what: 'page' | 'incident', incidentId?: string): DeliveryError {
    const detail = errorText(res)
    if (res.status === 401)
      return new DeliveryError(`Statuspage rejected the API key (401${detail ? ` ${detail}` : ''}); check ${keyVar}`, {
        retry: 'never',
      })
    if (res.status === 404) {
      const subject = what === 'incident' && incidentId ? `incident ${incidentId} on page ${pageId}` : `page ${pageId}`
      return new DeliveryError(`Statuspage answered 404: ${subject} not found (or the API key cannot see it)`, {
        retry: 'never',
      })
    }
    // 420 is Statuspage's own "enhance your calm"; the window is a rolling 60 s, so without a
    // header the safe wait is a full window.
    return errorFromResponse(PLATFORM, res, detail, {extraRateLimit: [420]})
  }

  async function call(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    signal: AbortSignal,
    json?: unknown,
  ): Promise<HttpResponse> {
    return httpRequest(PLATFORM, {
      method,
      url: joinUrl(base, path),
      headers: {authorization: `OAuth ${credentials.API_KEY ?? ''}`},
      json,
      timeoutMs,
      signal,
    })
  }

  /** The incident as a post: its id and shortlink, with the update that is this part. */
  function remoteOf(incident: IncidentAnswer, update: IncidentUpdate, created: boolean): RemotePost {
    const ref: Record<string, string> = {
      ...(typeof update.id === 'string' && {incident_update_id: update.id}),
      ...(created && {created: 'true'}),
    }
    return {
      id: String(incident.id),
      ...(typeof incident.shortlink === 'string' && {url: incident.shortlink}),
      ...(Object.keys(ref).length > 0 && {ref}),
    }
  }

  return {
    // Retracting the first update deletes the Statuspage incident: the next one opens a new incident.
    retractedRootEndsThread: true,

    describeTarget: () =>
      `Statuspage page ${pageId}${componentIds.length > 0 ? ` (components ${componentIds.join(', ')})` : ''}${base !== DEFAULT_API ? ` via ${base}` : ''}`,

    async post({text, post, replyTo, threadRoot, incident, signal}): Promise<RemotePost> {
      const status = statusForPhase(incident.phase, options.status_map, kind)
      // Every post of a Candor incident is the same Statuspage incident: the first creates it,
      // later ones (threadRoot/replyTo carry its id) add incident updates to it.
      const existing = threadRoot?.id ?? replyTo?.id
      if (existing && isPostmortem(incident.phase)) {
        // A resolved incident gets its postmortem, not another "resolved" update.
        const current = await getIncident(existing, signal)
        if (typeof current.status === 'string' && isFinalStatus(current.status))
          return publishPostmortem(existing, current, text, signal)
      }
      // A maintenance is a scheduled incident: its window goes with every update (rescheduling moves it).
      const window = kind === 'maintenance' ? windowOf(incident.facts) : {}
      const fields = {status, body: text, ...window, ...componentsAt(status), deliver_notifications: true}
      const res = existing
        ? await call('PATCH', incidentPath(existing), signal, {incident: fields})
        : await call('POST', `${pagePath}/incidents`, signal, {
            // Candor moves a maintenance along by its phases: Statuspage is not to do it on its own.
            incident: {
              name: post.title || `Incident ${incident.id}`,
              ...fields,
              ...(kind === 'maintenance' && {scheduled_auto_in_progress: false, scheduled_auto_completed: false}),
            },
          })
      if (res.status < 200 || res.status >= 300) throw classify(res, existing ? 'incident' : 'page', existing)
      const answer = (res.json ?? {}) as IncidentAnswer
      const id = typeof answer.id === 'string' ? answer.id : existing
      if (!id) throw new DeliveryError(`Statuspage answered ${res.status} without an incident id`, {retry: 'never'})
      // incident_updates come newest first: the first is the one this call added.
      const updateId = Array.isArray(answer.incident_updates)
        ? (answer.incident_updates[0] as {id?: unknown} | undefined)?.id
        : undefined
      const ref: Record<string, string> = {
        ...(typeof updateId === 'string' && {incident_update_id: updateId}),
        ...(!existing && {created: 'true'}),
      }
      return {
        id,
        ...(typeof answer.shortlink === 'string' && {url: answer.shortlink}),
        ...(Object.keys(ref).length > 0 && {ref}),
      }
    },

    async findPublished({text, post, part, replyTo, threadRoot, incident, signal}): Promise<RemotePost | null> {
      const status = statusForPhase(incident.phase, options.status_map, kind)
      const wanted = comparable(text)
      const same = (u: IncidentUpdate) =>
        typeof u.body === 'string' && comparable(u.body) === wanted && u.status === status
      const existing = threadRoot?.id ?? replyTo?.id
      if (existing) {
        // A later update PATCHed the incident: look for an incident update with this text and status.
        const res = await call('GET', incidentPath(existing), signal)
        // An incident deleted on Statuspage cannot have taken the update.
        if (res.status === 404) return null
        if (res.status < 200 || res.status >= 300) throw classify(res, 'incident', existing)
        const answer = (res.json ?? {}) as IncidentAnswer
        if (
          isPostmortem(incident.phase) &&
          answer.postmortem_published_at &&
          typeof answer.postmortem_body === 'string' &&
          comparable(answer.postmortem_body) === wanted
        ) {
          return {
            id: existing,
            ...(typeof answer.shortlink === 'string' && {url: answer.shortlink}),
            ref: {postmortem: 'true'},
          }
        }
        // Only updates newer than the previous post's count: the same words may be there already.
        const updates = updatesOf(answer)
        const previous = updates.findIndex((u) => typeof u.id === 'string' && u.id === replyTo?.ref?.incident_update_id)
        const update = (previous >= 0 ? updates.slice(0, previous) : updates).find(same)
        return update ? remoteOf({...answer, id: existing}, update, false) : null
      }
      // The first update created an incident: named as post() names it, its first update this text.
      const res = await call('GET', `${pagePath}/incidents?limit=${LOOKUP_LIMIT}`, signal)
      if (res.status < 200 || res.status >= 300) throw classify(res, 'page')
      if (!Array.isArray(res.json))
        throw new DeliveryError(`Statuspage answered ${res.status} without a list of incidents`, {retry: 'never'})
      const incidents = (res.json as IncidentAnswer[]).filter((i) => i && typeof i.id === 'string')
      const name = post.title || `Incident ${incident.id}`
      const created = incidents.find((i) => i.name === name && updatesOf(i).length > 0 && same(updatesOf(i).at(-1)!))
      if (created) return remoteOf(created, updatesOf(created).at(-1)!, true)
      // Without the incident's id a later update may have gone to any incident: where the
      // text is on the page, only a person can tell which.
      if ((incident.update > 1 || part > 1) && incidents.some((i) => updatesOf(i).some(same))) {
        throw new DeliveryError(
          `cannot tell which Statuspage incident the interrupted update went to without the incident's id`,
          {retry: 'never'},
        )
      }
      return null
    },

    async delete(remote, signal) {
      if (remote.ref?.postmortem === 'true') {
        // Unpublish the postmortem, then delete its draft; the incident stays.
        for (const [method, path] of [
          ['PUT', `${incidentPath(remote.id)}/postmortem/revert`],
          ['DELETE', `${incidentPath(remote.id)}/postmortem`],
        ] as const) {
          const res = await call(method, path, signal)
          if (res.status < 200 || res.status >= 300) throw classify(res, 'incident', remote.id)
        }
        return
      }
      // Every update shares the incident id, and Statuspage cannot delete a single incident
      // update: only the post that created the incident may delete it (with all its updates).
      if (remote.ref && remote.ref.created !== 'true') {
        throw new DeliveryError(
          `Statuspage cannot delete a single incident update; retract the incident's first update to delete incident ${remote.id}, or edit this update on Statuspage`,
          {retry: 'never'},
        )
      }
      const res = await call('DELETE', incidentPath(remote.id), signal)
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

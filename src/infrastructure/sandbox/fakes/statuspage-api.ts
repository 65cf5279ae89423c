/**
 * A fake Atlassian Statuspage REST API (v1) on loopback, for tests of the statuspage channel.
 *
 * It speaks the wire protocol documented in docs/platform-fakes.md: `Authorization: OAuth <key>`
 * on every request, JSON bodies wrapped in `{"incident": {...}}`, incidents answered with
 * `id`, `status`, `shortlink`, `components` and `incident_updates[]` (newest first, as the
 * API lists them), and Rails-style errors `{"error": "..."}` / `{"error": ["...", ...]}`.
 * It keeps each incident with its updates and each component's status, so tests can follow
 * one incident from investigating to resolved. `GET /v1/pages/{page}/incidents` lists live
 * incidents newest first with `limit` (default and at most 100), `page` and `q` (a substring
 * of the name or an update's body). Faults (420/429 rate limits, 5xx, 401, hang, reset,
 * lose-answer) can be queued per request.
 *
 * Scheduled incidents (planned maintenance) follow the API reference's incident object
 * (https://developer.statuspage.io/#operation/postPagesPageIdIncidents): statuses
 * `scheduled`, `in_progress`, `verifying`, `completed`, created with `scheduled_for` and
 * `scheduled_until` (ISO 8601, the end after the start; 422 otherwise). An incident keeps its
 * family: a realtime incident refuses maintenance statuses and a scheduled one refuses
 * realtime ones (422). Postmortems follow the Postmortem endpoints
 * (https://developer.statuspage.io/#tag/postmortem): `PUT .../postmortem` `{postmortem:
 * {body_draft}}` writes the draft, `PUT .../postmortem/publish` `{postmortem:
 * {notify_subscribers, notify_twitter, custom_tweet}}` publishes it, `PUT .../postmortem/revert`
 * unpublishes it and `DELETE .../postmortem` removes it; each answers the Postmortem object.
 * As in Statuspage, where a postmortem is written once an incident is over, the fake refuses
 * one on an incident that is not resolved or completed (422), and publishing without a draft.
 *
 * Order for each request: read and record it, then a queued fault (if one matches) wins,
 * then authentication, then routing.
 */
import {randomBytes} from 'node:crypto'
import http from 'node:http'
import {
  answerFault,
  type AnswerFault,
  FakeHttpServer,
  type FakePlatform,
  faultAction,
  FaultQueue,
  matchesRoute,
  parseJson,
  readRequest,
  type RecordedRequest,
  type RouteMatch,
  type FakeMount,
} from './fake-server.js'

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const
export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const

export interface FakeComponent {
  id: string
  name: string
  status: string
}

export interface FakeIncidentUpdate {
  id: string
  incident_id: string
  status: string
  body: string
  created_at: string
  updated_at: string
  display_at: string
  deliver_notifications: boolean
  affected_components: Array<{code: string; name: string; old_status: string; new_status: string}>
}

export interface FakeIncident {
  id: string
  page_id: string
  name: string
  status: string
  impact: string
  shortlink: string
  created_at: string
  updated_at: string
  started_at: string
  monitoring_at: string | null
  resolved_at: string | null
  /** Newest first, as the API lists them. */
  incident_updates: FakeIncidentUpdate[]
  /** Ids of the components the incident affects. */
  component_ids: string[]
  /** A scheduled incident's window (ISO 8601); null for a realtime incident. */
  scheduled_for: string | null
  scheduled_until: string | null
  /** The incident's postmortem, once a draft was written. */
  postmortem?: FakePostmortem
  /** Set by DELETE; the incident stays here for assertions but the API no longer finds it. */
  deleted: boolean
}

export interface FakePostmortem {
  body_draft: string
  body: string | null
  published_at: string | null
  notify_subscribers: boolean
  notify_twitter: boolean
}

export type FakeStatuspageFault =
  | {status: 420 | 429; retryAfter?: number}
  | {status: 500 | 502 | 503}
  | {status: 401}
  /** A redirect to `location`, as a proxy in front of the API might answer. */
  | {status: 301 | 302 | 307 | 308; location: string}
  | {kind: 'hang'}
  | {kind: 'reset'}
  /** Carries the request out, then resets the connection instead of answering: the client never learns it worked. */
  | {kind: 'lose-answer'}

export type FakeStatuspageRequest = RecordedRequest

/** `url` has no `/v1`. */
export interface FakeStatuspage extends FakePlatform<FakeStatuspageFault, FakeStatuspageRequest> {
  pageId: string
  /** Every incident created, in order (deleted ones stay, with `deleted: true`). */
  incidents: FakeIncident[]
  /** The page's components by id, with their current status. */
  components: Map<string, FakeComponent>
  /** Queue a fault for the next `times` matching requests (default 1); `match.path` may use `:name` segments. */
  fail(fault: FakeStatuspageFault, times?: number, match?: RouteMatch): void
}

export interface StartFakeStatuspageOptions {
  /** Mounted on another server (`candor sandbox`) instead of listening on its own port. */
  mount?: FakeMount
  apiKey: string
  pageId?: string
  pageName?: string
  components?: Array<{id: string; name: string}>
  /**
   * The page and its components are whichever the client names first (`candor sandbox`, which
   * cannot know the playbook's page): the first page id requested becomes the page's, and an
   * unknown component id becomes a component. Everything else stays as strict as Statuspage.
   */
  adopt?: boolean
}

/** Statuspage ids are 12 lower-case alphanumerics. */
function newId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('')
}

interface IncidentInput {
  name?: string
  status?: string
  body?: string
  componentIds: string[]
  componentStatus: Map<string, string>
  notify: boolean
  scheduledFor?: string
  scheduledUntil?: string
}

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export async function startFakeStatuspage(opts: StartFakeStatuspageOptions): Promise<FakeStatuspage> {
  let pageId = opts.pageId ?? 'kctbh9vrtdwd'
  let pageAdopted = false
  const pageName = opts.pageName ?? 'Acme Status'
  const components = new Map<string, FakeComponent>(
    (opts.components ?? []).map((c) => [c.id, {...c, status: 'operational'}]),
  )
  const incidents: FakeIncident[] = []
  const requests: FakeStatuspageRequest[] = []
  const faults = new FaultQueue<FakeStatuspageFault, RouteMatch>()

  function send(res: http.ServerResponse, reply: Reply): void {
    if (!server.answerable(res)) return
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body)
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': randomBytes(8).toString('hex'),
      ...reply.headers,
    })
    res.end(payload)
  }

  function faultReply(fault: AnswerFault<FakeStatuspageFault>): Reply {
    if (fault.status === 420 || fault.status === 429) {
      return {
        status: fault.status,
        body: {error: 'Rate limit exceeded'},
        ...('retryAfter' in fault &&
          fault.retryAfter !== undefined && {headers: {'retry-after': String(fault.retryAfter)}}),
      }
    }
    if (fault.status === 401) return {status: 401, body: {error: 'Could not authenticate'}}
    if ('location' in fault) return {status: fault.status, headers: {location: fault.location}}
    return {status: fault.status, body: {error: http.STATUS_CODES[fault.status] ?? 'Server error'}}
  }

  function authorized(req: http.IncomingMessage, query: URLSearchParams): boolean {
    const header = req.headers.authorization
    const m = typeof header === 'string' ? /^OAuth\s+(.+)$/.exec(header.trim()) : null
    // The API also takes the key as ?api_key=.
    return (m?.[1] ?? query.get('api_key')) === opts.apiKey
  }

  function view(incident: FakeIncident) {
    const {deleted: _deleted, component_ids, postmortem, ...rest} = incident
    return {
      ...rest,
      page_id: pageId,
      impact_override: null,
      postmortem_body: postmortem?.body ?? null,
      postmortem_published_at: postmortem?.published_at ?? null,
      postmortem_notified_subscribers: postmortem?.published_at ? postmortem.notify_subscribers : false,
      metadata: {},
      components: component_ids.map((id) => ({...components.get(id)!, page_id: pageId})),
    }
  }

  const now = () => new Date().toISOString()

  /** Validates `{"incident": {...}}`. */
  function readIncident(body: unknown, existing?: FakeIncident): {error: Reply} | {input: IncidentInput} {
    const creating = existing === undefined
    const incident = (body as {incident?: unknown} | undefined)?.incident
    if (typeof incident !== 'object' || incident === null)
      return {error: {status: 400, body: {error: 'param is missing or the value is empty: incident'}}}
    const i = incident as Record<string, unknown>
    const errors: string[] = []
    if (creating && (typeof i.name !== 'string' || !i.name.trim())) errors.push("Name can't be blank")
    const realtime = (INCIDENT_STATUSES as readonly string[]).includes(String(i.status))
    const scheduled = (MAINTENANCE_STATUSES as readonly string[]).includes(String(i.status))
    if (i.status !== undefined && !realtime && !scheduled)
      errors.push(`Status ${String(i.status)} is not a valid incident status`)
    else if (existing && i.status !== undefined && (existing.scheduled_for !== null ? !scheduled : !realtime)) {
      errors.push(
        `Status ${String(i.status)} is not valid for a ${existing.scheduled_for !== null ? 'scheduled' : 'realtime'} incident`,
      )
    }
    // A scheduled incident needs its window: given when created, and any change keeps it valid.
    const window: {scheduledFor?: string; scheduledUntil?: string} = {}
    if (
      (creating && scheduled) ||
      (existing?.scheduled_for != null && (i.scheduled_for !== undefined || i.scheduled_until !== undefined))
    ) {
      const from = i.scheduled_for ?? existing?.scheduled_for
      const until = i.scheduled_until ?? existing?.scheduled_until
      const time = (v: unknown) =>
        typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))
          ? Date.parse(v)
          : undefined
      if (time(from) === undefined) errors.push("Scheduled for can't be blank and must be a time")
      if (time(until) === undefined) errors.push("Scheduled until can't be blank and must be a time")
      else if (time(from) !== undefined && time(until)! <= time(from)!)
        errors.push('Scheduled until must be after scheduled for')
      if (time(from) !== undefined && time(until) !== undefined)
        Object.assign(window, {
          scheduledFor: new Date(time(from)!).toISOString(),
          scheduledUntil: new Date(time(until)!).toISOString(),
        })
    }
    const componentIds = Array.isArray(i.component_ids) ? i.component_ids.map(String) : []
    const componentStatus = new Map<string, string>()
    if (i.components !== undefined) {
      if (typeof i.components !== 'object' || i.components === null)
        errors.push('Components must be a map of component id to status')
      else for (const [id, status] of Object.entries(i.components)) componentStatus.set(id, String(status))
    }
    for (const id of new Set([...componentIds, ...componentStatus.keys()])) {
      if (opts.adopt && !components.has(id) && /^[\w-]{1,64}$/.test(id))
        components.set(id, {id, name: id, status: 'operational'})
      if (!components.has(id)) errors.push(`Component ${id} could not be found`)
    }
    for (const status of componentStatus.values())
      if (!(COMPONENT_STATUSES as readonly string[]).includes(status))
        errors.push(`Component status ${status} is not valid`)
    if (errors.length > 0) return {error: {status: 422, body: {error: errors}}}
    return {
      input: {
        name: typeof i.name === 'string' ? i.name : undefined,
        status: typeof i.status === 'string' ? i.status : undefined,
        body: typeof i.body === 'string' ? i.body : undefined,
        componentIds,
        componentStatus,
        notify: i.deliver_notifications !== false,
        ...window,
      },
    }
  }

  /** Applies a status change, component changes and (when there is a body or a new status) a new incident update. */
  function apply(incident: FakeIncident, input: IncidentInput): void {
    const at = now()
    const previous = incident.status
    if (input.status) incident.status = input.status
    if (input.name) incident.name = input.name
    if (incident.status === 'monitoring' && previous !== 'monitoring') incident.monitoring_at = at
    if ((incident.status === 'resolved' || incident.status === 'completed') && previous !== incident.status)
      incident.resolved_at = at
    if (input.scheduledFor) incident.scheduled_for = input.scheduledFor
    if (input.scheduledUntil) incident.scheduled_until = input.scheduledUntil
    const affected: FakeIncidentUpdate['affected_components'] = []
    for (const [id, status] of input.componentStatus) {
      const c = components.get(id)!
      if (c.status !== status) affected.push({code: id, name: c.name, old_status: c.status, new_status: status})
      c.status = status
    }
    for (const id of [...input.componentIds, ...input.componentStatus.keys()])
      if (!incident.component_ids.includes(id)) incident.component_ids.push(id)
    if (input.body !== undefined || incident.status !== previous) {
      incident.incident_updates.unshift({
        id: newId(),
        incident_id: incident.id,
        status: incident.status,
        body: input.body ?? '',
        created_at: at,
        updated_at: at,
        display_at: at,
        deliver_notifications: input.notify,
        affected_components: affected,
      })
    }
    incident.updated_at = at
  }

  function list(query: URLSearchParams): Reply {
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 100) || 100))
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1)
    const q = query.get('q')?.toLowerCase()
    const found = incidents
      .filter((i) => !i.deleted)
      .filter(
        (i) =>
          !q || i.name.toLowerCase().includes(q) || i.incident_updates.some((u) => u.body.toLowerCase().includes(q)),
      )
      .reverse()
    return {status: 200, body: found.slice((page - 1) * limit, page * limit).map(view)}
  }

  function route(method: string, path: string, query: URLSearchParams, body: unknown): Reply {
    const page = /^\/v1\/pages\/([^/]+)(\/.*)?$/.exec(path)
    if (!page) return {status: 404, body: {error: 'Not found'}}
    if (opts.adopt && !pageAdopted && /^[\w-]{1,64}$/.test(decodeURIComponent(page[1]!))) {
      pageId = decodeURIComponent(page[1]!)
      pageAdopted = true
    }
    if (decodeURIComponent(page[1]!) !== pageId) return {status: 404, body: {error: 'Page not found'}}
    const rest = page[2] ?? ''
    if (rest === '' && method === 'GET') {
      return {
        status: 200,
        body: {
          id: pageId,
          name: pageName,
          subdomain: 'acme',
          url: 'https://status.acme.test',
          time_zone: 'Etc/UTC',
          created_at: now(),
          updated_at: now(),
        },
      }
    }
    if (rest === '/incidents' && method === 'GET') return list(query)
    if (rest === '/incidents' && method === 'POST') {
      const read = readIncident(body)
      if ('error' in read) return read.error
      const at = now()
      const scheduled = (MAINTENANCE_STATUSES as readonly string[]).includes(read.input.status ?? '')
      const incident: FakeIncident = {
        id: newId(),
        page_id: pageId,
        name: read.input.name!,
        // No status yet: apply() moves it to the requested one and records the first update.
        status: '',
        impact: scheduled ? 'maintenance' : 'major',
        shortlink: `https://stspg.io/${newId().slice(0, 5)}`,
        created_at: at,
        updated_at: at,
        started_at: at,
        monitoring_at: null,
        resolved_at: null,
        incident_updates: [],
        component_ids: [],
        scheduled_for: scheduled ? read.input.scheduledFor! : null,
        scheduled_until: scheduled ? read.input.scheduledUntil! : null,
        deleted: false,
      }
      apply(incident, {...read.input, status: read.input.status ?? 'investigating'})
      incidents.push(incident)
      return {status: 201, body: view(incident)}
    }
    const one = /^\/incidents\/([^/]+)$/.exec(rest)
    if (one) {
      const incident = incidents.find((i) => i.id === decodeURIComponent(one[1]!) && !i.deleted)
      if (!incident) return {status: 404, body: {error: 'Incident not found'}}
      if (method === 'GET') return {status: 200, body: view(incident)}
      if (method === 'PATCH' || method === 'PUT') {
        const read = readIncident(body, incident)
        if ('error' in read) return read.error
        apply(incident, read.input)
        return {status: 200, body: view(incident)}
      }
      if (method === 'DELETE') {
        incident.deleted = true
        return {status: 200, body: view(incident)}
      }
    }
    const pm = /^\/incidents\/([^/]+)\/postmortem(\/publish|\/revert)?$/.exec(rest)
    if (pm) {
      const incident = incidents.find((i) => i.id === decodeURIComponent(pm[1]!) && !i.deleted)
      if (!incident) return {status: 404, body: {error: 'Incident not found'}}
      return postmortemRoute(incident, method, pm[2] ?? '', body)
    }
    return {status: 405, body: {error: `${method} not allowed here`}}
  }

  function postmortemView(p: FakePostmortem) {
    return {
      preview_key: 'pmpreview0001',
      ...p,
      custom_tweet: null,
      body_updated_at: p.published_at,
      body_draft_updated_at: now(),
      created_at: now(),
      updated_at: now(),
    }
  }

  /** The postmortem endpoints: write the draft, publish, revert to draft, delete. */
  function postmortemRoute(incident: FakeIncident, method: string, action: string, body: unknown): Reply {
    const fields = (body as {postmortem?: Record<string, unknown>} | undefined)?.postmortem
    if (action === '' && method === 'PUT') {
      if (incident.status !== 'resolved' && incident.status !== 'completed')
        return {status: 422, body: {error: ['Postmortems can only be written for resolved incidents']}}
      if (typeof fields?.body_draft !== 'string' || !fields.body_draft.trim())
        return {status: 422, body: {error: ["Body draft can't be blank"]}}
      incident.postmortem = {
        body: null,
        published_at: null,
        notify_subscribers: false,
        notify_twitter: false,
        ...incident.postmortem,
        body_draft: fields.body_draft,
      }
      return {status: 200, body: postmortemView(incident.postmortem)}
    }
    if (action === '' && method === 'DELETE') {
      if (!incident.postmortem) return {status: 404, body: {error: 'Postmortem not found'}}
      const gone = incident.postmortem
      incident.postmortem = undefined
      return {status: 200, body: postmortemView(gone)}
    }
    if (action === '/publish' && method === 'PUT') {
      if (!incident.postmortem?.body_draft) return {status: 422, body: {error: ['Postmortem has no draft to publish']}}
      Object.assign(incident.postmortem, {
        body: incident.postmortem.body_draft,
        published_at: now(),
        notify_subscribers: fields?.notify_subscribers === true,
        notify_twitter: fields?.notify_twitter === true,
      })
      return {status: 200, body: postmortemView(incident.postmortem)}
    }
    if (action === '/revert' && method === 'PUT') {
      if (!incident.postmortem?.published_at) return {status: 422, body: {error: ['Postmortem is not published']}}
      Object.assign(incident.postmortem, {published_at: null})
      return {status: 200, body: postmortemView(incident.postmortem)}
    }
    return {status: 405, body: {error: `${method} not allowed here`}}
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {method, target, path, query, raw} = await readRequest(req)
    const body = parseJson(raw)
    requests.push({method, path: target, headers: {...req.headers}, body})

    const fault = faults.take((match) => matchesRoute(match, method, path))
    if (!(await server.delay(req, fault, fake.latencyMs))) return
    const answer = answerFault(fault)
    if (answer) return send(res, faultReply(answer))
    const params = new URLSearchParams(query)
    const reply = !authorized(req, params)
      ? {status: 401, body: {error: 'Could not authenticate'}}
      : raw && typeof body === 'string'
        ? {status: 400, body: {error: 'Invalid JSON'}}
        : route(method, path, params, body)
    if (faultAction(fault) === 'lose-answer') return void req.socket.destroy() // carried out, never answered
    send(res, reply)
  }

  const server = await FakeHttpServer.start(
    {
      handle,
      onError: (res, error) => send(res, {status: 500, body: {error: String(error)}}),
      faults,
    },
    opts.mount,
  )

  const fake: FakeStatuspage = {
    url: server.url,
    pageId,
    incidents,
    components,
    requests,
    latencyMs: 0,
    inFlight: server.inFlight,
    fail: (fault, times, match) => faults.add(fault, times, match),
    close: () => server.close(),
  }
  return fake
}

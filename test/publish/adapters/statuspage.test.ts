import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {RemotePost} from '../../../src/services/incident/events.js'
import type {ChannelAdapter, PostRequest} from '../../../src/services/publish/adapter.js'
import {createAdapter, statusForPhase} from '../../../src/channels/statuspage/adapter.js'
import {startFakeStatuspage, type FakeStatuspage} from '../../../src/infrastructure/sandbox/fakes/statuspage-api.js'
import {deliveryFailure, postRequest, TIMEOUT} from './requests.js'

const API_KEY = 'sp-api-key-0123456789abcdef'
const COMPONENTS = [
  {id: 'cmpvoice0001', name: 'Voice calls'},
  {id: 'cmpsms000002', name: 'SMS'},
]

let fake: FakeStatuspage
afterEach(async () => fake?.close())

async function start(): Promise<FakeStatuspage> {
  fake = await startFakeStatuspage({
    apiKey: API_KEY,
    components: [...COMPONENTS, {id: 'cmpweb000003', name: 'Website'}],
  })
  return fake
}

function adapterFor(
  f: FakeStatuspage,
  opts: {
    options?: Record<string, unknown>
    key?: string
    timeoutMs?: number
    playbookKind?: 'incident' | 'maintenance'
  } = {},
): ChannelAdapter {
  return createAdapter({
    channel: {
      name: 'status',
      type: 'statuspage',
      kind: CHANNEL_KINDS.statuspage,
      options: {api_url: f.url, page_id: f.pageId, component_ids: COMPONENTS.map((c) => c.id), ...opts.options},
      ...(opts.playbookKind && {playbookKind: opts.playbookKind}),
    },
    credentials: {API_KEY: opts.key ?? API_KEY},
    timeoutMs: opts.timeoutMs ?? TIMEOUT,
  })
}

function request(
  update: number,
  phase: string,
  text: string,
  thread: {replyTo?: RemotePost; threadRoot?: RemotePost} = {},
  title: string | null = 'Calls failing on Acme Voice',
): PostRequest {
  return postRequest(
    {
      channel: 'status',
      type: 'statuspage',
      text,
      limit: null,
      incident: {update, phase},
      post: {...(title && {title})},
    },
    thread,
  )
}

const failure = (p: Promise<unknown>) => deliveryFailure(p, [API_KEY])

const componentStatuses = (f: FakeStatuspage) =>
  Object.fromEntries([...f.components.values()].map((c) => [c.id, c.status]))

describe('statuspage adapter', () => {
  it('creates one incident and moves it investigating → identified → monitoring → resolved', async () => {
    await start()
    const adapter = adapterFor(fake)
    const first = await adapter.post(request(1, 'investigating', 'We are investigating failed calls.'))

    const created = fake.requests[0]
    expect(created.method).toBe('POST')
    expect(created.path).toBe(`/v1/pages/${fake.pageId}/incidents`)
    expect(created.headers.authorization).toBe(`OAuth ${API_KEY}`)
    expect(created.headers['content-type']).toBe('application/json')
    expect(created.body).toEqual({
      incident: {
        name: 'Calls failing on Acme Voice',
        status: 'investigating',
        body: 'We are investigating failed calls.',
        component_ids: ['cmpvoice0001', 'cmpsms000002'],
        components: {cmpvoice0001: 'major_outage', cmpsms000002: 'major_outage'},
        deliver_notifications: true,
      },
    })
    const incident = fake.incidents[0]
    expect(first).toEqual({
      id: incident.id,
      url: incident.shortlink,
      ref: {incident_update_id: incident.incident_updates[0].id, created: 'true'},
    })
    expect(componentStatuses(fake)).toEqual({
      cmpvoice0001: 'major_outage',
      cmpsms000002: 'major_outage',
      cmpweb000003: 'operational',
    })

    let last = first
    const steps: Array<[string, string]> = [
      ['identified', 'A failed database upgrade is the cause.'],
      ['monitoring', 'A fix is rolled out; we are watching.'],
      ['resolved', 'Calls connect normally again.'],
    ]
    for (const [i, [phase, text]] of steps.entries()) {
      last = await adapter.post(request(i + 2, phase, text, {replyTo: last, threadRoot: first}))
      expect(last.id).toBe(first.id)
      expect(last.ref).toEqual({incident_update_id: incident.incident_updates[0].id})
    }

    expect(fake.requests.slice(1).map((r) => [r.method, r.path])).toEqual(
      Array(3).fill(['PATCH', `/v1/pages/${fake.pageId}/incidents/${first.id}`]),
    )
    expect(fake.requests[3].body).toEqual({
      incident: {
        status: 'resolved',
        body: 'Calls connect normally again.',
        component_ids: ['cmpvoice0001', 'cmpsms000002'],
        components: {cmpvoice0001: 'operational', cmpsms000002: 'operational'},
        deliver_notifications: true,
      },
    })
    expect(fake.incidents).toHaveLength(1)
    expect(incident.status).toBe('resolved')
    expect(incident.resolved_at).not.toBeNull()
    expect(incident.incident_updates.map((u) => [u.status, u.body]).reverse()).toEqual([
      ['investigating', 'We are investigating failed calls.'],
      ['identified', 'A failed database upgrade is the cause.'],
      ['monitoring', 'A fix is rolled out; we are watching.'],
      ['resolved', 'Calls connect normally again.'],
    ])
    expect(componentStatuses(fake)).toEqual({
      cmpvoice0001: 'operational',
      cmpsms000002: 'operational',
      cmpweb000003: 'operational',
    })
  })

  it('publishes a postmortem through the postmortem endpoints, not as another resolved update', async () => {
    await start()
    const adapter = adapterFor(fake)
    const first = await adapter.post(request(1, 'investigating', 'Investigating.'))
    const resolved = await adapter.post(request(2, 'resolved', 'Resolved.', {replyTo: first, threadRoot: first}))
    const before = fake.requests.length
    const postmortem = await adapter.post(
      request(3, 'postmortem', 'What happened and what we change.', {replyTo: resolved, threadRoot: first}),
    )
    const incident = fake.incidents[0]
    const path = `/v1/pages/${fake.pageId}/incidents/${first.id}`
    expect(fake.requests.slice(before).map((r) => [r.method, r.path, r.body])).toEqual([
      ['GET', path, undefined],
      ['PUT', `${path}/postmortem`, {postmortem: {body_draft: 'What happened and what we change.'}}],
      ['PUT', `${path}/postmortem/publish`, {postmortem: {notify_subscribers: true, notify_twitter: false}}],
    ])
    expect(postmortem).toEqual({id: first.id, url: incident.shortlink, ref: {postmortem: 'true'}})
    // No second "resolved" update: subscribers hear of the postmortem once, from Statuspage.
    expect(incident.status).toBe('resolved')
    expect(incident.incident_updates.map((u) => u.status)).toEqual(['resolved', 'investigating'])
    expect(incident.postmortem).toMatchObject({
      body: 'What happened and what we change.',
      published_at: expect.any(String),
      notify_subscribers: true,
    })

    // Found again after an interrupted send, and retracted by unpublishing and deleting it.
    expect(
      await adapter.findPublished!(
        request(3, 'postmortem', 'What happened and what we change.', {replyTo: resolved, threadRoot: first}),
      ),
    ).toEqual(postmortem)
    await adapter.delete!(postmortem, new AbortController().signal)
    expect(incident.postmortem).toBeUndefined()
    expect(fake.incidents[0].deleted).toBe(false)
  })

  it('a postmortem on an incident that is not resolved there is an update that resolves it', async () => {
    await start()
    const adapter = adapterFor(fake)
    const first = await adapter.post(request(1, 'investigating', 'Investigating.'))
    await adapter.post(
      request(2, 'postmortem', 'It is over; here is what happened.', {replyTo: first, threadRoot: first}),
    )
    const incident = fake.incidents[0]
    expect(incident.status).toBe('resolved')
    expect(incident.postmortem).toBeUndefined()
    expect(incident.incident_updates[0].body).toBe('It is over; here is what happened.')
  })

  it('the fake refuses a postmortem on an unresolved incident, and publishing without a draft', async () => {
    await start()
    const first = await adapterFor(fake).post(request(1, 'investigating', 'Investigating.'))
    const put = (path: string, body: unknown) =>
      fetch(`${fake.url}/v1/pages/${fake.pageId}/incidents/${first.id}${path}`, {
        method: 'PUT',
        headers: {authorization: `OAuth ${API_KEY}`, 'content-type': 'application/json'},
        body: JSON.stringify(body),
      })
    expect((await put('/postmortem', {postmortem: {body_draft: 'x'}})).status).toBe(422)
    expect((await put('/postmortem/publish', {postmortem: {notify_subscribers: true}})).status).toBe(422)
  })

  describe('planned maintenance (a maintenance playbook)', () => {
    const window = {scheduled_for: '2026-12-05T02:00:00Z', scheduled_until: '2026-12-05T04:00:00+00:00'}
    const maintenance = (
      update: number,
      phase: string,
      text: string,
      thread: {replyTo?: RemotePost; threadRoot?: RemotePost} = {},
      facts: Record<string, unknown> = window,
    ) =>
      postRequest(
        {
          channel: 'status',
          type: 'statuspage',
          text,
          limit: null,
          incident: {update, phase, facts},
          post: {title: 'Planned maintenance: Acme Voice'},
        },
        thread,
      )

    it('schedules the window, then in progress (under maintenance), verifying, completed (operational)', async () => {
      await start()
      const adapter = adapterFor(fake, {playbookKind: 'maintenance'})
      const first = await adapter.post(maintenance(1, 'announced', 'Maintenance on Saturday.'))
      expect(fake.requests[0].body).toEqual({
        incident: {
          name: 'Planned maintenance: Acme Voice',
          status: 'scheduled',
          body: 'Maintenance on Saturday.',
          scheduled_for: '2026-12-05T02:00:00.000Z',
          scheduled_until: '2026-12-05T04:00:00.000Z',
          scheduled_auto_in_progress: false,
          scheduled_auto_completed: false,
          component_ids: ['cmpvoice0001', 'cmpsms000002'],
          deliver_notifications: true,
        },
      })
      const incident = fake.incidents[0]
      expect(incident).toMatchObject({
        status: 'scheduled',
        impact: 'maintenance',
        scheduled_for: '2026-12-05T02:00:00.000Z',
        scheduled_until: '2026-12-05T04:00:00.000Z',
      })
      // Announcing days ahead leaves the components alone: nothing is down yet.
      expect(componentStatuses(fake)).toMatchObject({cmpvoice0001: 'operational', cmpsms000002: 'operational'})

      const seen: Array<[string, string]> = []
      let last = first
      for (const [i, phase] of ['reminder', 'in-progress', 'verifying', 'completed'].entries()) {
        last = await adapter.post(maintenance(i + 2, phase, `${phase}.`, {replyTo: last, threadRoot: first}))
        seen.push([incident.status, componentStatuses(fake).cmpvoice0001])
      }
      expect(seen).toEqual([
        ['scheduled', 'operational'],
        ['in_progress', 'under_maintenance'],
        ['verifying', 'under_maintenance'],
        ['completed', 'operational'],
      ])
      expect(fake.incidents).toHaveLength(1)
    })

    it('refuses a window that is missing, malformed or ends before it starts, before sending', async () => {
      await start()
      const adapter = adapterFor(fake, {playbookKind: 'maintenance'})
      const missing = await failure(
        adapter.post(maintenance(1, 'announced', 'x', {}, {scheduled_for: '2026-12-05T02:00:00Z'})),
      )
      expect(missing).toMatchObject({
        retry: 'never',
        message:
          'planned maintenance on Statuspage needs the fact "scheduled_until" as a time like 2026-12-05T02:00:00Z; found null',
      })
      const backwards = await failure(
        adapter.post(
          maintenance(
            1,
            'announced',
            'x',
            {},
            {scheduled_for: '2026-12-05T04:00:00Z', scheduled_until: '2026-12-05T02:00:00Z'},
          ),
        ),
      )
      expect(backwards.message).toContain('ends (2026-12-05T02:00:00Z) before it starts')
      expect(fake.requests).toHaveLength(0)
    })

    it('the fake refuses what Statuspage refuses: no window, and statuses of the other kind', async () => {
      await start()
      const send = (method: string, path: string, incident: unknown) =>
        fetch(`${fake.url}/v1/pages/${fake.pageId}/incidents${path}`, {
          method,
          headers: {authorization: `OAuth ${API_KEY}`, 'content-type': 'application/json'},
          body: JSON.stringify({incident}),
        })
      const noWindow = await send('POST', '', {name: 'm', status: 'scheduled', body: 'x'})
      expect(noWindow.status).toBe(422)
      expect(await noWindow.json()).toEqual({
        error: ["Scheduled for can't be blank and must be a time", "Scheduled until can't be blank and must be a time"],
      })
      const first = await adapterFor(fake, {playbookKind: 'maintenance'}).post(maintenance(1, 'announced', 'x'))
      const realtime = await send('PATCH', `/${first.id}`, {status: 'investigating', body: 'x'})
      expect(realtime.status).toBe(422)
      expect(await realtime.json()).toEqual({error: ['Status investigating is not valid for a scheduled incident']})
      const live = await adapterFor(fake).post(request(1, 'investigating', 'Investigating.'))
      expect((await send('PATCH', `/${live.id}`, {status: 'in_progress', body: 'x'})).status).toBe(422)
    })

    it('an incident playbook still opens a realtime incident for the same phase names', async () => {
      await start()
      // Without kind: maintenance, "in-progress" is no incident status: it maps to investigating.
      await adapterFor(fake).post(request(1, 'in-progress', 'x'))
      expect(fake.incidents[0]).toMatchObject({status: 'investigating', scheduled_for: null})
    })
  })

  it('names the incident after the incident id when the channel has no title, and sends no components when none are set', async () => {
    await start()
    await adapterFor(fake, {options: {component_ids: undefined}}).post(
      request(1, 'investigating', 'Investigating.', {}, null),
    )
    expect(fake.requests[0].body).toEqual({
      incident: {
        name: 'Incident voice-1',
        status: 'investigating',
        body: 'Investigating.',
        deliver_notifications: true,
      },
    })
    expect(componentStatuses(fake)).toEqual({
      cmpvoice0001: 'operational',
      cmpsms000002: 'operational',
      cmpweb000003: 'operational',
    })
  })

  it('maps phases through status_map, with defaults for the shared phases', async () => {
    const map = {mitigating: 'monitoring', identified: 'investigating'}
    expect(statusForPhase('mitigating', map)).toBe('monitoring')
    expect(statusForPhase('identified', map)).toBe('investigating')
    expect(statusForPhase('monitoring', map)).toBe('monitoring')
    expect(statusForPhase('postmortem', undefined)).toBe('resolved')
    expect(statusForPhase('escalated', undefined)).toBe('investigating')

    await start()
    const adapter = adapterFor(fake, {options: {status_map: map}})
    const first = await adapter.post(request(1, 'escalated', 'Escalated.'))
    await adapter.post(request(2, 'mitigating', 'Mitigating.', {replyTo: first, threadRoot: first}))
    expect(fake.incidents[0].incident_updates.map((u) => u.status)).toEqual(['monitoring', 'investigating'])
  })

  it('refuses a status_map value that is not a Statuspage status, before sending', async () => {
    await start()
    const e = await failure(
      adapterFor(fake, {options: {status_map: {investigating: 'on fire'}}}).post(request(1, 'investigating', 'x')),
    )
    expect(e).toMatchObject({
      retry: 'never',
      message:
        'status_map maps phase "investigating" to "on fire", which is not a Statuspage incident status (investigating, identified, monitoring, resolved)',
    })
    expect(fake.requests).toHaveLength(0)
  })

  it('a redirect is a failed delivery naming where it points, not followed', async () => {
    await start()
    fake.fail({status: 308, location: `${fake.url}/v1/pages/${fake.pageId}/incidents`})
    const e = await failure(adapterFor(fake).post(request(1, 'investigating', 'Investigating.')))
    expect(e).toMatchObject({
      retry: 'never',
      message: `Statuspage answered 308 redirecting to ${fake.url}/v1/pages/${fake.pageId}/incidents; Candor does not follow redirects: point the channel at the new URL`,
    })
    expect(fake.requests).toHaveLength(1)
    expect(fake.incidents).toHaveLength(0)
  })

  it('accepts an api_url given with /v1', async () => {
    await start()
    await adapterFor(fake, {options: {api_url: `${fake.url}/v1/`}}).post(request(1, 'investigating', 'x'))
    expect(fake.incidents).toHaveLength(1)
  })

  it('deletes the incident through the post that created it, and refuses to delete it through a later update', async () => {
    await start()
    const adapter = adapterFor(fake)
    const first = await adapter.post(request(1, 'investigating', 'Investigating.'))
    const second = await adapter.post(request(2, 'identified', 'Identified.', {replyTo: first, threadRoot: first}))
    const e = await failure(adapter.delete!(second, new AbortController().signal))
    expect(e.retry).toBe('never')
    expect(e.message).toMatch(/^Statuspage cannot delete a single incident update/)
    expect(fake.incidents[0].deleted).toBe(false)
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0)

    await adapter.delete!(first, new AbortController().signal)
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/v1/pages/${fake.pageId}/incidents/${first.id}`,
    })
    expect(fake.incidents[0].deleted).toBe(true)
    const again = await failure(adapter.delete!(first, new AbortController().signal))
    expect(again).toMatchObject({
      retry: 'never',
      message: `Statuspage answered 404: incident ${first.id} on page ${fake.pageId} not found (or the API key cannot see it)`,
    })
  })

  it('whoami names the page', async () => {
    await start()
    expect(await adapterFor(fake).whoami!(new AbortController().signal)).toBe('Acme Status')
    expect(fake.requests[0]).toMatchObject({method: 'GET', path: `/v1/pages/${fake.pageId}`})
    expect(adapterFor(fake).describeTarget()).toBe(
      `Statuspage page ${fake.pageId} (components cmpvoice0001, cmpsms000002) via ${fake.url}`,
    )
  })

  describe('failures', () => {
    it('a wrong API key is final and names the variable to fix', async () => {
      await start()
      const adapter = adapterFor(fake, {key: 'wrong-key-0000'})
      const e = await failure(adapter.post(request(1, 'investigating', 'x')))
      expect(e).toMatchObject({
        retry: 'never',
        message: 'Statuspage rejected the API key (401 Could not authenticate); check CANDOR_STATUS_API_KEY',
      })
      expect((await failure(adapter.whoami!(new AbortController().signal))).retry).toBe('never')
      expect(fake.incidents).toHaveLength(0)
    })

    it('an unknown page is final', async () => {
      await start()
      const e = await failure(
        adapterFor(fake, {options: {page_id: 'nosuchpage00'}}).post(request(1, 'investigating', 'x')),
      )
      expect(e).toMatchObject({
        retry: 'never',
        message: 'Statuspage answered 404: page nosuchpage00 not found (or the API key cannot see it)',
      })
    })

    it('422 is final and quotes Statuspage', async () => {
      await start()
      const e = await failure(
        adapterFor(fake, {options: {component_ids: ['nope']}}).post(request(1, 'investigating', 'x')),
      )
      expect(e).toMatchObject({retry: 'never', message: 'Statuspage answered 422: Component nope could not be found'})
    })

    it('420 waits a whole rate-limit window when Statuspage names no time', async () => {
      await start()
      fake.fail({status: 420})
      const before = Date.now()
      const e = await failure(adapterFor(fake).post(request(1, 'investigating', 'x')))
      expect(e.retry).toBe('rate-limit')
      expect(e.message).toBe('Statuspage rate limit reached (420)')
      expect(e.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 60_000)
      expect(e.retryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 60_000)
    })

    it('429 honours Retry-After', async () => {
      await start()
      fake.fail({status: 429, retryAfter: 7})
      const before = Date.now()
      const e = await failure(adapterFor(fake).post(request(1, 'investigating', 'x')))
      expect(e.retry).toBe('rate-limit')
      expect(e.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 7_000)
      expect(e.retryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 7_000)
    })

    it('5xx, a hang past the timeout and a reset are transient; nothing is created', async () => {
      await start()
      const adapter = adapterFor(fake, {timeoutMs: 500})
      fake.fail({status: 503})
      fake.fail({kind: 'hang'})
      fake.fail({kind: 'reset'})
      expect(await failure(adapter.post(request(1, 'investigating', 'x')))).toMatchObject({
        retry: 'transient',
        message: 'Statuspage answered 503: Service Unavailable',
      })
      expect(await failure(adapter.post(request(1, 'investigating', 'x')))).toMatchObject({
        retry: 'transient',
        message: 'Statuspage did not answer within 500 ms',
      })
      expect((await failure(adapter.post(request(1, 'investigating', 'x')))).retry).toBe('transient')
      expect(fake.incidents).toHaveLength(0)
      await adapter.post(request(1, 'investigating', 'x'))
      expect(fake.incidents).toHaveLength(1)
    })
  })
})

describe('statuspage adapter after an interrupted send', () => {
  const FIRST = 'We are investigating failed calls.'
  const LATER = 'A failed upgrade of the call routers; rolling back.'

  it('finds an incident whose creation was not answered by its name and first update', async () => {
    await start()
    const adapter = adapterFor(fake)
    await adapter.post(request(1, 'investigating', FIRST, {}, 'Another incident, same words'))
    fake.fail({kind: 'lose-answer'}, 1, {method: 'POST', path: '/v1/pages/:page/incidents'})
    expect((await failure(adapter.post(request(1, 'investigating', FIRST)))).retry).toBe('transient')
    const made = fake.incidents[1]!

    const before = fake.requests.length
    const found = await adapterFor(fake).findPublished!(request(1, 'investigating', FIRST))
    expect(found).toEqual({
      id: made.id,
      url: made.shortlink,
      ref: {incident_update_id: made.incident_updates[0]!.id, created: 'true'},
    })
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path} ${String(r.headers.authorization)}`)).toEqual([
      `GET /v1/pages/${fake.pageId}/incidents?limit=100 OAuth ${API_KEY}`,
    ])
    expect(fake.incidents).toHaveLength(2)
    // What was found is the incident's creator: retracting it deletes the incident.
    await adapterFor(fake).delete!(found!, new AbortController().signal)
    expect(made.deleted).toBe(true)
  })

  it('finds a later update that was not answered in the incident, with its update id', async () => {
    await start()
    const adapter = adapterFor(fake)
    const first = await adapter.post(request(1, 'investigating', FIRST))
    fake.fail({kind: 'lose-answer'}, 1, {method: 'PATCH', path: '/v1/pages/:page/incidents/:id'})
    await failure(adapter.post(request(2, 'identified', LATER, {replyTo: first, threadRoot: first})))
    const incident = fake.incidents[0]!
    expect(incident.incident_updates.map((u) => u.status)).toEqual(['identified', 'investigating'])

    const before = fake.requests.length
    const found = await adapterFor(fake).findPublished!(
      request(2, 'identified', LATER, {replyTo: first, threadRoot: first}),
    )
    expect(found).toEqual({id: first.id, url: first.url, ref: {incident_update_id: incident.incident_updates[0]!.id}})
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v1/pages/${fake.pageId}/incidents/${first.id}`,
    ])
  })

  it('finds nothing when the incident or the update never arrived', async () => {
    await start()
    const adapter = adapterFor(fake)
    fake.fail({kind: 'reset'}, 1, {method: 'POST', path: '/v1/pages/:page/incidents'})
    await failure(adapter.post(request(1, 'investigating', FIRST)))
    expect(await adapterFor(fake).findPublished!(request(1, 'investigating', FIRST))).toBeNull()

    const first = await adapter.post(request(1, 'investigating', FIRST))
    fake.fail({kind: 'reset'}, 1, {method: 'PATCH', path: '/v1/pages/:page/incidents/:id'})
    await failure(adapter.post(request(2, 'identified', LATER, {replyTo: first, threadRoot: first})))
    expect(
      await adapterFor(fake).findPublished!(request(2, 'identified', LATER, {replyTo: first, threadRoot: first})),
    ).toBeNull()
    // The same words under another status are another update.
    expect(
      await adapterFor(fake).findPublished!(request(2, 'identified', FIRST, {replyTo: first, threadRoot: first})),
    ).toBeNull()
  })

  it('does not take an earlier update with the same words and status for the lost one', async () => {
    await start()
    const adapter = adapterFor(fake)
    const first = await adapter.post(request(1, 'investigating', FIRST))
    const second = await adapter.post(
      request(2, 'investigating', 'Still investigating; next update in 30 minutes.', {
        replyTo: first,
        threadRoot: first,
      }),
    )
    fake.fail({kind: 'reset'}, 1, {method: 'PATCH', path: '/v1/pages/:page/incidents/:id'})
    await failure(
      adapter.post(
        request(3, 'investigating', 'Still investigating; next update in 30 minutes.', {
          replyTo: second,
          threadRoot: first,
        }),
      ),
    )
    expect(
      await adapterFor(fake).findPublished!(
        request(3, 'investigating', 'Still investigating; next update in 30 minutes.', {
          replyTo: second,
          threadRoot: first,
        }),
      ),
    ).toBeNull()
  })

  it('an incident deleted on Statuspage has not taken the update', async () => {
    await start()
    const first = await adapterFor(fake).post(request(1, 'investigating', FIRST))
    fake.incidents[0]!.deleted = true
    expect(
      await adapterFor(fake).findPublished!(request(2, 'identified', LATER, {replyTo: first, threadRoot: first})),
    ).toBeNull()
  })

  it('without the incident’s id it does not guess which incident a later update went to', async () => {
    await start()
    const adapter = adapterFor(fake)
    const first = await adapter.post(request(1, 'investigating', FIRST))
    await adapter.post(request(2, 'identified', LATER, {replyTo: first, threadRoot: first}))
    const e = await failure(adapterFor(fake).findPublished!(request(2, 'identified', LATER)))
    expect(e.retry).toBe('never')
    expect(e.message).toBe(
      "cannot tell which Statuspage incident the interrupted update went to without the incident's id",
    )
    // Words that are nowhere on the page are certainly not there.
    expect(await adapterFor(fake).findPublished!(request(3, 'resolved', 'Resolved.'))).toBeNull()
  })

  it('a lookup that is rate limited is an error, not "not there"', async () => {
    await start()
    fake.fail({status: 420, retryAfter: 30}, 1, {method: 'GET'})
    const e = await failure(adapterFor(fake).findPublished!(request(1, 'investigating', FIRST)))
    expect(e.retry).toBe('rate-limit')
  })
})

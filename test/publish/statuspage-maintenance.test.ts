/**
 * The shipped scheduled-maintenance playbook with a Statuspage channel added, and no
 * status_map: a scheduled maintenance for the window in its facts, moved along by phase.
 */
import {cpSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import {afterEach, describe, expect, it} from 'vitest'
import {loadFactsFile} from '../../src/services/playbook/facts-file.js'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {startFakeStatuspage, type FakeStatuspage} from '../../src/infrastructure/sandbox/fakes/statuspage-api.js'
import {ROOT, tempDir} from '../helpers/cli.js'

const API_KEY = 'sp-api-key-0123456789abcdef'
const COMPONENTS = [{id: 'cmpvoice0001', name: 'Voice calls'}]
const PHASES = ['announced', 'reminder', 'in-progress', 'verifying', 'completed']

let fake: FakeStatuspage | undefined
afterEach(async () => fake?.close())

/** A playbook as YAML gives it: only the fields the tests edit are named. */
type PlaybookDoc = {
  kind?: string
  facts: Record<string, unknown>
  channels: Record<string, Record<string, unknown>>
  phases: Record<string, {posts: Record<string, unknown>}>
}

/** The shipped playbooks copied to a temporary folder, with a Statuspage channel added to the maintenance one. */
function maintenancePlaybook(f: FakeStatuspage, edit: (doc: PlaybookDoc) => void = () => {}): string {
  const dir = tempDir()
  cpSync(path.join(ROOT, 'playbooks'), path.join(dir, 'playbooks'), {recursive: true})
  const file = path.join(dir, 'playbooks', 'scheduled-maintenance.yaml')
  const doc = yaml.load(readFileSync(file, 'utf8')) as PlaybookDoc
  doc.channels.statuspage = {
    type: 'statuspage',
    page_id: f.pageId,
    api_url: f.url,
    component_ids: COMPONENTS.map((c) => c.id),
    title: 'Planned maintenance: {{service}}',
  }
  for (const phase of Object.keys(doc.phases))
    doc.phases[phase].posts.statuspage = {template: `templates/scheduled-maintenance/facebook/${phase}.hbs`}
  edit(doc)
  writeFileSync(file, yaml.dump(doc))
  return file
}

describe('the shipped scheduled-maintenance playbook on Statuspage', () => {
  it('schedules the window from the facts, then in progress, verifying and completed, without a status_map', async () => {
    fake = await startFakeStatuspage({apiKey: API_KEY, components: COMPONENTS})
    const file = maintenancePlaybook(fake)
    const store = new FileIncidentStore(path.join(path.dirname(file), '..', 'state'))
    const facts = loadFactsFile(path.join(ROOT, 'playbooks', 'examples', 'scheduled-maintenance.facts.yaml'))
    const {id} = await openIncident(store, {playbook: file, facts, actor: 'dana'})
    const deps = {
      store,
      actor: 'dana',
      env: {CANDOR_STATUSPAGE_API_KEY: API_KEY},
      reporter: {progress: () => {}},
      backoffMs: 5,
      timeoutMs: 5000,
    }

    const seen: Array<[string, string | null, string]> = []
    for (const phase of PHASES) {
      const result = await publishUpdate(
        {incident: id, phase, facts: {}, channels: ['statuspage'], yes: true, interactive: false},
        deps,
      )
      expect(result.deliveries.map((d) => [d.channel, d.status])).toEqual([['statuspage', 'published']])
      const incident = fake.incidents[0]
      seen.push([incident.status, incident.scheduled_for, fake.components.get('cmpvoice0001')!.status])
    }
    expect(fake.incidents).toHaveLength(1)
    expect(fake.requests[0].body).toMatchObject({
      incident: {
        name: 'Planned maintenance: Acme Voice',
        status: 'scheduled',
        scheduled_for: '2026-12-05T02:00:00.000Z',
        scheduled_until: '2026-12-05T04:00:00.000Z',
      },
    })
    expect(fake.incidents[0]).toMatchObject({impact: 'maintenance', scheduled_until: '2026-12-05T04:00:00.000Z'})
    expect(seen).toEqual([
      ['scheduled', '2026-12-05T02:00:00.000Z', 'operational'],
      ['scheduled', '2026-12-05T02:00:00.000Z', 'operational'],
      ['in_progress', '2026-12-05T02:00:00.000Z', 'under_maintenance'],
      ['verifying', '2026-12-05T02:00:00.000Z', 'under_maintenance'],
      ['completed', '2026-12-05T02:00:00.000Z', 'operational'],
    ])
    // Never a live incident, never an outage.
    expect(
      fake.requests.flatMap((r) => JSON.stringify(r.body ?? '').match(/investigating|major_outage/g) ?? []),
    ).toEqual([])
  })

  it('validate names what a maintenance playbook on Statuspage lacks: the window facts, a status for each phase, status_map values', async () => {
    fake = await startFakeStatuspage({apiKey: API_KEY, components: COMPONENTS})
    const file = maintenancePlaybook(fake, (doc) => {
      delete doc.facts.scheduled_until
      doc.phases.rollback = {posts: {statuspage: {text: 'We rolled the change back.'}}}
      doc.channels.statuspage.status_map = {completed: 'resolved', typo: 'completed'}
      doc.kind = 'maintenance'
    })
    const messages = loadPlaybook(file).problems.map((p) => p.message)
    expect(messages).toEqual(
      expect.arrayContaining([
        'channel "statuspage" schedules the maintenance on Statuspage from the fact "scheduled_until": declare it as { type: time, required: true } (e.g. 2026-12-05T02:00:00Z)',
        'channel "statuspage": phase "rollback" has no Statuspage maintenance status: add it to the channel\'s status_map (scheduled, in_progress, verifying, completed)',
        'channel "statuspage": status_map maps phase "completed" to "resolved", which is not a Statuspage maintenance status (scheduled, in_progress, verifying, completed)',
        'channel "statuspage": status_map names phase "typo", which the playbook does not have (phases: announced, reminder, in-progress, verifying, completed, rollback)',
      ]),
    )
    const badKind = maintenancePlaybook(fake, (doc) => (doc.kind = 'planned'))
    expect(loadPlaybook(badKind).problems.map((p) => p.message)).toEqual([
      '"kind" must be one of incident, maintenance (maintenance: planned work announced ahead); found string "planned"',
    ])
  })

  it('a time fact refuses a value that is not an exact time with its zone', async () => {
    fake = await startFakeStatuspage({apiKey: API_KEY, components: COMPONENTS})
    const file = maintenancePlaybook(fake)
    const store = new FileIncidentStore(path.join(path.dirname(file), '..', 'state'))
    const facts = {
      ...loadFactsFile(path.join(ROOT, 'playbooks', 'examples', 'scheduled-maintenance.facts.yaml')),
      scheduled_for: 'Saturday 02:00',
    }
    await expect(openIncident(store, {playbook: file, facts, actor: 'dana'})).rejects.toMatchObject({
      code: 'facts_invalid',
      message: 'fact "scheduled_for" must be a time with its zone, like 2026-12-05T02:00:00Z; got "Saturday 02:00"',
    })
  })
})

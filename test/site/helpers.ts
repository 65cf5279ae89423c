import {cpSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import type {Clock} from '../../src/services/publish/deliver.js'
import {publishUpdate, type PublishResult} from '../../src/services/publish/publish.js'
import {ROOT, tempDir} from '../helpers/cli.js'

/** A clock tests move by hand; sleeping just moves it. */
export function manualClock(start: Date): Clock & {set(d: Date): void; advance(ms: number): void} {
  let t = start.getTime()
  return {
    now: () => new Date(t),
    sleep: async (ms) => {
      t += ms
    },
    set: (d) => {
      t = d.getTime()
    },
    advance: (ms) => {
      t += ms
    },
  }
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export interface SiteWorld {
  dir: string
  siteDir: string
  playbook: string
  store: FileIncidentStore
  clock: ReturnType<typeof manualClock>
  open(facts: Record<string, unknown>, opts?: {id?: string; at?: Date; playbook?: string}): Promise<string>
  publish(
    incident: string,
    phase: string,
    facts?: Record<string, unknown>,
    opts?: {at?: Date; channels?: string[]; actor?: string},
  ): Promise<PublishResult>
}

/** A world whose state dir and site folder are fresh, with the given playbook file. */
export function worldFor(playbook: string, dir: string, siteDir: string): SiteWorld {
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const clock = manualClock(new Date())
  return {
    dir,
    siteDir,
    playbook,
    store,
    clock,
    async open(facts, opts = {}) {
      const at = opts.at ?? clock.now()
      clock.set(at)
      const state = await openIncident(store, {
        playbook: opts.playbook ?? playbook,
        id: opts.id,
        facts,
        actor: 'Dana On-Call',
        now: at,
      })
      return state.id
    },
    async publish(incident, phase, facts = {}, opts = {}) {
      if (opts.at) clock.set(opts.at)
      return publishUpdate(
        {incident, phase, facts, yes: true, interactive: false, channels: opts.channels},
        {
          store,
          actor: opts.actor ?? 'Dana On-Call',
          env: {},
          reporter: {progress() {}},
          clock,
          backoffMs: 1,
          timeoutMs: 2000,
        },
      )
    },
  }
}

/**
 * A playbook with only a `site` channel (plus an internal Slack-like channel it may
 * leave out), inline templates, in a fresh folder.
 */
export function siteWorld(
  opts: {components?: string[]; baseUrl?: string | null; title?: string; extraFacts?: string} = {},
): SiteWorld {
  const dir = tempDir('candor-site-')
  const siteDir = path.join(dir, 'public')
  const file = path.join(dir, 'incident.yaml')
  const channel: Record<string, unknown> = {
    type: 'site',
    dir: siteDir,
    title: opts.title ?? 'Acme status',
    components: opts.components ?? ['Acme Voice', 'Acme Messaging', 'Website'],
  }
  if (opts.baseUrl !== null) channel.base_url = opts.baseUrl ?? 'https://status.acme.example'
  writeFileSync(
    file,
    `name: outage
facts:
  service: { required: true }
  impact: { required: true }
  cause: {}
  components: { type: list, default: [] }
${opts.extraFacts ?? ''}
channels:
  site: ${JSON.stringify(channel)}
phases:
  investigating:
    next_update: 30m
    posts:
      site: { text: "We are investigating problems with {{service}}: {{impact}}.\\n\\nNext update by {{time @next_update}}." }
  identified:
    next_update: 30m
    posts:
      site: { text: "We found the cause of the {{service}} problems{{#if cause}}: {{cause}}{{/if}}. A fix is being rolled out." }
  monitoring:
    next_update: 1h
    posts:
      site: { text: "A fix for {{service}} is live and we are watching it closely." }
  resolved:
    posts:
      site: { text: "{{service}} is working normally again after {{since @incident.started_at}}. We are sorry for the disruption." }
`,
  )
  return worldFor(file, dir, siteDir)
}

/**
 * The shipped outage playbook with a `site` channel added (its posts use the Facebook
 * templates, which read well on a web page), copied with its templates into a fresh
 * folder; and the shipped example facts.
 */
export function exampleWorld(): SiteWorld & {facts: Record<string, unknown>} {
  const dir = tempDir('candor-site-example-')
  const siteDir = path.join(dir, 'public')
  cpSync(path.join(ROOT, 'playbooks', 'templates'), path.join(dir, 'templates'), {recursive: true})
  const doc = yaml.load(readFileSync(path.join(ROOT, 'playbooks', 'outage.yaml'), 'utf8')) as {
    channels: Record<string, unknown>
    phases: Record<string, {posts: Record<string, {template: string}>}>
  }
  doc.channels.site = {
    type: 'site',
    dir: siteDir,
    title: 'Acme status',
    base_url: 'https://status.acme.example',
    components: ['Acme Voice', 'Acme Messaging', 'Website', 'Developer API'],
  }
  for (const [name, phase] of Object.entries(doc.phases))
    phase.posts.site = {template: `templates/outage/facebook/${name}.hbs`}
  const file = path.join(dir, 'outage.yaml')
  writeFileSync(file, yaml.dump(doc, {lineWidth: 200}))
  const facts = yaml.load(
    readFileSync(path.join(ROOT, 'playbooks', 'examples', 'outage.facts.yaml'), 'utf8'),
  ) as Record<string, unknown>
  return {...worldFor(file, dir, siteDir), facts}
}

/**
 * The example the README shows: an outage of Acme Voice, identified, and an earlier
 * one of Acme Messaging, resolved. Built as of `now`.
 */
export async function publishExample(world: SiteWorld & {facts: Record<string, unknown>}, now: Date): Promise<string> {
  const past = await world.open(
    {...world.facts, service: 'Acme Messaging', impact: 'Messages may arrive late', regions: ['EU']},
    {id: '2026-11-13-acme-messaging', at: new Date(now.getTime() - 12 * DAY)},
  )
  await world.publish(
    past,
    'investigating',
    {},
    {at: new Date(now.getTime() - 12 * DAY + 6 * MINUTE), channels: ['site']},
  )
  await world.publish(
    past,
    'identified',
    {cause: 'a full message queue on one of our servers'},
    {at: new Date(now.getTime() - 12 * DAY + 31 * MINUTE), channels: ['site']},
  )
  await world.publish(past, 'resolved', {}, {at: new Date(now.getTime() - 12 * DAY + 74 * MINUTE), channels: ['site']})

  const id = await world.open(world.facts, {id: '2026-11-25-acme-voice', at: new Date(now.getTime() - 52 * MINUTE)})
  await world.publish(id, 'investigating', {}, {at: new Date(now.getTime() - 47 * MINUTE), channels: ['site']})
  await world.publish(
    id,
    'identified',
    {cause: 'a faulty network update at one of our data centres'},
    {at: new Date(now.getTime() - 14 * MINUTE), channels: ['site']},
  )
  return id
}

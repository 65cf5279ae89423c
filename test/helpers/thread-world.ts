/**
 * An incident on a Bluesky and a Slack (bot) channel, each against its loopback fake, published
 * in-process with publishUpdate: for tests of threading and record keys across updates.
 */
import path from 'node:path'
import {expect} from 'vitest'
import {openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {publishUpdate, type PublishDeps} from '../../src/services/publish/publish.js'
import {startFakeBluesky, type FakeBluesky} from '../../src/infrastructure/sandbox/fakes/bluesky-api.js'
import {startFakeSlack, type FakeSlack} from '../../src/infrastructure/sandbox/fakes/slack-api.js'
import {writePlaybook} from './cli.js'

export const APP_PASSWORD = 'abcd-efgh-ijkl-mnop'
export const BOT_TOKEN = 'xoxb-1111-2222-SecretBotToken'

export interface ThreadWorld {
  id: string
  deps: PublishDeps
  bluesky: FakeBluesky
  slack: FakeSlack
  /** Publishes a phase and expects both channels published. */
  publish(phase: string): Promise<void>
  close(): Promise<void>
}

export async function threadWorld(): Promise<ThreadWorld> {
  const bluesky = await startFakeBluesky({appPassword: APP_PASSWORD, handle: 'acme-status.bsky.social'})
  const slack = await startFakeSlack({botToken: BOT_TOKEN})
  const posts = (text: string) => `      bluesky: { text: "${text}" }\n      slack: { text: "${text}" }`
  const {dir, playbook} = writePlaybook(
    `name: incident
facts:
  service: { required: true }
channels:
  bluesky: { type: bluesky, api_url: "${bluesky.url}" }
  slack: { type: slack, channel: C0INCIDENTS, api_url: "${slack.apiUrl}" }
phases:
  investigating:
    posts:
${posts('We are investigating problems with {{service}}.')}
  identified:
    posts:
${posts('We found the cause of the {{service}} problems.')}
  monitoring:
    posts:
${posts('A fix for {{service}} is live and we are watching it.')}
  resolved:
    posts:
${posts('{{service}} works normally again.')}
`,
  )
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const incident = await openIncident(store, {playbook, facts: {service: 'Acme Voice'}, actor: 'alice'})
  const deps: PublishDeps = {
    store,
    actor: 'alice',
    env: {
      CANDOR_BLUESKY_IDENTIFIER: 'acme-status.bsky.social',
      CANDOR_BLUESKY_APP_PASSWORD: APP_PASSWORD,
      CANDOR_SLACK_BOT_TOKEN: BOT_TOKEN,
    },
    reporter: {progress: () => {}},
    backoffMs: 5,
    timeoutMs: 5000,
  }
  const publish = async (phase: string) => {
    const r = await publishUpdate({incident: incident.id, phase, facts: {}, yes: true, interactive: false}, deps)
    expect(r.deliveries.map((d) => [d.channel, d.status, d.error])).toEqual([
      ['bluesky', 'published', undefined],
      ['slack', 'published', undefined],
    ])
  }
  return {
    id: incident.id,
    deps,
    publish,
    bluesky,
    slack,
    close: async () => void (await Promise.all([bluesky.close(), slack.close()])),
  }
}

/**
 * A playbook on X (`x`) and Slack through an incoming webhook (`chat`), each against its loopback
 * fake: one required fact, `service`, and one phase, investigating, posting "{{service}} is down."
 * on both. For tests of retry, which write the journal by hand and then let Candor send.
 */
import path from 'node:path'
import {startFakeSlack, type FakeSlack} from '../../src/infrastructure/sandbox/fakes/slack-api.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import type {PublishDeps} from '../../src/services/publish/publish.js'
import {writePlaybook} from './cli.js'
import {BOT_TOKEN} from './thread-world.js'
import {X_CREDENTIALS, xEnv} from './x-incident.js'

/** The playbook, the fakes, a file store, and publish deps carrying both channels' credentials. No incident is opened. */
export async function xAndChatWorld() {
  const x: FakeX = await startFakeX({credentials: X_CREDENTIALS})
  const slack: FakeSlack = await startFakeSlack({botToken: BOT_TOKEN})
  const {dir, playbook} = writePlaybook(`name: incident
facts:
  service: { required: true }
channels:
  x: { type: x, api_url: "${x.url}" }
  chat: { type: slack }
phases:
  investigating:
    posts:
      x: { text: "{{service}} is down." }
      chat: { text: "{{service}} is down." }
`)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const deps: PublishDeps = {
    store,
    actor: 'alice',
    env: {...xEnv('X'), CANDOR_CHAT_WEBHOOK_URL: slack.webhookUrl},
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 2000,
  }
  const close = async () => void (await Promise.all([x.close(), slack.close()]))
  return {dir, playbook, x, slack, store, deps, close}
}

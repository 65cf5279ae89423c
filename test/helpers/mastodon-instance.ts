/**
 * An incident on one Mastodon channel on an instance name of its own (the limits cache is shared
 * by every test of a run, keyed by instance), pointed at a fake instance, published in-process.
 */
import {randomUUID} from 'node:crypto'
import path from 'node:path'
import {
  startFakeMastodon,
  type FakeMastodon,
  type StartFakeMastodonOptions,
} from '../../src/infrastructure/sandbox/fakes/mastodon-api.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {openIncident} from '../../src/services/incident/service.js'
import {publishUpdate, type PublishDeps} from '../../src/services/publish/publish.js'
import {writePlaybook} from './cli.js'

export const MASTODON_TOKEN = 'mastodon-token-Zx81qP0sKd'

export interface MastodonInstanceOptions {
  /** The incident's `text` fact. */
  text: string
  /** What the fake instance says (its limits). */
  fake?: Partial<StartFakeMastodonOptions>
  /** Appended inside the channel's `{ … }` in the playbook: `, max_length: 400`. */
  channelOptions?: string
}

/** Phases: investigating posts `{{text}}`, identified `Found it. {{text}}`. Close the fake with `close()`. */
export async function mastodonInstanceIncident(opts: MastodonInstanceOptions) {
  const fake: FakeMastodon = await startFakeMastodon({
    accessToken: MASTODON_TOKEN,
    domain: 'mastodon.example',
    ...opts.fake,
  })
  const instance = `https://m-${randomUUID().slice(0, 8)}.example`
  const {dir, playbook} = writePlaybook(`name: incident
facts:
  text: { required: true }
channels:
  mastodon: { type: mastodon, instance: "${instance}", api_url: "${fake.url}"${opts.channelOptions ?? ''} }
phases:
  investigating:
    posts:
      mastodon: { text: "{{text}}" }
  identified:
    posts:
      mastodon: { text: "Found it. {{text}}" }
`)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const {id} = await openIncident(store, {playbook, facts: {text: opts.text}, actor: 'alice'})
  const deps: PublishDeps = {
    store,
    actor: 'alice',
    env: {CANDOR_MASTODON_ACCESS_TOKEN: MASTODON_TOKEN},
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 5000,
  }
  const publish = (phase: string, facts: Record<string, string> = {}) =>
    publishUpdate({incident: id, phase, facts, yes: true, interactive: false}, deps)
  /** How many times the instance was asked for its limits. */
  const instanceReads = () => fake.requests.filter((r) => r.path === '/api/v2/instance').length
  return {id, fake, instance, playbook, store, deps, publish, instanceReads, close: () => fake.close()}
}

/**
 * An incident whose updates need more than one approval, so that publishing records drafts:
 * writeXPlaybook's playbook, every channel an X account on one fake, the file store and a clock
 * the test moves. Alice opens it; anyone may publish (`request`) as themselves.
 */
import {appendFileSync} from 'node:fs'
import path from 'node:path'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {openIncident} from '../../src/services/incident/service.js'
import {publishUpdate, type PublishDeps} from '../../src/services/publish/publish.js'
import {tempDir} from './cli.js'
import {testClock} from './test-clock.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from './x-incident.js'

export interface ApprovalWorldOptions {
  /** When the clock starts: the incident, voice-1, is opened then. */
  start: number
  /** Approvals each update needs; default 2. */
  required?: number
  /** The channels, each an X account on the one fake; default just `x`. */
  channels?: string[]
}

export async function approvalWorld(opts: ApprovalWorldOptions) {
  const dir = tempDir()
  const x: FakeX = await startFakeX({credentials: X_CREDENTIALS})
  const channels = opts.channels ?? ['x']
  const playbook = writeXPlaybook(dir, Object.fromEntries(channels.map((c) => [c, x])))
  appendFileSync(playbook, `approval: { required: ${opts.required ?? 2} }\n`)
  const credentials = Object.assign({}, ...channels.map((c) => xEnv(c.toUpperCase()))) as Record<string, string>
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const clock = testClock(opts.start)
  /** Opens another incident on the playbook, as Alice, now. */
  const open = (id: string) =>
    openIncident(store, {
      playbook,
      facts: {service: 'Acme Voice', impact: 'Calls fail'},
      actor: 'Alice',
      id,
      now: clock.now(),
    })
  const {id} = await open('voice-1')
  /** Publish deps for `actor`, with every channel's credentials unless `env` is given. */
  const as = (actor: string, env: Record<string, string> = credentials): PublishDeps => ({
    store,
    actor,
    env,
    reporter: {progress() {}},
    clock,
    backoffMs: 5,
    timeoutMs: 5000,
  })
  /** Publishes the investigating phase as `actor`, without a prompt. */
  const request = (actor: string, extra: Record<string, unknown> = {}, incident = id) =>
    publishUpdate({incident, phase: 'investigating', facts: {}, yes: true, interactive: false, ...extra}, as(actor))
  const events = async (incident = id) => (await store.read(incident)).events
  return {dir, x, store, id, clock, as, request, events, open, playbook, close: () => x.close()}
}

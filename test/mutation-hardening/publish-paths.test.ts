/**
 * publishUpdate and retryFailed (services/publish/publish.ts) on the paths the in-process publish
 * tests leave to the CLI tests (which run dist/, never a mutant) or do not reach: a dry run (no
 * lock, no journal, no network; what it would refuse), the instance limits read before a publish
 * when the instance cannot be asked, which phase's templates are checked, --allow journaled, which
 * deliveries retry picks up (and that it sends them all at once, after checking it still holds the
 * incident), a failed part looked for before it is sent again, a channel that drops repeats.
 * Fake X, Slack and Mastodon servers, Markdown and status-site folders, the file store; the journal
 * is written by hand where retry needs it.
 */
import {appendFileSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {loadIncident, openIncident} from '../../src/services/incident/service.js'
import type {NewEvent, RenderedPostRecord} from '../../src/services/incident/events.js'
import {publishUpdate, retryFailed, type PublishDeps} from '../../src/services/publish/publish.js'
import {tempDir} from '../helpers/cli.js'
import {threadWorld, type ThreadWorld} from '../helpers/thread-world.js'
import {Barrier} from '../helpers/wait.js'
import {xAndChatWorld} from '../helpers/x-and-chat.js'
import {folderChannelPlaybook} from '../helpers/folder-channel.js'
import {mastodonInstanceIncident} from '../helpers/mastodon-instance.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

/** An incident on two X accounts (x and brand-x); `approvals` people must approve each update. */
async function xIncident(approvals = 1) {
  const dir = tempDir()
  const main: FakeX = await startFakeX({credentials: X_CREDENTIALS})
  const brand: FakeX = await startFakeX({credentials: X_CREDENTIALS})
  closers.push(
    () => main.close(),
    () => brand.close(),
  )
  const playbook = writeXPlaybook(dir, {x: main, 'brand-x': brand})
  if (approvals > 1) appendFileSync(playbook, `approval:\n  required: ${approvals}\n`)
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const {id} = await openIncident(store, {
    playbook,
    facts: {service: 'Acme Voice', impact: 'Calls fail'},
    actor: 'alice',
  })
  const deps: PublishDeps = {
    store,
    actor: 'alice',
    env: {...xEnv('X'), ...xEnv('BRAND_X')},
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 2000,
  }
  const events = async () => (await store.read(id)).events.map((e) => e.type)
  const requests = () => main.requests.length + brand.requests.length
  return {id, store, deps, main, brand, events, requests}
}

describe('a dry run', () => {
  it('takes no lock, journals and sends nothing, and says what a publish would refuse', async () => {
    const w = await xIncident()
    // Another command holds the incident: a dry run does not wait for it.
    const held = await w.store.lock(w.id, {timeoutMs: 1000, command: 'publish', by: 'bob'})
    try {
      const before = await w.events()
      const result = await publishUpdate(
        {incident: w.id, phase: 'investigating', facts: {}, interactive: false, dryRun: true},
        {...w.deps, env: xEnv('X'), lockTimeoutMs: 50},
      )
      expect(result).toMatchObject({incident: w.id, phase: 'investigating', update: 1, deliveries: [], already: []})
      expect(result.plan?.map((p) => [p.channel, p.credentials.ok])).toEqual([
        ['x', true],
        ['brand-x', false],
      ])
      expect(result.warnings).toEqual([expect.stringMatching(/^would not publish: .*CANDOR_BRAND_X_APP_KEY/)])
      expect(await w.events()).toEqual(before)
      expect(w.requests()).toBe(0)
    } finally {
      await held.release()
    }
  })

  it('says when the phase needs more than one person to approve', async () => {
    const two = await xIncident(2)
    const dry = {phase: 'investigating', facts: {}, interactive: false, dryRun: true}
    expect((await publishUpdate({incident: two.id, ...dry}, two.deps)).warnings).toEqual([
      'phase investigating needs 2 people to approve: publishing records a draft for `candor approve`',
    ])
    const one = await xIncident(1)
    expect((await publishUpdate({incident: one.id, ...dry}, one.deps)).warnings).toEqual([])
  })
})

/** One Mastodon channel on its own instance name (the limits cache is keyed by instance). */
async function mastodonIncident() {
  const w = await mastodonInstanceIncident({text: 'Acme is down.'})
  closers.push(w.close)
  return w
}

describe('a publish holding the lock', () => {
  it('waits for the command holding the incident, and gives up saying who it is', async () => {
    const w = await xIncident()
    const held = await w.store.lock(w.id, {timeoutMs: 1000, command: 'retract', by: 'bob'})
    try {
      await expect(
        publishUpdate(
          {incident: w.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
          {...w.deps, lockTimeoutMs: 50},
        ),
      ).rejects.toMatchObject({
        code: 'incident_locked',
        message: expect.stringContaining('bob is running `candor retract`'),
      })
      expect(w.requests()).toBe(0)
    } finally {
      await held.release()
    }
  })

  it('takes the lock as `publish`: a command waiting for the incident is told who is publishing', async () => {
    const w = await xIncident()
    let decide!: () => void
    let asking!: () => void
    const atApproval = new Promise<void>((resolve) => (asking = resolve))
    const publishing = publishUpdate(
      {
        incident: w.id,
        phase: 'investigating',
        facts: {},
        interactive: true,
        approver: {
          approve: () => {
            asking()
            return new Promise((resolve) => (decide = () => resolve({action: 'abort'})))
          },
        },
      },
      w.deps,
    )
    // Refused once retry waits (below): caught now, as that happens while the test awaits retry.
    const refused = publishing.catch((error: unknown) => error)
    // The publish holds the lock while the person decides.
    await atApproval
    const owners: unknown[] = []
    const other = retryFailed(
      {incident: w.id},
      {
        ...w.deps,
        actor: 'bob',
        onLockWait: (owner) => {
          owners.push(owner)
          decide()
        },
      },
    )
    expect((await other).updates).toEqual([])
    // Had retry not waited, the person still has to answer.
    decide()
    expect(await refused).toMatchObject({code: 'aborted'})
    expect(owners).toEqual([expect.objectContaining({command: 'publish', by: 'alice'})])
  })
})

describe('the limits of a Mastodon instance', () => {
  it('a dry run does not ask the instance', async () => {
    const w = await mastodonIncident()
    await publishUpdate({incident: w.id, phase: 'investigating', facts: {}, interactive: false, dryRun: true}, w.deps)
    expect(w.instanceReads()).toBe(0)
  })

  it('an instance never asked before that cannot be asked now: its default assumed, with a warning', async () => {
    const w = await mastodonIncident()
    w.fake.fail({status: 503}, 1, {method: 'GET', path: '/api/v2/instance'})
    const result = await w.publish('investigating')
    expect(result.deliveries.map((d) => d.status)).toEqual(['published'])
    expect(result.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^mastodon: could not read ${w.instance.replace(/\./g, '\\.')}'s limits \\(.*503.*\\); assuming Mastodon's default of 500; set max_length in the playbook if the instance allows another$`,
        ),
      ),
    ])
  })

  it('an instance that cannot be asked now: the limit it gave before, and when, to the minute', async () => {
    const w = await mastodonIncident()
    const publish = (text: string) => w.publish('investigating', {text})
    await publish('Acme is down.')
    w.fake.fail({status: 503}, 1, {method: 'GET', path: '/api/v2/instance'})
    const result = await publish('Acme is still down.')
    expect(result.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^mastodon: could not read ${w.instance.replace(/\./g, '\\.')}'s limits \\(.*503.*\\); using the limit of 500 it gave at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`,
        ),
      ),
    ])
  })
})

const TEXT = 'Acme is down.'

/**
 * An incident on X and Slack (incoming webhook) whose journal the test writes: `post(update, channels)`
 * records an approved (or not) update, `result` and `attempt` what happened to each part.
 */
async function retryIncident() {
  const world = await xAndChatWorld()
  closers.push(world.close)
  const {playbook, x, slack, store, deps} = world
  const {id} = await openIncident(store, {playbook, facts: {service: 'Acme'}, actor: 'alice'})
  const post = async (update: number, channels: string[], approved = true, text = TEXT) => {
    const posts = channels.map(
      (channel): RenderedPostRecord => ({
        channel,
        type: channel === 'chat' ? 'slack' : 'x',
        // Each channel its own text, so a part sent from another channel's post shows.
        parts: [{text: channel === 'chat' ? `Chat: ${text}` : text, length: text.length, limit: 280}],
      }),
    )
    await store.append(id, {type: 'rendered', by: 'alice', update, phase: 'investigating', posts})
    if (approved) await store.append(id, {type: 'approved', by: 'alice', update, channels, declined: []})
  }
  const result = (update: number, channel: string, status: 'published' | 'failed', remote?: string) =>
    store.append(id, {
      type: 'delivery_result',
      by: 'alice',
      update,
      channel,
      part: 1,
      status,
      ...(remote ? {remote: {id: remote}} : {error: 'timed out'}),
    })
  /** Another incident publishes on X, one update per service named (each replying to the one before): its tweets. */
  const elsewhere = async (...services: string[]) => {
    const other = await openIncident(store, {playbook, facts: {service: services[0]}, actor: 'alice'})
    for (const service of services)
      await publishUpdate(
        {incident: other.id, phase: 'investigating', facts: {service}, yes: true, interactive: false, channels: ['x']},
        deps,
      )
    return x.tweets.slice(-services.length)
  }
  const slackPosts = () => slack.requests.filter((r) => r.method === 'POST').length
  return {id, playbook, store, deps, x, slack, post, result, elsewhere, slackPosts}
}

describe('what retry picks up', () => {
  it('a part never sent is sent without looking for it first', async () => {
    const w = await retryIncident()
    await w.post(1, ['x'])
    const retried = await retryFailed({incident: w.id}, w.deps)
    expect(retried.updates[0].deliveries.map((d) => [d.channel, d.status])).toEqual([['x', 'published']])
    expect(w.x.requests.map((r) => `${r.method} ${r.path.replace(/\d+/g, ':id')}`)).toEqual(['POST /:id/tweets'])
  })

  it('an approved update never sent (Candor stopped before sending) is sent; one never approved is not', async () => {
    const w = await retryIncident()
    await w.post(1, ['chat'])
    await w.post(2, ['x'], false)
    const retried = await retryFailed({incident: w.id}, w.deps)
    expect(retried.updates).toEqual([
      {
        update: 1,
        phase: 'investigating',
        deliveries: [expect.objectContaining({channel: 'chat', status: 'published'})],
      },
    ])
    expect(w.slackPosts()).toBe(1)
    expect(w.x.tweets).toHaveLength(0)
  })

  it('lists only the updates with something to retry, and leaves out channels the playbook no longer has', async () => {
    const w = await retryIncident()
    await w.post(1, ['x', 'chat', 'pager'])
    await w.result(1, 'x', 'published', 'tweet-1')
    await w.result(1, 'chat', 'failed')
    await w.post(2, ['x'])
    await w.result(2, 'x', 'published', 'tweet-2')
    const retried = await retryFailed({incident: w.id, channels: []}, w.deps)
    expect(retried.updates.map((u) => [u.update, u.deliveries.map((d) => [d.channel, d.status])])).toEqual([
      [1, [['chat', 'published']]],
    ])
    expect(w.slack.requests.filter((r) => r.method === 'POST').map((r) => JSON.stringify(r.body))).toEqual([
      expect.stringContaining(`Chat: ${TEXT}`),
    ])
  })

  it('nothing to retry: nothing sent, no credentials needed', async () => {
    const w = await retryIncident()
    await w.post(1, ['x'])
    await w.result(1, 'x', 'published', 'tweet-1')
    expect(await retryFailed({incident: w.id}, {...w.deps, env: {}})).toEqual({
      incident: w.id,
      updates: [],
      resolved: [],
      warnings: [],
    })
  })

  it('a part that failed without a clear answer is looked for first: found on the platform, not sent again', async () => {
    const w = await retryIncident()
    // The post did reach X (the answer was lost): X shows it on the account's timeline.
    await w.elsewhere('Acme')
    expect(w.x.tweets.map((t) => t.text)).toEqual([TEXT])
    await w.post(1, ['x'])
    await w.result(1, 'x', 'failed')
    const retried = await retryFailed({incident: w.id}, w.deps)
    // A failed part is no unknown one: looked for by the delivery, not settled first.
    expect(retried.resolved).toEqual([])
    expect(w.x.tweets).toHaveLength(1)
    expect(retried.updates[0].deliveries).toEqual([
      expect.objectContaining({channel: 'x', status: 'published', ids: [w.x.tweets[0].id]}),
    ])
  })

  it('missing credentials: names them and says what to do', async () => {
    const w = await retryIncident()
    await w.post(1, ['x', 'chat'])
    await expect(retryFailed({incident: w.id}, {...w.deps, env: {}})).rejects.toMatchObject({
      code: 'credentials_missing',
      message:
        'nothing was retried: missing credentials: set CANDOR_X_APP_KEY, CANDOR_X_APP_SECRET, CANDOR_X_ACCESS_TOKEN, CANDOR_X_ACCESS_SECRET, CANDOR_CHAT_WEBHOOK_URL',
      suggestions: ['Set the variables (in the environment or .env), then run retry again'],
    })
  })

  it('takes the lock as `retry`: a command waiting for the incident is told who is retrying', async () => {
    const w = await retryIncident()
    await w.post(1, ['chat'])
    await w.store.append(w.id, {type: 'delivery_attempt', by: 'alice', update: 1, channel: 'chat', part: 1, attempt: 1})
    let answer!: (a: 'sent' | 'lost') => void
    let asking!: () => void
    const atQuestion = new Promise<void>((resolve) => (asking = resolve))
    const retrying = retryFailed(
      {
        incident: w.id,
        ask: () => {
          asking()
          return new Promise((resolve) => (answer = resolve))
        },
      },
      w.deps,
    )
    // Retry holds the lock while it asks about the unknown part.
    await atQuestion
    const owners: unknown[] = []
    const waiting = retryFailed(
      {incident: w.id, assume: 'sent'},
      {
        ...w.deps,
        actor: 'bob',
        onLockWait: (owner) => {
          owners.push(owner)
          answer('sent')
        },
      },
    )
    expect((await retrying).resolved).toEqual([{update: 1, channel: 'chat', part: 1, how: 'assumed-sent'}])
    expect((await waiting).updates).toEqual([])
    expect(owners).toEqual([expect.objectContaining({command: 'retry', by: 'alice'})])
  })

  it('checks it still holds the incident before sending: a lost lock sends nothing', async () => {
    const w = await retryIncident()
    await w.post(1, ['chat'])
    const lost = new Error('the lock of the incident was lost')
    // The file store's lock cannot be lost; a store whose lock says it was (as PostgreSQL's can).
    const store = new Proxy(w.store, {
      get(target, name) {
        if (name === 'lock')
          return async (...args: Parameters<typeof target.lock>) => {
            const lock = await target.lock(...args)
            return {
              release: () => lock.release(),
              ensureHeld: async () => {
                throw lost
              },
            }
          }
        const value = Reflect.get(target, name)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    await expect(retryFailed({incident: w.id}, {...w.deps, store})).rejects.toBe(lost)
    expect(w.slackPosts()).toBe(0)
  })
})

describe('the fan-out of a retry', () => {
  it('has every channel of an update in flight at once', async () => {
    const w = await retryIncident()
    // Approved, never sent: both channels are retried.
    await w.post(1, ['x', 'chat'])
    const barrier = new Barrier(['x', 'chat'], {what: 'a post on both channels', timeoutMs: 5000})
    w.x.inFlight.hold((r) => (r.method === 'POST' ? barrier.arrive('x') : undefined))
    w.slack.inFlight.hold((r) => (r.method === 'POST' ? barrier.arrive('chat') : undefined))
    const retried = await retryFailed({incident: w.id}, w.deps)
    barrier.assertMet()
    expect(retried.updates[0].deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['x', 'published'],
      ['chat', 'published'],
    ])
  })
})

describe('the templates a publish checks', () => {
  /** A playbook on a Markdown blog whose `resolved` post is `resolved`; the incident opened while it was fine. */
  async function blogIncident() {
    const texts = (resolved: string) => ({investigating: '{{service}} is down.', resolved})
    const {playbook, store, deps, write} = folderChannelPlaybook('markdown', texts('{{service}} works again.'))
    const {id} = await openIncident(store, {playbook, facts: {service: 'Acme'}, actor: 'alice'})
    const publish = (phase?: string) =>
      publishUpdate({incident: id, ...(phase && {phase}), facts: {}, yes: true, interactive: false}, deps)
    /** Writes the playbook again with another text for the resolved post. */
    const writeResolved = (resolved: string) => write(texts(resolved))
    return {writeResolved, publish}
  }

  it("only the phase's own: a broken template in another phase does not stop it; its own is refused where it is", async () => {
    const w = await blogIncident()
    w.writeResolved('{{nosuch}} works again.')
    expect((await w.publish('investigating')).deliveries.map((d) => d.status)).toEqual(['published'])
    await expect(w.publish('resolved')).rejects.toMatchObject({
      code: 'playbook_invalid',
      message: expect.stringMatching(/incident\.yaml:\d+:\d+: post "resolved\.blog": uses fact "nosuch"/),
    })
    await expect(w.publish()).rejects.toMatchObject({
      code: 'phase_missing',
      message: 'missing --phase; phases of incident: investigating, resolved',
    })
  })
})

describe('a policy rule overridden for one update (--allow)', () => {
  it('lets the post out and journals who overrode which rule and what it let through; none given, none journaled', async () => {
    const {playbook, store, deps} = folderChannelPlaybook('markdown', {investigating: '{{service}} is down.'})
    const {id} = await openIncident(store, {playbook, facts: {service: 'Host 10.1.2.3'}, actor: 'alice'})
    const publish = (allow: string[]) =>
      publishUpdate({incident: id, phase: 'investigating', facts: {}, yes: true, interactive: false, allow}, deps)
    await expect(publish([])).rejects.toMatchObject({message: expect.stringContaining('10.1.2.3')})
    const result = await publish(['private-ip'])
    expect(result.deliveries.map((d) => d.status)).toEqual(['published'])
    expect(result.warnings).toEqual([
      expect.stringMatching(/^blog: policy rule "private-ip" overridden with --allow: /),
    ])
    const overrides = (await store.read(id)).events.filter((e) => e.type === 'policy_override')
    expect(overrides).toEqual([
      expect.objectContaining({
        by: 'alice',
        update: 1,
        rules: ['private-ip'],
        hits: [{channel: 'blog', rule: 'private-ip', match: '10.1.2.3'}],
      }),
    ])
    // A post that breaks no rule, published without --allow: no override journaled.
    await publishUpdate(
      {incident: id, phase: 'investigating', facts: {service: 'Acme'}, yes: true, interactive: false},
      deps,
    )
    expect((await store.read(id)).events.filter((e) => e.type === 'policy_override')).toHaveLength(1)
  })
})

describe('retry on a channel that drops repeats', () => {
  it('a status site part whose fate is unknown is sent again without asking anyone: rebuilding twice is harmless', async () => {
    const {playbook, folder: site, store, deps} = folderChannelPlaybook('site', {investigating: '{{service}} is down.'})
    const {id} = await openIncident(store, {playbook, facts: {service: 'Acme'}, actor: 'alice'})
    const post: RenderedPostRecord = {channel: 'status', type: 'site', parts: [{text: TEXT, length: 13, limit: null}]}
    await store.append(id, {type: 'rendered', by: 'alice', update: 1, phase: 'investigating', posts: [post]})
    await store.append(id, {type: 'approved', by: 'alice', update: 1, channels: ['status'], declined: []})
    await store.append(id, {type: 'delivery_attempt', by: 'alice', update: 1, channel: 'status', part: 1, attempt: 1})
    const retried = await retryFailed({incident: id}, deps)
    expect(retried.resolved).toEqual([{update: 1, channel: 'status', part: 1, how: 'idempotent'}])
    expect(retried.updates[0].deliveries.map((d) => [d.channel, d.status])).toEqual([['status', 'published']])
    expect(readFileSync(path.join(site, 'incidents', `${id}.html`), 'utf8')).toContain('Acme is down.')
  })
})

describe('retry settling an unknown part by looking it up', () => {
  it('Bluesky by the record key journaled with the attempt, Slack in the incident thread: found, not sent twice', async () => {
    const w: ThreadWorld = await threadWorld()
    closers.push(() => w.close())
    await w.publish('investigating')
    // Update 2 reaches both platforms, but neither answer comes back (and no retry is allowed to look).
    w.bluesky.fail({kind: 'lose-answer'}, 1, {nsid: 'com.atproto.repo.createRecord'})
    w.slack.fail({kind: 'lose-answer'}, 1, {method: 'POST', path: '/api/chat.postMessage'})
    const sent = await publishUpdate(
      {incident: w.id, phase: 'identified', facts: {}, yes: true, interactive: false},
      {...w.deps, retries: 0},
    )
    expect(sent.deliveries.map((d) => d.status)).toEqual(['failed', 'failed'])
    expect([w.bluesky.posts.length, w.slack.messages.length]).toEqual([2, 2])
    // Then Candor stopped while sending each again: an attempt with no result makes the part unknown.
    const {state} = await loadIncident(w.deps.store, w.id)
    for (const channel of ['bluesky', 'slack']) {
      const attempts = state.events.flatMap((e) => (e.type === 'delivery_attempt' && e.channel === channel ? [e] : []))
      const {seq, at, ...last} = attempts.at(-1)!
      await w.deps.store.append(w.id, {...last, attempt: last.attempt + 1} as NewEvent)
    }
    const retried = await retryFailed({incident: w.id}, w.deps)
    expect(retried.resolved).toEqual([
      {update: 2, channel: 'bluesky', part: 1, how: 'found'},
      {update: 2, channel: 'slack', part: 1, how: 'found'},
    ])
    expect([w.bluesky.posts.length, w.slack.messages.length]).toEqual([2, 2])
  })
})

import {afterEach, describe, expect, it} from 'vitest'
import type {GatewayErrorFault} from '../../src/infrastructure/sandbox/fakes/fake-server.js'
import {
  allChannelsWorld,
  EXAMPLE_FACTS,
  liveTotal,
  readJournal,
  type AllChannelsWorld,
} from '../helpers/all-channels.js'

/**
 * Channels that can't be asked whether a post arrived (Discord and Slack incoming webhooks,
 * email) must never send a part again after an answer that may come after the post was
 * made: a 500, 502 or 504 (a gateway's answer when the platform's own was late or broken),
 * or for SMTP a connection lost after the message's final ".". Those parts are left
 * "unknown" for a person; answers that say the request was not processed (503 and 429 over
 * HTTP, a 4xx reply after DATA in SMTP, RFC 5321 §4.2.5) are retried. See
 * docs/reliability.md, docs/channels/discord.md, slack.md and email.md.
 */

let world: AllChannelsWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const DISCORD_POST = {method: 'POST', path: '/api/webhooks/:id/:token'}
const SLACK_HOOK_POST = {method: 'POST', path: '/services/:team/:bot/:secret'}

async function open(id: string): Promise<AllChannelsWorld> {
  const w = (world = await allChannelsWorld({slackWebhook: true}))
  const r = await w.cli(['incident', 'open', w.playbook, '--facts', EXAMPLE_FACTS, '--id', id])
  expect(r.code, r.stderr).toBe(0)
  return w
}

/** Queues `fault` on the channel's fake for its next post. */
function failNextPost(
  w: AllChannelsWorld,
  channel: 'discord' | 'slack-hook',
  fault: GatewayErrorFault | {status: 500 | 503},
): void {
  if (channel === 'discord') w.fakes.discord.fail(fault, 1, DISCORD_POST)
  else w.fakes.slack.fail(fault, 1, SLACK_HOOK_POST)
}

const posts = (w: AllChannelsWorld, channel: string) =>
  channel === 'discord'
    ? w.fakes.discord.requests.filter((r) => r.method === 'POST').length
    : w.fakes.slack.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/services/')).length

describe('a webhook that answers 500, 502 or 504 after the post was made', () => {
  it.each([
    ['discord', 502],
    ['slack-hook', 502],
    ['discord', 504],
    ['slack-hook', 500],
  ] as const)('%s %i: sent once, left to a person, exactly one copy after retry', async (channel, status) => {
    const w = await open('gw')
    failNextPost(w, channel, {kind: 'gateway-error', status})

    const publish = await w.cli(['publish', '--phase', 'investigating', '--channel', channel, '--yes', '--json'])
    expect(publish.code, publish.stderr).toBe(3)
    expect(JSON.parse(publish.stdout).deliveries).toEqual([
      expect.objectContaining({
        channel,
        status: 'failed',
        error: expect.stringMatching(new RegExp(`answered ${status}.*may or may not be on ${channel}`)),
      }),
    ])
    expect(liveTotal(w, 'gw', channel)).toBe(1)
    expect(posts(w, channel)).toBe(1)
    const status1 = JSON.parse((await w.cli(['status', '--json'])).stdout)
    expect(status1.unfinished).toEqual([expect.objectContaining({update: 1, channel, status: 'unknown'})])

    // In a script nobody can say whether it is there: retry stops and sends nothing.
    const blind = await w.cli(['retry', '--json'])
    expect(blind.code).toBe(1)
    expect(JSON.parse(blind.stdout).error).toMatchObject({code: 'delivery_unknown'})
    expect(posts(w, channel)).toBe(1)

    // A person looked: it is there.
    const settled = await w.cli(['retry', '--channel', channel, '--assume-sent', '--json'])
    expect(settled.code, settled.stderr).toBe(0)
    expect(JSON.parse(settled.stdout).resolved).toEqual([{update: 1, channel, part: 1, how: 'assumed-sent'}])
    expect(liveTotal(w, 'gw', channel)).toBe(1)
    expect(posts(w, channel)).toBe(1)
    expect((await w.cli(['retry'])).stdout).toContain('Nothing to retry')
  })

  it.each(['discord', 'slack-hook'] as const)(
    '%s 500 that came before the post was made: a person says so, and it is sent once',
    async (channel) => {
      const w = await open('lost')
      failNextPost(w, channel, {status: 500})
      expect((await w.cli(['publish', '--phase', 'investigating', '--channel', channel, '--yes'])).code).toBe(3)
      expect(liveTotal(w, 'lost', channel)).toBe(0)
      const settled = await w.cli(['retry', '--channel', channel, '--assume-lost', '--json'])
      expect(settled.code, settled.stderr).toBe(0)
      expect(liveTotal(w, 'lost', channel)).toBe(1)
      const {state} = await readJournal(w, 'lost')
      expect(state.updates[0].deliveries.get(channel)!.parts.map((p) => p.status)).toEqual(['published'])
    },
  )
})

describe('answers that say the post was not processed are retried', () => {
  it.each(['discord', 'slack-hook'] as const)('%s 503: retried, one copy', async (channel) => {
    const w = await open('busy')
    failNextPost(w, channel, {status: 503})
    const publish = await w.cli(['publish', '--phase', 'investigating', '--channel', channel, '--yes', '--json'])
    expect(publish.code, publish.stderr).toBe(0)
    expect(JSON.parse(publish.stdout).deliveries).toEqual([expect.objectContaining({channel, status: 'published'})])
    expect(posts(w, channel)).toBe(2)
    expect(liveTotal(w, 'busy', channel)).toBe(1)
  })
})

describe('email (SMTP)', () => {
  it('451 after DATA (not accepted, RFC 5321 §4.2.5) is retried: one mail', async () => {
    const w = await open('mail-451')
    w.fakes.smtp.fail({status: 451})
    const publish = await w.cli(['publish', '--phase', 'investigating', '--channel', 'email', '--yes', '--json'])
    expect(publish.code, publish.stderr).toBe(0)
    expect(w.fakes.smtp.connections).toBe(2)
    expect(liveTotal(w, 'mail-451', 'email')).toBe(1)
  })

  it('554 after DATA (refused for good) is not retried: no mail, the part failed', async () => {
    const w = await open('mail-554')
    w.fakes.smtp.fail({status: 554})
    const publish = await w.cli(['publish', '--phase', 'investigating', '--channel', 'email', '--yes', '--json'])
    expect(publish.code).toBe(3)
    expect(JSON.parse(publish.stdout).deliveries[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('refused the message (554'),
    })
    expect(w.fakes.smtp.connections).toBe(1)
    expect(liveTotal(w, 'mail-554', 'email')).toBe(0)
  })

  it('a connection lost after the final "." leaves the mail to a person: exactly one copy after retry', async () => {
    const w = await open('mail-lost')
    w.fakes.smtp.fail({kind: 'lose-answer'})
    const publish = await w.cli(['publish', '--phase', 'investigating', '--channel', 'email', '--yes', '--json'])
    expect(publish.code, publish.stderr).toBe(3)
    expect(JSON.parse(publish.stdout).deliveries[0].error).toMatch(/may or may not be on email/)
    expect(w.fakes.smtp.connections).toBe(1)
    expect(liveTotal(w, 'mail-lost', 'email')).toBe(1)
    const blind = await w.cli(['retry', '--json'])
    expect(blind.code).toBe(1)
    expect(JSON.parse(blind.stdout).error).toMatchObject({code: 'delivery_unknown'})
    const settled = await w.cli(['retry', '--channel', 'email', '--assume-sent'])
    expect(settled.code, settled.stderr).toBe(0)
    expect(w.fakes.smtp.connections).toBe(1)
    expect(liveTotal(w, 'mail-lost', 'email')).toBe(1)
  })
})

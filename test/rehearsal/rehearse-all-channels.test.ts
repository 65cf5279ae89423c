import {afterEach, describe, expect, it} from 'vitest'
import {
  allChannelsEnv,
  CHANNELS,
  closeFakes,
  type Fakes,
  SLACK_HOOK,
  startFakes,
  writeAllChannelsPlaybook,
} from '../helpers/all-channels.js'
import {tempDir} from '../helpers/cli.js'
import {rehearse} from './rehearse-world.js'

/**
 * Every channel type rehearsed at once: the shipped outage playbook with one channel of every
 * type, whose endpoints (and the environment's credentials) point at loopback fakes standing
 * in for the real platforms. The rehearsal goes to its sandbox only, every thread links.
 */

const opened: Fakes[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => closeFakes(f)))
})

describe('candor rehearse with every channel type', () => {
  it('delivers every channel and links every thread, and the "real" platforms hear nothing', async () => {
    const fakes = await startFakes()
    opened.push(fakes)
    const dir = tempDir('candor-rehearse-all-')
    const playbook = writeAllChannelsPlaybook(dir, fakes, [...CHANNELS, SLACK_HOOK])
    const {report, received} = await rehearse(playbook, {
      start: new Date('2026-03-02T14:00:00Z'),
      env: allChannelsEnv(fakes),
    })
    const notLint = report.phases.flatMap((p) =>
      p.channels.flatMap((c) =>
        c.problems
          .filter((x) => !x.rule.startsWith('lint:'))
          .map((x) => `${p.phase} › ${c.channel} › ${x.rule}: ${x.message}`),
      ),
    )
    expect(notLint).toEqual([])
    // Each channel the sandbox shows got one post per phase (or more parts); Statuspage's postmortem
    // goes on the incident itself, not as an update.
    for (const name of [
      'x',
      'mastodon',
      'bluesky',
      'facebook',
      'slack',
      'slack-hook',
      'discord',
      'webhook',
      'email',
      'statuspage',
    ])
      expect(received.filter((p) => p.channel === name).length, name).toBeGreaterThanOrEqual(
        name === 'statuspage' ? 4 : 5,
      )
    expect(fakes.x.requests).toEqual([])
    expect(fakes.mastodon.requests).toEqual([])
    expect(fakes.slack.requests).toEqual([])
    expect(fakes.statuspage.requests).toEqual([])
    expect(fakes.smtp.messages).toEqual([])
  }, 120_000)
})

import {afterEach, describe, expect, it} from 'vitest'
import {
  allChannelsWorld,
  checkExactlyOnce,
  EXAMPLE_FACTS,
  liveTotal,
  readJournal,
  type AllChannelsWorld,
} from '../helpers/all-channels.js'

/**
 * Publishing a phase channel by channel, then everywhere: a channel whose latest update
 * already is this one (same phase, same facts) is skipped and named; only the channels that
 * lack it get it. `--again` is the way to send it once more on purpose.
 */

let world: AllChannelsWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

async function open(id: string): Promise<AllChannelsWorld> {
  const w = (world = await allChannelsWorld())
  const r = await w.cli(['incident', 'open', w.playbook, '--facts', EXAMPLE_FACTS, '--id', id])
  expect(r.code, r.stderr).toBe(0)
  return w
}

describe('publishing a phase channel by channel, then everywhere', () => {
  it('-c x, then -c mastodon, then every channel: each channel gets the update exactly once', async () => {
    const w = await open('partial')
    const first = await w.cli(['publish', '-p', 'investigating', '-c', 'x', '--yes'])
    expect(first.code, first.stderr).toBe(0)
    const second = await w.cli(['publish', '-p', 'investigating', '-c', 'mastodon', '--yes'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).not.toContain('skipped')

    const third = await w.cli(['publish', '-p', 'investigating', '--yes', '--json'])
    expect(third.code, third.stderr).toBe(0)
    const out = JSON.parse(third.stdout)
    expect(out.update).toBe(3)
    const byChannel = Object.fromEntries(out.deliveries.map((d: {channel: string}) => [d.channel, d]))
    expect(byChannel.x).toEqual({
      channel: 'x',
      status: 'skipped',
      ids: [w.fakes.x.tweets[0].id],
      urls: [expect.any(String)],
      already: {update: 1, status: 'published'},
    })
    expect(byChannel.mastodon).toMatchObject({status: 'skipped', already: {update: 2, status: 'published'}})
    for (const c of w.channels.filter((c) => c.name !== 'x' && c.name !== 'mastodon'))
      expect(byChannel[c.name], c.name).toMatchObject({status: 'published'})

    // Every fake (and the blog and the site) holds the update exactly once.
    for (const c of w.channels) expect(liveTotal(w, 'partial', c.name), c.name).toBe(1)
    const {state} = await readJournal(w, 'partial')
    expect(checkExactlyOnce(w, 'partial', state, w.channels).problems).toEqual([])
    // Update 3 is only about the channels that lacked it.
    expect(state.updates[2].posts.map((p) => p.channel).sort()).toEqual(
      w.channels
        .map((c) => c.name)
        .filter((n) => n !== 'x' && n !== 'mastodon')
        .sort(),
    )

    // Once more: every channel has it. Said so, nothing recorded or sent, exit 0, no prompt.
    const fourth = await w.cli(['publish', '-p', 'investigating', '--yes'])
    expect(fourth.code, fourth.stderr).toBe(0)
    expect(fourth.stdout).toContain('x: already has update 1, skipped')
    expect(fourth.stdout).toContain('mastodon: already has update 2, skipped')
    expect(fourth.stdout).toContain('discord: already has update 3, skipped')
    expect(fourth.stdout).toContain('Nothing was sent: every channel already has this update.')
    for (const c of w.channels) expect(liveTotal(w, 'partial', c.name), c.name).toBe(1)
    expect((await readJournal(w, 'partial')).state.updates).toHaveLength(3)
    // Without --yes and without a terminal, still no prompt needed: nothing would be sent.
    const unattended = await w.cli(['publish', '-p', 'investigating', '--json'])
    expect(unattended.code, unattended.stderr).toBe(0)
    expect(JSON.parse(unattended.stdout)).toMatchObject({
      update: null,
      deliveries: expect.arrayContaining([
        expect.objectContaining({channel: 'x', status: 'skipped', already: {update: 1, status: 'published'}}),
      ]),
    })
  })

  it('new facts make a new update everywhere; --again sends the same one again on purpose', async () => {
    const w = await open('facts')
    expect((await w.cli(['publish', '-p', 'investigating', '-c', 'discord', '--yes'])).code).toBe(0)
    const changed = await w.cli([
      'publish',
      '-p',
      'investigating',
      '-c',
      'discord',
      '-c',
      'slack',
      '--set',
      'impact=Calls drop after a minute',
      '--yes',
      '--json',
    ])
    expect(changed.code, changed.stderr).toBe(0)
    expect(
      JSON.parse(changed.stdout).deliveries.map((d: {channel: string; status: string}) => [d.channel, d.status]),
    ).toEqual([
      ['slack', 'published'],
      ['discord', 'published'],
    ])
    expect(w.fakes.discord.messages).toHaveLength(2)
    const again = await w.cli(['publish', '-p', 'investigating', '-c', 'discord', '--again', '--yes'])
    expect(again.code, again.stderr).toBe(0)
    expect(w.fakes.discord.messages).toHaveLength(3)
  })

  it('a channel whose update is not finished is skipped too, and retry is named for it (exit 3)', async () => {
    const w = await open('unfinished')
    w.fakes.discord.fail({status: 401})
    expect((await w.cli(['publish', '-p', 'investigating', '-c', 'discord', '-c', 'slack', '--yes'])).code).toBe(3)
    const r = await w.cli(['publish', '-p', 'investigating', '-c', 'discord', '-c', 'slack', '--yes'])
    expect(r.code).toBe(3)
    expect(r.stdout).toContain('discord: already has update 1 (failed there: `candor retry` finishes it), skipped')
    expect(r.stderr).toContain('run `candor retry --incident unfinished`')
    expect(w.fakes.discord.messages).toHaveLength(0)
    expect(w.fakes.slack.messages).toHaveLength(1)
    expect((await w.cli(['retry'])).code).toBe(0)
    expect(w.fakes.discord.messages).toHaveLength(1)
  })
})

import {describe, expect, it} from 'vitest'
import type {JournalEvent} from '../../src/services/incident/events.js'
import {CHANNEL_KINDS, type ChannelType} from '../../src/channels/registry.js'
import {checkThreads, type ReceivedPost, type ThreadedChannel} from '../../src/services/rehearsal/threads.js'

/** The journal's published parts, as `delivery_result` events. */
function published(parts: Array<[channel: string, update: number, part: number, id: string]>): JournalEvent[] {
  return parts.map(([channel, update, part, id], i) => ({
    seq: i + 2,
    at: '2026-03-02T14:00:00.000Z',
    by: 'tester',
    type: 'delivery_result',
    update,
    channel,
    part,
    status: 'published',
    remote: {id},
  }))
}

function post(channel: string, type: string, id: string, reply_to: string | null): ReceivedPost {
  return {channel, type, id, text: 'text', reply_to}
}

type Channels = Parameters<typeof checkThreads>[1]

const channelOf = (type: ChannelType, options: Record<string, unknown> = {}): ThreadedChannel => ({
  kind: CHANNEL_KINDS[type],
  options,
})

const channels: Channels = new Map([
  ['x', channelOf('x')],
  ['facebook', channelOf('facebook')],
  ['chat', channelOf('slack')],
])

describe('checkThreads: the journal against what the sandbox received', () => {
  it('passes a linked thread: each update replies into the one before, split parts chained', () => {
    const events = published([
      ['x', 1, 1, 'a'],
      ['x', 2, 1, 'b'],
      ['x', 2, 2, 'c'],
      ['facebook', 1, 1, 'f1'],
      ['facebook', 2, 1, 'f2'],
    ])
    const received = [
      post('x', 'x', 'a', null),
      post('x', 'x', 'b', 'a'),
      post('x', 'x', 'c', 'b'),
      // Facebook posts stand alone, as on the platform.
      post('facebook', 'facebook', 'f1', null),
      post('facebook', 'facebook', 'f2', null),
    ]
    expect(checkThreads(events, channels, received)).toEqual([])
  })

  it('names an update that started a new thread, a part that replies elsewhere, and a post the sandbox never got', () => {
    const events = published([
      ['x', 1, 1, 'a'],
      ['x', 2, 1, 'b'],
      ['x', 3, 1, 'c'],
      ['x', 3, 2, 'd'],
      ['x', 4, 1, 'e'],
    ])
    const received = [
      post('x', 'x', 'a', null),
      post('x', 'x', 'b', null),
      post('x', 'x', 'c', 'b'),
      post('x', 'x', 'd', 'zzz'),
    ]
    expect(checkThreads(events, channels, received)).toEqual([
      {update: 2, channel: 'x', rule: 'thread', message: expect.stringContaining('starts a new thread')},
      {update: 3, channel: 'x', rule: 'thread', message: expect.stringContaining('(part 2) replies to zzz')},
      {update: 4, channel: 'x', rule: 'delivered', message: expect.stringContaining('the sandbox has no such post')},
    ])
  })

  it('does not ask a Slack incoming webhook (no channel ID) to thread; a bot-mode channel must', () => {
    const events = published([
      ['chat', 1, 1, 's1'],
      ['chat', 2, 1, 's2'],
    ])
    const received = [post('chat', 'slack', 's1', null), post('chat', 'slack', 's2', null)]
    expect(checkThreads(events, channels, received)).toEqual([])
    const bot: Channels = new Map([['chat', channelOf('slack', {channel: 'C0123'})]])
    expect(checkThreads(events, bot, received).map((p) => p.rule)).toEqual(['thread'])
  })

  it('finds a Statuspage update by the id in `ref`, and takes its postmortem on the incident as linked', () => {
    const result = (update: number, ref?: Record<string, string>): JournalEvent => ({
      seq: update + 1,
      at: '2026-03-02T14:00:00.000Z',
      by: 'tester',
      type: 'delivery_result',
      update,
      channel: 'status',
      part: 1,
      status: 'published',
      remote: {id: 'inc1', ...(ref && {ref})},
    })
    const events = [
      result(1, {incident_update_id: 'u1'}),
      result(2, {incident_update_id: 'u2'}),
      result(3, {postmortem: 'true'}),
    ]
    const status: Channels = new Map([['status', channelOf('statuspage')]])
    const received = [post('status', 'statuspage', 'inc1', null), post('status', 'statuspage', 'u2', 'inc1')]
    expect(checkThreads(events, status, received)).toEqual([])
    // Were update 2 filed as an incident of its own, it would not be linked.
    const apart = [post('status', 'statuspage', 'inc1', null), post('status', 'statuspage', 'u2', null)]
    expect(checkThreads(events, status, apart).map((p) => [p.update, p.rule])).toEqual([[2, 'thread']])
  })

  it('matches posts of a platform that gives no id (a Slack incoming webhook) by count', () => {
    const events = published([
      ['chat', 1, 1, 'candor-1'],
      ['chat', 2, 1, 'candor-2'],
    ])
    expect(
      checkThreads(events, channels, [post('chat', 'slack', 'a', null), post('chat', 'slack', 'b', null)]),
    ).toEqual([])
    expect(checkThreads(events, channels, [post('chat', 'slack', 'a', null)]).map((p) => p.rule)).toEqual([
      'delivered',
      'delivered',
    ])
  })
})

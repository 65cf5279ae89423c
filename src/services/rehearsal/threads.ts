import type {ChannelConfig} from '../../domain/playbook/model.js'
import type {JournalEvent} from '../incident/events.js'

/** A post as the sandbox received it (`GET /api/posts`, docs/sandbox.md). */
export interface ReceivedPost {
  channel: string
  type: string
  id: string
  text: string
  reply_to: string | null
  deleted?: boolean
}

/** A problem found on one update of one channel. */
export interface ChannelProblem {
  update: number
  channel: string
  rule: 'delivered' | 'thread'
  message: string
}

/** A channel as the thread check needs it: its kind says whether its platform links updates. */
export type ThreadedChannel = Pick<ChannelConfig, 'kind' | 'options'>

/** Whether the channel's updates should be linked into one thread on its platform. */
export function threadsUpdates(channel: ThreadedChannel): boolean {
  return channel.kind.linksUpdates?.(channel.options) ?? false
}

/**
 * What the sandbox received compared with what the journal says was published: every
 * published part is on the sandbox (channels that post somewhere the sandbox sees), and on
 * a channel that threads, every part after the channel's first replies to an earlier one of
 * the same channel (so each update is linked into the thread, and split parts are chained).
 */
export function checkThreads(
  events: readonly JournalEvent[],
  channels: ReadonlyMap<string, ThreadedChannel>,
  all: readonly ReceivedPost[],
): ChannelProblem[] {
  const problems: ChannelProblem[] = []
  const published = new Map<string, Array<{update: number; part: number; ids: string[]}>>()
  for (const e of events)
    if (e.type === 'delivery_result' && e.status === 'published' && e.remote?.id) {
      // Where the platform files the update under another id than the thread's (a Statuspage
      // incident's update), `ref` holds it: look for that first.
      const ids = [...Object.values(e.remote.ref ?? {}).filter((v) => typeof v === 'string'), e.remote.id]
      published.set(e.channel, [...(published.get(e.channel) ?? []), {update: e.update, part: e.part, ids}])
    }
  for (const [name, parts] of published) {
    const channel = channels.get(name)
    if (!channel || channel.kind.writesFiles) continue
    const received = all.filter((p) => p.channel === name)
    const onSandbox = new Map(received.map((p) => [p.id, p]))
    const earlier: string[] = []
    for (const part of parts.sort((a, b) => a.update - b.update || a.part - b.part)) {
      const id = part.ids.find((i) => onSandbox.has(i))
      const post = id === undefined ? undefined : onSandbox.get(id)
      const label = parts.some((p) => p.update === part.update && p.part > 1) ? ` (part ${part.part})` : ''
      if (!post) {
        // A platform that answers with no id (a Slack incoming webhook: Candor names the post itself)
        // cannot be matched by id: then only a missing post counts.
        if (received.length < parts.length)
          problems.push({
            update: part.update,
            channel: name,
            rule: 'delivered',
            message: `journaled as published${label} with id ${part.ids.at(-1)}, but the sandbox has no such post`,
          })
      } else if (
        threadsUpdates(channel) &&
        earlier.length > 0 &&
        // The thread itself (a Statuspage postmortem goes on the incident), or a reply into it.
        !earlier.includes(post.id) &&
        !(post.reply_to && earlier.includes(post.reply_to))
      ) {
        problems.push({
          update: part.update,
          channel: name,
          rule: 'thread',
          message: post.reply_to
            ? `the post${label} replies to ${post.reply_to}, which is not an earlier post of this channel's thread`
            : `the post${label} starts a new thread instead of replying to the one before`,
        })
      }
      earlier.push(...part.ids)
    }
  }
  return problems
}

// Writes an incident journal of exactly N events directly as JSON lines (what Candor
// itself would have written after a very long incident): an `opened` event, then update
// cycles of rendered → approved → delivery_attempt/delivery_result per channel, with a
// facts change every few updates and, now and then, a failed delivery that is retried.
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

const CHANNELS = [
  {channel: 'x', type: 'x', limit: 280, url: (id) => `https://x.com/i/web/status/${id}`},
  {channel: 'mastodon', type: 'mastodon', limit: 500, url: (id) => `https://mastodon.example/@acme/${id}`},
  {channel: 'bluesky', type: 'bluesky', limit: 300, url: (id) => `https://bsky.app/profile/acme.example/post/${id}`},
  {channel: 'facebook', type: 'facebook', limit: 63206, url: (id) => `https://www.facebook.com/${id}`},
]
const PHASES = ['investigating', 'identified', 'monitoring']
const BY = 'Dana On-Call'

/**
 * @param {string} stateDir state directory to create (incidents/<id>.jsonl inside)
 * @param {{id: string, events: number, playbookFile: string, start?: Date}} opts
 */
export function writeIncidentJournal(
  stateDir,
  {id, events, playbookFile, start = new Date(Date.now() - 2 * 3600_000)},
) {
  const lines = []
  let t = start.getTime() - events * 1000
  let seq = 0
  let remoteId = 1_860_000_000_000_000_000n
  const push = (e) => {
    if (lines.length >= events) return false
    t += 1000
    lines.push(JSON.stringify({...e, seq: ++seq, at: new Date(t).toISOString(), by: BY}))
    return lines.length < events
  }
  push({
    type: 'opened',
    incident: id,
    playbook: {name: 'outage', file: playbookFile},
    started_at: new Date(t).toISOString(),
    facts: {service: 'Acme Voice', impact: 'Calls may fail to connect', regions: ['EU', 'US']},
  })
  for (let update = 1; lines.length < events; update++) {
    const phase = PHASES[(update - 1) % PHASES.length]
    if (
      update % 5 === 0 &&
      !push({
        type: 'facts_changed',
        changes: [
          {
            fact: 'impact',
            from: `Calls may fail to connect (${update - 5})`,
            to: `Calls may fail to connect (${update})`,
          },
        ],
      })
    )
      break
    const text = `Update ${update} on Acme Voice (${phase}): calls may fail to connect for some customers in the EU and US. We are working on it and will post again within 30 minutes. Status: https://status.example.com`
    const posts = CHANNELS.map((c) => ({
      channel: c.channel,
      type: c.type,
      parts: [{text, length: text.length, limit: c.limit}],
    }))
    if (!push({type: 'rendered', update, phase, next_update_due: new Date(t + 30 * 60_000).toISOString(), posts})) break
    if (!push({type: 'approved', update, channels: CHANNELS.map((c) => c.channel), declined: []})) break
    for (const [i, c] of CHANNELS.entries()) {
      const flaky = update % 7 === 0 && i === 1
      if (!push({type: 'delivery_attempt', update, channel: c.channel, part: 1, attempt: 1})) break
      if (flaky) {
        if (
          !push({
            type: 'delivery_result',
            update,
            channel: c.channel,
            part: 1,
            status: 'failed',
            error: 'Mastodon answered 503: Service Unavailable; retrying in 1s',
          })
        )
          break
        if (!push({type: 'delivery_attempt', update, channel: c.channel, part: 1, attempt: 2})) break
      }
      const rid = String(remoteId++)
      if (
        !push({
          type: 'delivery_result',
          update,
          channel: c.channel,
          part: 1,
          status: 'published',
          remote: {id: rid, url: c.url(rid)},
        })
      )
        break
    }
  }
  const dir = path.join(stateDir, 'incidents')
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const file = path.join(dir, `${id}.jsonl`)
  writeFileSync(file, lines.join('\n') + '\n', {mode: 0o600})
  return file
}

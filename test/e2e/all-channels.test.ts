import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {escapeSlackText} from '../../src/channels/slack/adapter.js'
import {webhookId} from '../../src/channels/webhook/adapter.js'
import {
  allChannelsWorld,
  blogFiles,
  checkExactlyOnce,
  EMAIL_TO,
  EXAMPLE_FACTS,
  expectedParts,
  OUTAGE_PHASES,
  PHASE_FACTS,
  readJournal,
  SECRETS,
  type AllChannelsWorld,
} from '../helpers/all-channels.js'
import {X_CREDENTIALS} from '../helpers/x-incident.js'

/**
 * The shipped outage playbook, every phase, published through the CLI to every channel
 * type at once, each against its fake; then every fake's final state is checked.
 * (The `site` channel is included: src/channels/site/adapter.ts builds the status site.)
 */

let world: AllChannelsWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const ID = 'voice-outage'

describe('the outage playbook on every channel at once', () => {
  it('publishes investigating → postmortem everywhere, threaded, and each fake ends up with one incident thread', async () => {
    const w = (world = await allChannelsWorld())
    const open = await w.cli(['incident', 'open', w.playbook, '--facts', EXAMPLE_FACTS, '--id', ID, '--json'])
    expect(open.code, open.stderr).toBe(0)

    const channelNames = w.channels.map((c) => c.name).sort()
    for (const [i, phase] of OUTAGE_PHASES.entries()) {
      const r = await w.cli([
        'publish',
        '--incident',
        ID,
        '--phase',
        phase,
        '--yes',
        '--json',
        ...(PHASE_FACTS[phase] ?? []),
      ])
      expect(r.code, `${phase}: ${r.stderr}${r.stdout}`).toBe(0)
      const out = JSON.parse(r.stdout) as {
        update: number
        deliveries: Array<{channel: string; status: string; error?: string}>
      }
      expect(out.update).toBe(i + 1)
      expect(
        out.deliveries.filter((d) => d.status !== 'published'),
        phase,
      ).toEqual([])
      expect(out.deliveries.map((d) => d.channel).sort()).toEqual(channelNames)
    }

    const {state, warnings} = await readJournal(w, ID)
    expect(warnings).toEqual([])
    const expected = expectedParts(state, w.channels)
    const partsOf = (channel: string) => expected.filter((e) => e.channel === channel)
    const f = w.fakes

    // Every part exactly once everywhere, nothing else.
    const once = checkExactlyOnce(w, ID, state, w.channels)
    expect(once.problems).toEqual([])
    expect(once).toMatchObject({duplicates: 0, losses: 0})

    // X: one chain, each post replying to the one before (long updates are split into numbered parts).
    expect(f.x.tweets.map((t) => t.text)).toEqual(partsOf('x').map((e) => e.text))
    expect(f.x.tweets[0]!.inReplyTo).toBeUndefined()
    for (const [i, t] of f.x.tweets.slice(1).entries()) expect(t.inReplyTo).toBe(f.x.tweets[i]!.id)

    // Mastodon: one chain of replies.
    expect(f.mastodon.statuses.map((s) => s.text)).toEqual(partsOf('mastodon').map((e) => e.text))
    expect(f.mastodon.statuses[0]!.inReplyToId).toBeUndefined()
    for (const [i, s] of f.mastodon.statuses.slice(1).entries()) expect(s.inReplyToId).toBe(f.mastodon.statuses[i]!.id)

    // Bluesky: one thread; every reply names the first post as root and the previous as parent.
    const bsky = f.bluesky.posts
    expect(bsky.map((p) => p.record.text)).toEqual(partsOf('bluesky').map((e) => e.text))
    expect(bsky[0]!.record.reply).toBeUndefined()
    bsky.slice(1).forEach((p, i) => {
      expect(p.record.reply).toEqual({
        root: {uri: bsky[0]!.uri, cid: bsky[0]!.cid},
        parent: {uri: bsky[i]!.uri, cid: bsky[i]!.cid},
      })
    })
    expect(f.bluesky.ancestors(bsky.at(-1)!.uri).map((p) => p.uri)).toEqual(bsky.map((p) => p.uri).reverse())

    // Slack (bot mode): the first message starts the thread; every later update is a reply in it.
    const slack = f.slack.messages
    expect(slack.map((m) => m.text)).toEqual(partsOf('slack').map((e) => escapeSlackText(e.text)))
    expect(slack.every((m) => m.via === 'bot' && m.channel === 'C0INCIDENTS')).toBe(true)
    expect(slack[0]!.threadTs).toBeUndefined()
    for (const m of slack.slice(1)) expect(m.threadTs).toBe(slack[0]!.ts)

    // Facebook: one Page post per update, in order.
    expect(f.facebook.posts.map((p) => p.message)).toEqual(partsOf('facebook').map((e) => e.text))

    // Discord: one message per update; nothing in them can ping anyone.
    expect(f.discord.messages.map((m) => m.content)).toEqual(partsOf('discord').map((e) => e.text))
    for (const m of f.discord.messages)
      expect(m).toMatchObject({allowedMentions: {parse: []}, pinged: false, username: 'Acme Status'})

    // Webhook: every delivery signed (the receiver verifies with the standardwebhooks package
    // and refuses anything else), accepted once, in order, each naming the one before.
    const hooks = f.webhook.deliveries
    expect(f.webhook.requests.map((r) => r.outcome)).toEqual(hooks.map(() => 'accepted'))
    expect(hooks.map((d) => [d.payload.update, d.payload.part, d.payload.text])).toEqual(
      partsOf('webhook').map((e) => [e.update, e.part, e.text]),
    )
    expect(hooks.map((d) => d.payload.phase)).toEqual(partsOf('webhook').map((e) => e.phase))
    expect(hooks.map((d) => d.id)).toEqual(
      partsOf('webhook').map((e) => webhookId(`candor-${ID}-${e.update}-webhook-${e.part}`)),
    )
    hooks.forEach((d, i) => {
      expect(d.payload).toMatchObject({
        type: 'candor.update',
        incident: {id: ID},
        title: 'Acme Voice: service disruption',
        link: 'https://status.acme.example',
      })
      expect(d.payload.reply_to).toBe(i === 0 ? undefined : hooks[i - 1]!.id)
      expect(d.payload.thread_root).toBe(i === 0 ? undefined : hooks[0]!.id)
      if (i > 0) expect(d.timestamp).toBeGreaterThanOrEqual(hooks[i - 1]!.timestamp)
    })

    // Email: one thread by headers; In-Reply-To the previous mail, References from the first.
    const mails = f.smtp.messages
    expect(mails.map((m) => m.text)).toEqual(partsOf('email').map((e) => e.text))
    expect(mails[0]!.inReplyTo).toBeUndefined()
    expect(mails[0]!.references).toEqual([])
    mails.slice(1).forEach((m, i) => {
      expect(m.inReplyTo).toBe(mails[i]!.messageId)
      expect(m.references[0]).toBe(mails[0]!.messageId)
      expect(m.references.at(-1)).toBe(mails[i]!.messageId)
    })
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(mails.length)
    for (const m of mails) {
      expect(m).toMatchObject({
        subject: 'Acme Voice: service disruption',
        envelope: {from: 'status@acme.test', to: EMAIL_TO},
      })
      expect(m.from).toMatch(/^"?Acme Status"? <status@acme\.test>$/)
      expect(m.html).toContain('Acme Voice')
    }

    // Statuspage: one incident, investigating → identified → monitoring → resolved, then the
    // postmortem published as the incident's postmortem; components down, then back up.
    expect(f.statuspage.incidents).toHaveLength(1)
    const incident = f.statuspage.incidents[0]!
    expect(incident).toMatchObject({name: 'Acme Voice: service disruption', status: 'resolved', deleted: false})
    const updates = [...incident.incident_updates].reverse()
    expect(updates.map((u) => u.status)).toEqual(['investigating', 'identified', 'monitoring', 'resolved'])
    const statuspageTexts = partsOf('statuspage').map((e) => e.text)
    expect(updates.map((u) => u.body)).toEqual(statuspageTexts.slice(0, 4))
    expect(incident.postmortem).toMatchObject({
      body: statuspageTexts[4],
      published_at: expect.any(String),
      notify_subscribers: true,
    })
    expect(updates[0]!.affected_components.map((c) => c.new_status)).toEqual(['major_outage', 'major_outage'])
    expect(updates[3]!.affected_components.map((c) => c.new_status)).toEqual(['operational', 'operational'])
    expect([...f.statuspage.components.values()].map((c) => c.status)).toEqual(['operational', 'operational'])
    expect(incident.resolved_at).not.toBeNull()

    // Markdown blog: one post file holding every update, oldest first.
    const files = blogFiles(w.dir)
    expect(files).toEqual([`${new Date(state.startedAt).toISOString().slice(0, 10)}-${ID}.md`])
    const post = readFileSync(path.join(w.dir, 'blog', '_posts', files[0]!), 'utf8')
    expect(post).toMatch(/^---\ntitle: "Acme Voice: service disruption"\n/)
    expect(post).toContain(`candor_incident: "${ID}"`)
    expect(
      [...post.matchAll(/<!-- candor:update=(\d+) part=1 -->\n## (\w+) — /g)].map((m) => [Number(m[1]), m[2]]),
    ).toEqual([
      [1, 'Investigating'],
      [2, 'Identified'],
      [3, 'Monitoring'],
      [4, 'Resolved'],
      [5, 'Postmortem'],
    ])
    let at = 0
    for (const e of partsOf('blog')) {
      const found = post.indexOf(e.text.trimEnd(), at)
      expect(found, `blog update ${e.update}`).toBeGreaterThan(at)
      at = found
    }

    // Status site: the incident page has every update once; the front page is all green again.
    const page = readFileSync(path.join(w.dir, 'site', 'incidents', `${ID}.html`), 'utf8')
    expect([...page.matchAll(/id="update-(\d+)"/g)].map((m) => Number(m[1])).sort()).toEqual([1, 2, 3, 4, 5])
    expect(page).toContain('a faulty network update at one of our data centres')
    expect(readFileSync(path.join(w.dir, 'site', 'index.html'), 'utf8')).toContain('All systems operational')

    // The incident as Candor sees it: resolved, nothing unfinished, last post per channel.
    const status = await w.cli(['status', '--incident', ID, '--json'])
    expect(status.code, status.stderr).toBe(0)
    const s = JSON.parse(status.stdout)
    expect(s).toMatchObject({
      incident: ID,
      phase: 'postmortem',
      resolved: true,
      updates: 5,
      unfinished: [],
      next_update_due: null,
    })
    expect(s.channels.map((c: {channel: string}) => c.channel).sort()).toEqual(channelNames)
    expect(s.channels.find((c: {channel: string}) => c.channel === 'x').id).toBe(f.x.tweets.at(-1)!.id)

    // No credential anywhere in the journal.
    const journal = readFileSync(path.join(w.stateDir, 'incidents', `${ID}.jsonl`), 'utf8')
    for (const secret of [...Object.values(X_CREDENTIALS), ...Object.values(SECRETS), f.webhook.secret])
      expect(journal).not.toContain(secret)
  })
})

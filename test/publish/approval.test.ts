import {appendFileSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {loadIncident, openIncident} from '../../src/services/incident/service.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {approveDraft, publishDraft} from '../../src/services/publish/drafts.js'
import {
  publishUpdate,
  type ApprovalRequest,
  type Approver,
  type PublishDeps,
} from '../../src/services/publish/publish.js'
import {startFakeSmtp, type FakeSmtp} from '../../src/infrastructure/sandbox/fakes/smtp-server.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, writeXPlaybook, xEnv} from '../helpers/x-incident.js'
import {testClock} from '../helpers/test-clock.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

const scripted = (decide: Approver['approve']): Approver => ({approve: decide})

/** An incident whose playbook sends mail (to a fake SMTP server) and builds the status site. */
async function mailAndSite() {
  const dir = tempDir()
  const smtp: FakeSmtp = await startFakeSmtp()
  closers.push(() => smtp.close())
  const file = path.join(dir, 'incident.yaml')
  writeFileSync(
    file,
    `name: incident
facts:
  service: { required: true }
channels:
  email: { type: email, from: "Acme Status <status@acme.test>", to: [customers@acme.test], subject: "[Acme] {{service}} status" }
  site: { type: site, dir: "${path.join(dir, 'site')}", title: Acme Status }
phases:
  investigating:
    next_update: 30m
    posts:
      email: { text: "We are investigating problems with {{service}}." }
      site: { text: "We are investigating problems with {{service}}." }
`,
  )
  const store = new FileIncidentStore(path.join(dir, 'state'))
  const {id} = await openIncident(store, {playbook: file, facts: {service: 'Acme Voice'}, actor: 'dana', id: 'voice-1'})
  const deps: PublishDeps = {
    store,
    actor: 'dana',
    env: {CANDOR_EMAIL_SMTP_URL: smtp.url},
    reporter: {progress() {}},
    backoffMs: 5,
    timeoutMs: 5000,
  }
  return {dir, smtp, store, id, deps}
}

const EDIT = 'We found it <script>alert(1)</script> & are fixing it.'

describe('an edit at the approval prompt', () => {
  it('reaches every form of the post: the mail text, its HTML part and its subject; escaped where it is HTML', async () => {
    const s = await mailAndSite()
    let offered: Record<string, string> = {}
    const approver = scripted(async (req) => {
      offered = Object.fromEntries(req.posts.map((p) => [p.channel, req.editText(p)]))
      const email = req.revise('email', `Subject: [Acme] Voice: we found it\n\n${EDIT}`)
      const site = req.revise('site', EDIT)
      expect([...email.errors, ...site.errors]).toEqual([])
      // An approver that hands back only the new text parts: the other forms must follow anyway.
      const edited = {email, site}
      return {
        action: 'publish',
        channels: ['email', 'site'],
        posts: req.posts.map((p) => ({...p, parts: edited[p.channel as 'email' | 'site'].parts, edited: true})),
      }
    })
    const result = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, interactive: true, approver},
      s.deps,
    )
    expect(result.deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['email', 'published'],
      ['site', 'published'],
    ])

    // The editor showed the subject to edit above the text.
    expect(offered.email).toBe('Subject: [Acme] Acme Voice status\n\nWe are investigating problems with Acme Voice.')
    const [mail] = s.smtp.messages
    expect(mail.subject).toBe('[Acme] Voice: we found it')
    expect(mail.text).toBe(EDIT)
    expect(mail.html).toBe('<p>We found it &lt;script&gt;alert(1)&lt;/script&gt; &amp; are fixing it.</p>')
    expect(mail.raw).not.toContain('investigating problems')

    const page = readFileSync(path.join(s.dir, 'site', 'incidents', 'voice-1.html'), 'utf8')
    expect(page).toContain('We found it &lt;script&gt;alert(1)&lt;/script&gt; &amp; are fixing it.')
    expect(page).not.toContain('<script>alert')
    expect(page).not.toContain('investigating problems')

    // The journal keeps what went out, in every form.
    const {state} = await loadIncident(s.store, s.id)
    const email = state.updates[0].posts.find((p) => p.channel === 'email')!
    expect(email).toMatchObject({
      edited: true,
      subject: '[Acme] Voice: we found it',
      html: mail.html,
      parts: [{text: EDIT}],
    })
  })

  it('an HTML channel shows its text unescaped in the editor, so an edit that keeps it is not escaped twice', async () => {
    const s = await mailAndSite()
    await publishUpdate(
      {
        incident: s.id,
        phase: 'investigating',
        facts: {service: 'R&D <Voice>'},
        interactive: true,
        approver: scripted(async (req) => {
          const site = req.posts.find((p) => p.channel === 'site')!
          expect(site.parts[0].text).toBe('We are investigating problems with R&amp;D &lt;Voice&gt;.')
          const text = req.editText(site)
          expect(text).toBe('We are investigating problems with R&D <Voice>.')
          const revised = req.revise('site', `${text} Sorry.`)
          return {
            action: 'publish',
            channels: ['site'],
            posts: req.posts.map((p) => (p.channel === 'site' ? {...p, parts: revised.parts, edited: true} : p)),
          }
        }),
      },
      s.deps,
    )
    const page = readFileSync(path.join(s.dir, 'site', 'incidents', 'voice-1.html'), 'utf8')
    expect(page).toContain('We are investigating problems with R&amp;D &lt;Voice&gt;. Sorry.')
  })

  it('is checked against the post policy in every form: a subject naming an internal host is refused', async () => {
    const s = await mailAndSite()
    let seen: ReturnType<ApprovalRequest['revise']> | undefined
    const approver = scripted(async (req) => {
      seen = req.revise('email', 'Subject: Outage of db1.corp\n\nWe are on it.')
      const revised = seen
      // An approver that ignores the errors and sends it anyway.
      return {
        action: 'publish',
        channels: ['email'],
        posts: req.posts.map((p) => (p.channel === 'email' ? {...p, parts: revised.parts, edited: true} : p)),
      }
    })
    await expect(
      publishUpdate({incident: s.id, phase: 'investigating', facts: {}, interactive: true, approver}, s.deps),
    ).rejects.toMatchObject({code: 'preflight_failed', message: expect.stringContaining('internal-host')})
    expect(seen!.errors.join(' ')).toContain('policy rule "internal-host"')
    expect(s.smtp.messages).toHaveLength(0)
    expect((await s.store.read(s.id)).events.map((e) => e.type)).toEqual(['opened'])
  })
})

describe('the moment of approval', () => {
  const T0 = Date.parse('2026-11-25T00:10:00Z')
  const MIN = 60_000

  async function xIncident(opts: {approvers?: number} = {}) {
    const dir = tempDir()
    const x: FakeX = await startFakeX({credentials: X_CREDENTIALS})
    closers.push(() => x.close())
    const playbook = writeXPlaybook(dir, {x})
    if (opts.approvers) appendFileSync(playbook, `approval: { required: ${opts.approvers} }\n`)
    const store = new FileIncidentStore(path.join(dir, 'state'))
    const {id} = await openIncident(store, {
      playbook,
      facts: {service: 'Acme Voice', impact: 'Calls fail'},
      actor: 'dana',
      now: new Date(T0),
    })
    const clock = testClock(T0)
    const deps: PublishDeps = {
      store,
      actor: 'dana',
      env: xEnv(),
      reporter: {progress() {}},
      clock,
      backoffMs: 5,
      timeoutMs: 5000,
    }
    return {x, store, id, clock, deps}
  }

  it('is what the journal records, not the time the posts were rendered', async () => {
    const s = await xIncident()
    const approver = scripted(async (req) => {
      s.clock.advance(10_000) // ten seconds reading the preview
      return {action: 'publish', channels: ['x'], posts: req.posts}
    })
    await publishUpdate({incident: s.id, phase: 'investigating', facts: {}, interactive: true, approver}, s.deps)
    const events = (await s.store.read(s.id)).events
    expect(events.find((e) => e.type === 'approved')!.at).toBe('2026-11-25T00:10:10.000Z')
    // Ten seconds leave the promise (00:40) standing: the text is what was approved.
    expect(s.x.tweets.map((t) => t.text)).toEqual([
      'We are investigating problems with Acme Voice: Calls fail. Next update by 00:40 UTC.',
    ])
  })

  it('renders the posts again when their promise went stale at the prompt, and asks again before sending', async () => {
    const s = await xIncident()
    const asked: ApprovalRequest[] = []
    const approver = scripted(async (req) => {
      asked.push(req)
      if (asked.length === 1) {
        // 29.5 minutes at the prompt: "Next update by 00:40" is 30 seconds away.
        s.clock.advance(29 * MIN + 30_000)
        expect(s.x.requests).toHaveLength(0)
        const edited = req.revise('x', 'Edited before the coffee break. Next update by 00:40 UTC.')
        return {
          action: 'publish',
          channels: ['x'],
          posts: req.posts.map((p) => ({...p, parts: edited.parts, edited: true})),
        }
      }
      s.clock.advance(5_000)
      return {action: 'publish', channels: req.chosen!, posts: req.posts}
    })
    await publishUpdate({incident: s.id, phase: 'investigating', facts: {}, interactive: true, approver}, s.deps)

    expect(asked).toHaveLength(2)
    expect(asked[0].posts[0].parts[0].text).toContain('Next update by 00:40 UTC.')
    // The second time, the engineer sees the text counted from the approval, and why.
    expect(asked[1].posts[0].parts[0].text).toContain('Next update by 01:09 UTC.')
    expect(asked[1].notice).toContain(
      'The posts promised the next update by 00:40 UTC, and it is 00:39 UTC now: rendered again from now (next update by 01:09 UTC)',
    )
    expect(asked[1].notice).toContain('Your edit of x was made to the old text')
    expect(asked[1].chosen).toEqual(['x'])

    expect(s.x.tweets.map((t) => t.text)).toEqual([
      'We are investigating problems with Acme Voice: Calls fail. Next update by 01:09 UTC.',
    ])
    const events = (await s.store.read(s.id)).events
    const rendered = events.find((e) => e.type === 'rendered')!
    expect(rendered).toMatchObject({next_update_due: '2026-11-25T01:09:30.000Z'})
    expect(events.find((e) => e.type === 'approved')!.at).toBe('2026-11-25T00:39:35.000Z')
  })

  it('a promise already past at approval is never sent', async () => {
    const s = await xIncident()
    let rounds = 0
    const approver = scripted(async (req) => {
      rounds++
      if (rounds === 1) s.clock.advance(45 * MIN)
      return {action: 'publish', channels: ['x'], posts: req.posts}
    })
    await publishUpdate({incident: s.id, phase: 'investigating', facts: {}, interactive: true, approver}, s.deps)
    expect(rounds).toBe(2)
    expect(s.x.tweets.map((t) => t.text)).toEqual([
      'We are investigating problems with Acme Voice: Calls fail. Next update by 01:25 UTC.',
    ])
  })

  it('a draft whose promise went stale before its last approval is rendered again, and approved again, before it goes out', async () => {
    const s = await xIncident({approvers: 2})
    const alice = {...s.deps, actor: 'Alice'}
    const bob = {...s.deps, actor: 'Bob'}
    const drafted = await publishUpdate(
      {incident: s.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
      alice,
    )
    const draft = drafted.pending!.draft

    // Bob gets to it 29.5 minutes later: "Next update by 00:40" would be a broken promise.
    s.clock.advance(29 * MIN + 30_000)
    const shown: string[] = []
    const late = await approveDraft(
      {draft, yes: true, interactive: false, show: (v) => shown.push(`${v.revised ?? ''}|${v.posts[0].parts[0].text}`)},
      bob,
    )
    expect(late.published).toBeUndefined()
    expect(late.pending).toMatchObject({status: 'pending-approval', approvals: ['Bob'], required: 2})
    expect(shown).toEqual([
      'the posts promised the next update by 00:40 UTC, which is past or less than a minute away: rendered again from now, so earlier approvals no longer count|We are investigating problems with Acme Voice: Calls fail. Next update by 01:09 UTC.',
    ])
    expect(s.x.requests).toHaveLength(0)

    // Sending it with all the approvals it once had is refused too.
    const other = await xIncident({approvers: 2})
    const d2 = (
      await publishUpdate(
        {incident: other.id, phase: 'investigating', facts: {}, yes: true, interactive: false},
        {...other.deps, actor: 'Alice'},
      )
    ).pending!.draft
    await approveDraft({draft: d2, yes: true, interactive: false, publish: false}, {...other.deps, actor: 'Bob'})
    other.clock.advance(45 * MIN)
    await expect(publishDraft({draft: d2, yes: true, interactive: false}, other.deps)).rejects.toMatchObject({
      code: 'draft_changed',
      exit: 4,
    })
    expect(other.x.requests).toHaveLength(0)

    // Alice approves the new text: it goes out as shown, journaled at her approval.
    s.clock.advance(60_000)
    const sent = await approveDraft({draft, yes: true, interactive: false}, alice)
    expect(sent.published!.deliveries[0].status).toBe('published')
    expect(s.x.tweets.map((t) => t.text)).toEqual([
      'We are investigating problems with Acme Voice: Calls fail. Next update by 01:09 UTC.',
    ])
    const approved = (await s.store.read(s.id)).events.find((e) => e.type === 'approved')!
    expect(approved).toMatchObject({at: '2026-11-25T00:40:30.000Z', approvers: ['Bob', 'Alice']})
  })
})

/**
 * Asking a person to approve (services/publish/approval.ts, askApproval) with a scripted
 * approver: what they are shown, which channels and edits count, what is refused (an edit
 * not read back, over its limit, against the policy), and posts whose "next update by"
 * promise went stale at the prompt. A real playbook and renderer; the clock is injected.
 */
import {describe, expect, it} from 'vitest'
import {
  askApproval,
  promiseIsStale,
  type ApprovalDecision,
  type ApprovalFlow,
  type ApprovalRequest,
} from '../../src/services/publish/approval.js'
import {renderPhase, type RenderedPhase} from '../../src/services/render/render-phase.js'
import {playbookOf} from '../helpers/playbook-of.js'

const T0 = Date.parse('2026-11-25T00:10:00Z')
const MIN = 60_000

const PLAYBOOK = playbookOf(`name: incident
facts:
  service: { required: true }
internal_hosts: ["*.corp.example"]
channels:
  x: { type: x }
  blog: { type: markdown, dir: blog, title: "{{service}} incident" }
  hook: { type: webhook }
phases:
  investigating:
    next_update: 30m
    posts:
      x: { text: "Problems with {{service}}. Next update by {{time @next_update}}." }
      blog: { text: "We are looking into {{service}}." }
      hook: { text: "{{service}}" }
  resolved:
    posts:
      x: { text: "{{service}} works again." }
`)

function clockAt(...times: number[]) {
  const queue = [...times]
  let last = times[0]
  return {now: () => new Date((last = queue.shift() ?? last)), sleep: async () => {}}
}

function flow(
  decide: (req: ApprovalRequest, round: number) => ApprovalDecision | Promise<ApprovalDecision>,
  over: Partial<ApprovalFlow> & {phase?: string; channels?: string[]} = {},
): {flow: ApprovalFlow; asked: ApprovalRequest[]; renders: Date[]} {
  const asked: ApprovalRequest[] = []
  const renders: Date[] = []
  const render = (now: Date, channels?: readonly string[]): RenderedPhase =>
    renderPhase(PLAYBOOK, over.phase ?? 'investigating', {service: 'Acme'}, {channels: channels ?? over.channels, now})
  const f: ApprovalFlow = {
    approver: {
      approve: async (req) => {
        asked.push(req)
        return decide(req, asked.length)
      },
    },
    incident: 'inc-1',
    update: 1,
    playbook: PLAYBOOK,
    facts: {service: 'Acme'},
    rendered: render(new Date(T0)),
    renderedAt: new Date(T0),
    clock: clockAt(T0 + MIN),
    render: (now, channels) => {
      renders.push(now)
      return render(now, channels)
    },
    preflight: () => [],
    ...over,
  }
  return {flow: f, asked, renders}
}

const publishAll = (req: ApprovalRequest): ApprovalDecision => ({
  action: 'publish',
  channels: req.posts.map((p) => p.channel),
  posts: req.posts,
})

describe('promiseIsStale', () => {
  const due = new Date(T0 + 30 * MIN).toISOString()
  it('no promise is never stale', () => {
    expect(promiseIsStale(undefined, new Date(T0), new Date(T0 + 999 * MIN))).toBe(false)
  })
  it('stale less than a minute before the promised time, and after it', () => {
    expect(promiseIsStale(due, new Date(T0), new Date(T0 + 29 * MIN - 1))).toBe(false)
    expect(promiseIsStale(due, new Date(T0), new Date(T0 + 29 * MIN))).toBe(false)
    expect(promiseIsStale(due, new Date(T0), new Date(T0 + 29 * MIN + 1))).toBe(true)
    expect(promiseIsStale(due, new Date(T0), new Date(T0 + 31 * MIN))).toBe(true)
  })
  it('for a promise under two minutes away, stale past half of it', () => {
    const soon = new Date(T0 + MIN).toISOString()
    expect(promiseIsStale(soon, new Date(T0), new Date(T0 + 30_000))).toBe(false)
    expect(promiseIsStale(soon, new Date(T0), new Date(T0 + 30_001))).toBe(true)
  })
})

describe('askApproval', () => {
  it('shows every post as the journal keeps it, with the phase and its channels', async () => {
    const previews: RenderedPhase[] = []
    const {flow: f, asked} = flow(publishAll, {channels: ['x', 'blog'], preview: (r) => previews.push(r)})
    f.rendered = renderPhase(PLAYBOOK, 'investigating', {service: 'Acme'}, {channels: ['x', 'blog'], now: new Date(T0)})
    const approval = await askApproval(f)
    expect(previews).toHaveLength(1)
    expect(asked[0]).toMatchObject({incident: 'inc-1', update: 1, phase: 'investigating'})
    expect(asked[0].posts.map((p) => p.channel)).toEqual(['x', 'blog'])
    expect(asked[0].posts[0]).not.toHaveProperty('warnings')
    expect(asked[0].posts[0]).not.toHaveProperty('errors')
    expect(asked[0].posts[0]).not.toHaveProperty('violations')
    expect(asked[0].phaseChannels).toEqual(['x', 'blog', 'hook'])
    expect(asked[0]).not.toHaveProperty('chosen')
    expect(asked[0]).not.toHaveProperty('notice')
    expect(asked[0].editText(asked[0].posts[1])).toContain('We are looking into Acme.')
    expect(approval).toMatchObject({
      renderedAt: new Date(T0),
      approvedAt: new Date(T0 + MIN),
      channels: ['x', 'blog'],
    })
    expect(approval.posts).toEqual(asked[0].posts)
  })

  it('refuses, sending nothing, when the person says no', async () => {
    const {flow: f} = flow(() => ({action: 'abort'}))
    await expect(askApproval(f)).rejects.toMatchObject({
      code: 'aborted',
      exit: 4,
      message: 'not published: approval was refused',
      suggestions: ['Nothing was sent and nothing recorded; run publish again when ready'],
    })
  })

  it('keeps only the chosen channels that have a post', async () => {
    const {flow: f} = flow((req) => ({action: 'publish', channels: ['blog', 'nope'], posts: req.posts}))
    expect((await askApproval(f)).channels).toEqual(['blog'])
  })

  it('an edit goes out as revise() read it; an unedited post as rendered, whatever the approver hands back', async () => {
    const {flow: f} = flow((req) => {
      const revised = req.revise('blog', 'Title: A new title\n\nWe fixed it.')
      return {
        action: 'publish',
        channels: ['blog', 'x'],
        posts: req.posts.map((p) =>
          p.channel === 'blog'
            ? {...p, parts: revised.parts, edited: true}
            : {...p, parts: [{text: 'tampered', length: 8, limit: 280}]},
        ),
      }
    })
    const approval = await askApproval(f)
    const blog = approval.posts.find((p) => p.channel === 'blog')!
    expect(blog.parts[0].text).toBe('We fixed it.')
    expect(blog.title).toBe('A new title')
    expect(blog.edited).toBe(true)
    const x = approval.posts.find((p) => p.channel === 'x')!
    expect(x.parts[0].text).toMatch(/^Problems with Acme/)
    expect(x).not.toHaveProperty('edited')
  })

  it('uses the last revision that matches the edit handed back', async () => {
    const {flow: f} = flow((req) => {
      const first = req.revise('hook', 'first try')
      req.revise('hook', 'second try')
      return {
        action: 'publish',
        channels: ['hook'],
        posts: req.posts.map((p) => (p.channel === 'hook' ? {...p, parts: first.parts, edited: true} : p)),
      }
    })
    const approval = await askApproval(f)
    expect(approval.posts.find((p) => p.channel === 'hook')!.parts[0].text).toBe('first try')
  })

  it('refuses an edit that was not read back through revise()', async () => {
    const {flow: f} = flow((req) => ({
      action: 'publish',
      channels: ['hook'],
      posts: req.posts.map((p) =>
        p.channel === 'hook' ? {...p, parts: [{text: 'made up', length: 7, limit: null}], edited: true} : p,
      ),
    }))
    await expect(askApproval(f)).rejects.toMatchObject({
      code: 'internal',
      message: 'the edited hook post was not read back through revise()',
    })
  })

  it('refuses to revise a channel with no post in this update', async () => {
    const {flow: f} = flow((req) => {
      req.revise('mastodon', 'x')
      return publishAll(req)
    })
    await expect(askApproval(f)).rejects.toMatchObject({
      code: 'unknown_channel',
      message: 'no mastodon post to edit in this update',
    })
  })

  it('refuses an edit over its limit on a chosen channel, not on one left out', async () => {
    const long = 'a'.repeat(300)
    const edit = (channels: string[]) =>
      flow((req) => {
        const revised = req.revise('x', long)
        return {
          action: 'publish',
          channels,
          posts: req.posts.map((p) => (p.channel === 'x' ? {...p, parts: revised.parts, edited: true} : p)),
        }
      }).flow
    // X splits a long edit into a thread, so force a single over-long part by hand.
    const over = flow((req) => {
      const revised = req.revise('x', 'short')
      const parts = revised.parts.map((p) => ({...p, length: 300, limit: 280}))
      revised.parts = parts
      return {
        action: 'publish',
        channels: ['x'],
        posts: req.posts.map((p) => (p.channel === 'x' ? {...p, parts, edited: true} : p)),
      }
    }).flow
    await expect(askApproval(over)).rejects.toMatchObject({
      code: 'preflight_failed',
      message: 'edited posts are over their limit: x',
    })
    expect((await askApproval(edit(['blog']))).channels).toEqual(['blog'])
    const threaded = await askApproval(edit(['x']))
    expect(threaded.posts.find((p) => p.channel === 'x')!.parts.length).toBeGreaterThan(1)
  })

  it('refuses an edit against the post policy, in any form', async () => {
    const {flow: f} = flow((req) => {
      const revised = req.revise('blog', 'Title: see db1.corp.example\n\nAll good.')
      return {
        action: 'publish',
        channels: ['blog'],
        posts: req.posts.map((p) => (p.channel === 'blog' ? {...p, ...revised, edited: true} : p)),
      }
    })
    await expect(askApproval(f)).rejects.toMatchObject({
      code: 'preflight_failed',
      message: expect.stringMatching(/^edited posts break the post policy: .*db1\.corp\.example/),
    })
    // The same edit on a channel left out is not checked.
    const {flow: g} = flow((req) => {
      const revised = req.revise('blog', 'Title: see db1.corp.example\n\nAll good.')
      return {
        action: 'publish',
        channels: ['x'],
        posts: req.posts.map((p) => (p.channel === 'blog' ? {...p, ...revised, edited: true} : p)),
      }
    })
    expect((await askApproval(g)).channels).toEqual(['x'])
  })

  it('renders again from the moment of approval when the promise went stale, and asks again', async () => {
    const late = T0 + 29 * MIN + 30_000
    const {
      flow: f,
      asked,
      renders,
    } = flow(
      (req, round) => {
        if (round === 1) {
          const revised = req.revise('blog', 'An edit')
          return {
            action: 'publish',
            channels: ['x'],
            posts: req.posts.map((p) => (p.channel === 'blog' ? {...p, parts: revised.parts, edited: true} : p)),
          }
        }
        return {action: 'publish', channels: req.chosen ?? [], posts: req.posts}
      },
      {clock: clockAt(late, late + MIN)},
    )
    const approval = await askApproval(f)
    expect(asked).toHaveLength(2)
    expect(renders).toEqual([new Date(late)])
    expect(asked[1].chosen).toEqual(['x'])
    expect(asked[1].notice).toBe(
      'The posts promised the next update by 00:40 UTC, and it is 00:39 UTC now: rendered again from now ' +
        '(next update by 01:09 UTC). Nothing was sent; read them and approve again. ' +
        'Your edit of blog was made to the old text: edit again if you still want it.',
    )
    expect(approval.renderedAt).toEqual(new Date(late))
    expect(approval.approvedAt).toEqual(new Date(late + MIN))
    expect(approval.rendered.nextUpdateDue).toBe(new Date(late + 30 * MIN).toISOString())
    expect(approval.channels).toEqual(['x'])
  })

  it('says nothing of edits when there were none', async () => {
    const late = T0 + 31 * MIN
    const {flow: f, asked} = flow((req) => publishAll(req), {clock: clockAt(late, late)})
    await askApproval(f)
    expect(asked[1].notice).toMatch(/approve again\.$/)
  })

  it('refuses posts that no longer pass the preflight once rendered again', async () => {
    const late = T0 + 31 * MIN
    const {flow: f} = flow(publishAll, {clock: clockAt(late), preflight: () => ['x: too long', 'x: empty']})
    await expect(askApproval(f)).rejects.toMatchObject({
      code: 'preflight_failed',
      message: 'nothing was published: x: too long; x: empty',
    })
  })

  it('a phase without a promise is never rendered again', async () => {
    const {flow: f, renders} = flow(publishAll, {phase: 'resolved', clock: clockAt(T0 + 999 * MIN)})
    f.rendered = renderPhase(PLAYBOOK, 'resolved', {service: 'Acme'}, {now: new Date(T0)})
    const approval = await askApproval(f)
    expect(renders).toEqual([])
    expect(approval.channels).toEqual(['x'])
  })
})

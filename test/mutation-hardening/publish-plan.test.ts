/**
 * The steps of a publish before and after delivery, each through its own module's functions:
 * planning the update (plan.ts), the preflight and the credential check (preflight.ts), the
 * approval without a person (approve-update.ts) and the journal events of an approved update
 * (update-journal.ts). A real playbook, loaded from YAML; journals written by hand and folded.
 */
import {describe, expect, it} from 'vitest'
import {ExitCode} from '../../src/domain/errors.js'
import type {Playbook} from '../../src/domain/playbook/model.js'
import type {JournalEvent, RenderedPostRecord} from '../../src/services/incident/events.js'
import {foldIncident, type IncidentState} from '../../src/services/incident/state.js'
import {approveRendered, type ApprovalContext} from '../../src/services/publish/approve-update.js'
import {systemClock} from '../../src/services/publish/deliver.js'
import {
  alreadyOutcomes,
  draftChannelsToSend,
  dryRunPlan,
  planUpdate,
  requiredApprovals,
} from '../../src/services/publish/plan.js'
import {preflight, refuseCredentials, refuseFailedPreflight} from '../../src/services/publish/preflight.js'
import {
  approvedUpdateEvents,
  diffFacts,
  policyOverrideEvent,
  toRecord,
} from '../../src/services/publish/update-journal.js'
import type {RenderedPhase, RenderedPost} from '../../src/services/render/render-phase.js'
import {playbookOf} from '../helpers/playbook-of.js'

const PLAYBOOK = `name: incident
approval: { required: 2 }
facts:
  service: { required: true }
  impact: { default: slow }
channels:
  blog: { type: markdown, dir: blog }
  x: { type: x }
  hook: { type: webhook }
phases:
  investigating:
    posts:
      blog: { text: "{{service}}: {{impact}}" }
      x: { text: "{{service}}" }
      hook: { text: "{{service}}" }
  identified:
    approval: { required: 3 }
    posts:
      blog: { text: "found" }
  resolved:
    approval: { required: 1 }
    posts:
      blog: { text: "done" }
`

type Event = Omit<JournalEvent, 'seq' | 'at' | 'by'>

function journal(...events: Event[]): IncidentState {
  const opened = {
    type: 'opened',
    incident: 'inc-1',
    playbook: {name: 'incident', file: 'incident.yaml'},
    started_at: '2026-03-01T09:59:00.000Z',
    facts: {service: 'Acme'},
  }
  return foldIncident(
    [opened, ...events].map(
      (e, i) =>
        ({seq: i + 1, at: `2026-03-01T10:${String(i).padStart(2, '0')}:00.000Z`, by: 'alice', ...e}) as JournalEvent,
    ),
  )
}
const record = (channel: string, parts = ['text']): RenderedPostRecord => ({
  channel,
  type: channel === 'x' ? 'x' : 'markdown',
  parts: parts.map((text) => ({text, length: text.length, limit: null})),
})
/** Update `update` in `phase` to `channels`, approved, and published on each (ids `<channel>-<update>`). */
function publishedUpdate(update: number, phase: string, channels: string[], declined: string[] = []): Event[] {
  return [
    {type: 'rendered', update, phase, posts: [...channels, ...declined].map((c) => record(c))} as Event,
    {type: 'approved', update, channels, declined} as Event,
    ...channels.map(
      (channel) =>
        ({
          type: 'delivery_result',
          update,
          channel,
          part: 1,
          status: 'published',
          remote: {id: `${channel}-${update}`, ...(channel === 'x' && {url: `https://x.example/${update}`})},
        }) as Event,
    ),
  ]
}

describe('planUpdate', () => {
  const playbook = playbookOf(PLAYBOOK)

  it('numbers the update after the highest so far, merges the facts and applies the defaults', () => {
    const state = journal(
      ...publishedUpdate(1, 'investigating', ['blog']),
      ...publishedUpdate(4, 'identified', ['blog']),
    )
    const plan = planUpdate(state, playbook, {phase: 'investigating', facts: {impact: 'down'}})
    expect(plan).toEqual({
      update: 5,
      phase: 'investigating',
      merged: {service: 'Acme', impact: 'down'},
      facts: expect.objectContaining({service: 'Acme', impact: 'down'}),
      already: [],
      channels: ['blog', 'x', 'hook'],
    })
    expect(planUpdate(journal(), playbook, {phase: 'resolved', facts: {}})).toMatchObject({
      update: 1,
      merged: {service: 'Acme'},
      facts: expect.objectContaining({impact: 'slow'}),
      channels: ['blog'],
    })
  })

  it('goes only to the channels asked for', () => {
    expect(planUpdate(journal(), playbook, {phase: 'investigating', facts: {}, channels: ['hook']}).channels).toEqual([
      'hook',
    ])
  })

  it('skips the channels that already carry the same update, unless sent again on purpose', () => {
    const state = journal(...publishedUpdate(1, 'investigating', ['blog', 'x']))
    const plan = planUpdate(state, playbook, {phase: 'investigating', facts: {}})
    expect(plan.already).toEqual([
      {channel: 'blog', update: 1, status: 'published'},
      {channel: 'x', update: 1, status: 'published'},
    ])
    expect(plan.channels).toEqual(['hook'])
    const again = planUpdate(state, playbook, {phase: 'investigating', facts: {}, again: true})
    expect(again.already).toEqual([])
    expect(again.channels).toEqual(['blog', 'x', 'hook'])
    // New facts make it a new update.
    expect(planUpdate(state, playbook, {phase: 'investigating', facts: {impact: 'down'}}).already).toEqual([])
  })

  it('refuses a missing or unknown phase', () => {
    expect(() => planUpdate(journal(), playbook, {facts: {}})).toThrow(/missing --phase/)
    expect(() => planUpdate(journal(), playbook, {phase: 'nope', facts: {}})).toThrow(/no phase "nope"/)
  })
})

describe('requiredApprovals', () => {
  it("the phase's rule, else the playbook's, else one", () => {
    const playbook = playbookOf(PLAYBOOK)
    expect(requiredApprovals(playbook, 'identified')).toBe(3)
    expect(requiredApprovals(playbook, 'investigating')).toBe(2)
    expect(requiredApprovals(playbook, 'resolved')).toBe(1)
    expect(requiredApprovals(playbook, 'unknown')).toBe(2)
    expect(requiredApprovals(playbookOf(PLAYBOOK.replace('approval: { required: 2 }\n', '')), 'investigating')).toBe(1)
  })

  it('never fewer than one', () => {
    const playbook = playbookOf(PLAYBOOK)
    expect(requiredApprovals({...playbook, approval: {required: 0}} as Playbook, 'investigating')).toBe(1)
    expect(requiredApprovals({...playbook, approval: {required: -3}} as Playbook, 'investigating')).toBe(1)
    expect(requiredApprovals({...playbook, approval: undefined} as unknown as Playbook, 'investigating')).toBe(1)
  })
})

describe('alreadyOutcomes', () => {
  it('reports each skipped channel with the posts that carry the update there', () => {
    const state = journal(
      ...publishedUpdate(1, 'investigating', ['blog', 'x']),
      {type: 'rendered', update: 2, phase: 'investigating', posts: [record('x', ['a', 'b'])]} as Event,
      {type: 'approved', update: 2, channels: ['x'], declined: []} as Event,
      {
        type: 'delivery_result',
        update: 2,
        channel: 'x',
        part: 1,
        status: 'failed',
        remote: {id: 'x-2a-lost'},
        error: 'no',
      } as Event,
      {
        type: 'delivery_result',
        update: 2,
        channel: 'x',
        part: 2,
        status: 'published',
        remote: {id: 'x-2b', url: 'https://x.example/2b'},
      } as Event,
    )
    expect(
      alreadyOutcomes(state, [
        {channel: 'x', update: 1, status: 'published'},
        {channel: 'blog', update: 1, status: 'published'},
        {channel: 'x', update: 2, status: 'failed'},
        {channel: 'x', update: 9, status: 'unknown'},
        {channel: 'hook', update: 1, status: 'unknown'},
      ]),
    ).toEqual([
      {
        channel: 'x',
        status: 'skipped',
        ids: ['x-1'],
        urls: ['https://x.example/1'],
        already: {update: 1, status: 'published'},
      },
      {channel: 'blog', status: 'skipped', ids: ['blog-1'], urls: [], already: {update: 1, status: 'published'}},
      {
        channel: 'x',
        status: 'skipped',
        ids: ['x-2b'],
        urls: ['https://x.example/2b'],
        already: {update: 2, status: 'failed'},
      },
      {channel: 'x', status: 'skipped', ids: [], urls: [], already: {update: 9, status: 'unknown'}},
      {channel: 'hook', status: 'skipped', ids: [], urls: [], already: {update: 1, status: 'unknown'}},
    ])
  })
})

describe('draftChannelsToSend', () => {
  const state = journal(...publishedUpdate(1, 'investigating', ['blog', 'x']))
  const draft = {phase: 'investigating', facts: {}, again: false}

  it('leaves out the channels that have the update meanwhile', () => {
    expect(draftChannelsToSend(state, {...draft, channels: ['blog', 'hook']})).toEqual([
      {channel: 'blog', update: 1, status: 'published'},
    ])
    expect(draftChannelsToSend(state, {...draft, channels: ['hook']})).toEqual([])
  })

  it('refuses when every channel has it, naming them', () => {
    expect(() => draftChannelsToSend(state, {...draft, channels: ['blog', 'x']})).toThrow(
      expect.objectContaining({
        code: 'duplicate_update',
        message:
          'every channel of this draft already has its update: blog: already has update 1, skipped; x: already has update 1, skipped',
        suggestions: [expect.stringMatching(/^Nothing needs sending; use `candor retry`/)],
      }),
    )
  })

  it('compares with the facts as the draft would leave them', () => {
    expect(draftChannelsToSend(state, {...draft, facts: {service: 'Acme'}, channels: ['blog', 'hook']})).toHaveLength(1)
    expect(draftChannelsToSend(state, {...draft, facts: {impact: 'down'}, channels: ['blog', 'x']})).toEqual([])
  })

  it('sends everything again on purpose with --again', () => {
    expect(draftChannelsToSend(state, {...draft, again: true, channels: ['blog', 'x']})).toEqual([])
  })
})

/** A rendered post as the renderer returns it. */
function post(channel: string, over: Partial<RenderedPost> = {}): RenderedPost {
  return {
    channel,
    type: channel === 'x' ? 'x' : channel === 'hook' ? 'webhook' : 'markdown',
    parts: [{text: `to ${channel}`, length: 5, limit: null}],
    warnings: [],
    errors: [],
    violations: [],
    ...over,
  } as RenderedPost
}

const X_ENV = {
  CANDOR_X_APP_KEY: 'app-key-7f3a9c',
  CANDOR_X_APP_SECRET: 'app-secret-Qw81vZ0pLm',
  CANDOR_X_ACCESS_TOKEN: '1590000000000000001-accessTOKENxyz',
  CANDOR_X_ACCESS_SECRET: 'access-secret-Hn2kd93Lq',
}

describe('preflight', () => {
  const playbook = playbookOf(PLAYBOOK)

  it('passes posts within limits whose credentials are all there', () => {
    expect(preflight(playbook, [post('blog'), post('x')], X_ENV)).toEqual({problems: [], missing: [], untrusted: []})
  })

  it("collects every post's errors and every missing variable, in one list", () => {
    const check = preflight(
      playbook,
      [post('blog', {errors: ['blog: too long']}), post('x', {errors: ['x: too long', 'x: empty']}), post('hook')],
      {CANDOR_X_APP_KEY: 'k'},
    )
    expect(check.missing).toEqual([
      'CANDOR_X_APP_SECRET',
      'CANDOR_X_ACCESS_TOKEN',
      'CANDOR_X_ACCESS_SECRET',
      'CANDOR_HOOK_URL',
      'CANDOR_HOOK_SECRET',
    ])
    expect(check.problems).toEqual([
      'blog: too long',
      'x: too long',
      'x: empty',
      `missing credentials: set ${check.missing.join(', ')} (in the environment or .env)`,
    ])
    expect(() => refuseFailedPreflight(check)).toThrow(
      expect.objectContaining({
        code: 'credentials_missing',
        message: `nothing was published: ${check.problems.join('; ')}`,
        suggestions: ['Set the variables, or leave those channels out with --channel'],
      }),
    )
  })

  it("names a credential the channel refuses (a webhook secret that isn't one)", () => {
    const check = preflight(playbook, [post('hook')], {
      CANDOR_HOOK_URL: 'https://hooks.example/in',
      CANDOR_HOOK_SECRET: 'x',
    })
    expect(check.missing).toEqual([])
    expect(check.problems).toHaveLength(1)
    expect(check.problems[0]).toMatch(/^hook: /)
    expect(() => refuseFailedPreflight(check)).toThrow(
      expect.objectContaining({
        code: 'preflight_failed',
        suggestions: ['Shorten the posts (see `candor preview`), then publish again'],
      }),
    )
  })

  it('refuses an endpoint the environment does not trust before anything else', () => {
    const untrusting = playbookOf(
      PLAYBOOK.replace('x: { type: x }', 'x: { type: x, api_url: "https://x.evil.example" }'),
    )
    const check = preflight(untrusting, [post('x'), post('blog', {errors: ['blog: too long']})], {})
    expect(check.untrusted).toHaveLength(1)
    expect(check.problems[1]).toBe(check.untrusted[0])
    expect(check.problems[0]).toBe('blog: too long')
    expect(() => refuseFailedPreflight(check)).toThrow(
      expect.objectContaining({
        code: 'endpoint_untrusted',
        suggestions: [expect.stringMatching(/^Trust the endpoint where the credentials are set/)],
      }),
    )
  })

  it('lets a clean preflight through', () => {
    expect(() => refuseFailedPreflight({problems: [], missing: [], untrusted: []})).not.toThrow()
  })
})

describe('refuseCredentials', () => {
  const env = {...X_ENV}
  const secret = X_ENV.CANDOR_X_ACCESS_SECRET

  it('lets posts through when no credential is configured, or none appears', () => {
    expect(() => refuseCredentials([record('x', [`leaked ${secret}`])], {})).not.toThrow()
    expect(() => refuseCredentials([record('x', ['fine'])], env)).not.toThrow()
  })

  it('refuses a credential in any form of any post, naming each channel once', () => {
    const forms: Array<Partial<RenderedPostRecord>> = [
      {parts: [{text: `a ${secret}`, length: 1, limit: null}]},
      {title: `t ${secret}`},
      {subject: `s ${secret}`},
      {link: `https://example.com/?k=${secret}`},
      {html: `<p>${secret}</p>`},
    ]
    for (const form of forms) {
      let error: {code?: string; message?: string; suggestions?: string[]} | undefined
      try {
        refuseCredentials([{...record('blog', ['clean']), ...form}], env)
      } catch (e) {
        error = e as typeof error
      }
      expect(error, JSON.stringify(form)).toMatchObject({code: 'credential_in_post'})
      expect(error?.message).toMatch(/^nothing was published: blog: /)
      expect(error?.suggestions?.[0]).toMatch(/cannot be overridden with --allow/)
    }
    let message = ''
    try {
      refuseCredentials([record('x', [`${secret}`, `${secret}`]), record('blog', [secret])], env)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message.match(/(^nothing was published: |; )x: /g)).toHaveLength(1)
    expect(message.match(/(^nothing was published: |; )blog: /g)).toHaveLength(1)
  })
})

describe('dryRunPlan', () => {
  it('says where each post would go, what its first part replies to, and which credentials are missing', async () => {
    const playbook = playbookOf(PLAYBOOK)
    const state = journal(...publishedUpdate(1, 'investigating', ['x']))
    const plan = await dryRunPlan(
      state,
      playbook,
      [post('x', {parts: ['one', 'two', 'three'].map((text) => ({text, length: 3, limit: 280}))}), post('blog')],
      X_ENV,
    )
    expect(plan.map((p) => [p.channel, p.type, p.parts.map((x) => x.reply_to), p.credentials])).toEqual([
      ['x', 'x', ['x-1', '(part 1)', '(part 2)'], {ok: true, missing: []}],
      ['blog', 'markdown', [null], {ok: true, missing: []}],
    ])
    expect(plan[0].parts[1]).toMatchObject({text: 'two', length: 3, limit: 280})
    const missing = await dryRunPlan(journal(), playbook, [post('x')], {})
    expect(missing[0].parts[0].reply_to).toBeNull()
    expect(missing[0].credentials.ok).toBe(false)
    expect(missing[0].credentials.missing).toContain('CANDOR_X_APP_KEY')
  })
})

describe('approveRendered without a person', () => {
  const rendered = {
    phase: 'investigating',
    posts: [post('blog', {warnings: ['w'], limitNote: 'n'} as Partial<RenderedPost>), post('x')],
  } as unknown as RenderedPhase
  const context = (over: Partial<ApprovalContext>): ApprovalContext =>
    ({
      incident: 'inc-1',
      update: 1,
      playbook: playbookOf(PLAYBOOK),
      facts: {},
      limits: new Map(),
      credentials: [],
      rendered,
      now: new Date('2026-03-01T10:00:00Z'),
      clock: systemClock,
      render: () => rendered,
      preflight: () => [],
      already: [],
      interactive: false,
      ...over,
    }) as ApprovalContext

  it('--yes approves every post as rendered, at the time it was rendered', async () => {
    const now = new Date('2026-03-01T10:00:00Z')
    const approved = await approveRendered(context({yes: true, interactive: true}))
    expect(approved).toEqual({
      rendered,
      renderedAt: now,
      approvedAt: now,
      posts: rendered.posts.map(toRecord),
      channels: ['blog', 'x'],
    })
    expect(approved.posts[0]).not.toHaveProperty('warnings')
  })

  it('refuses when approval is needed and no one can be asked, saying why', async () => {
    await expect(approveRendered(context({noPromptReason: 'stdin is not a terminal'}))).rejects.toMatchObject({
      code: 'approval_required',
      exit: ExitCode.NotApproved,
      message: 'publishing needs approval, and no one can be asked: stdin is not a terminal',
      suggestions: ['Pass --yes to approve in a script, or run it in a terminal; preview first with --dry-run'],
    })
    await expect(approveRendered(context({}))).rejects.toMatchObject({
      message: 'publishing needs approval, and no one can be asked: no terminal',
    })
    // A terminal, but no approver to ask.
    await expect(approveRendered(context({interactive: true}))).rejects.toMatchObject({code: 'approval_required'})
    // An approver, but off a terminal.
    const approver = {approve: async () => ({action: 'abort' as const})}
    await expect(approveRendered(context({approver}))).rejects.toMatchObject({code: 'approval_required'})
  })

  it('asks the approver on a terminal, showing the preview with the channels already carrying it', async () => {
    const already = [{channel: 'hook', update: 1, status: 'published' as const}]
    const shown: unknown[] = []
    const approver = {
      approve: async (req: {posts: RenderedPostRecord[]}) => ({
        action: 'publish' as const,
        channels: ['x'],
        posts: req.posts,
      }),
    }
    const approved = await approveRendered(
      context({
        interactive: true,
        approver: approver as unknown as ApprovalContext['approver'],
        already,
        preview: (r, a) => void shown.push([r.phase, a]),
      }),
    )
    expect(shown).toEqual([['investigating', already]])
    expect(approved.channels).toEqual(['x'])
    expect(approved.posts.map((p) => p.channel)).toEqual(['blog', 'x'])
    expect(approved.rendered).toBe(rendered)
    // Without a preview, none is shown (and nothing breaks).
    const plain = await approveRendered(
      context({interactive: true, approver: approver as unknown as ApprovalContext['approver']}),
    )
    expect(plain.channels).toEqual(['x'])
  })
})

describe('the journal of an approved update', () => {
  it('diffFacts: each fact that changed, with null for unset', () => {
    expect(
      diffFacts({a: 1, b: 'same', c: [1], gone: 'x'}, {a: 2, b: 'same', c: [1], added: {k: 1}, nothing: undefined}),
    ).toEqual([
      {fact: 'a', from: 1, to: 2},
      {fact: 'gone', from: 'x', to: null},
      {fact: 'added', from: null, to: {k: 1}},
    ])
    expect(diffFacts({a: [1, 2]}, {a: [2, 1]})).toEqual([{fact: 'a', from: [1, 2], to: [2, 1]}])
    expect(diffFacts({}, {})).toEqual([])
  })

  it('policyOverrideEvent: the rules once each, and only the violations they let through', () => {
    expect(
      policyOverrideEvent('alice', 3, ['internal_hosts', 'internal_hosts', 'forbid'], [
        {
          channel: 'x',
          violations: [
            {rule: 'internal_hosts', match: 'db1.corp', allowed: true},
            {rule: 'forbid', match: 'oops', allowed: false},
          ],
        },
        {channel: 'blog', violations: undefined},
      ] as never),
    ).toEqual({
      type: 'policy_override',
      by: 'alice',
      update: 3,
      rules: ['internal_hosts', 'forbid'],
      hits: [{channel: 'x', rule: 'internal_hosts', match: 'db1.corp'}],
    })
  })

  it('approvedUpdateEvents: before, facts changed, rendered, approved (with the declined), after', () => {
    const posts = [record('blog'), record('x')]
    const before = [{type: 'note', text: 'before'}] as never[]
    const after = [{type: 'note', text: 'after'}] as never[]
    const events = approvedUpdateEvents(
      {
        actor: 'bob',
        update: 2,
        phase: 'identified',
        nextUpdateDue: 'soon',
        before,
        after,
        draft: {id: 'd1', approvers: ['a', 'b']},
      },
      posts,
      ['x'],
      [{fact: 'impact', from: null, to: 'down'}],
    )
    expect(events).toEqual([
      {type: 'note', text: 'before'},
      {type: 'facts_changed', by: 'bob', changes: [{fact: 'impact', from: null, to: 'down'}]},
      {type: 'rendered', by: 'bob', update: 2, phase: 'identified', next_update_due: 'soon', posts},
      {type: 'approved', by: 'bob', update: 2, channels: ['x'], declined: ['blog'], draft: 'd1', approvers: ['a', 'b']},
      {type: 'note', text: 'after'},
    ])
    const plain = approvedUpdateEvents({actor: 'bob', update: 1, phase: 'p'}, posts, ['blog', 'x'], [])
    expect(plain.map((e) => e.type)).toEqual(['rendered', 'approved'])
    expect(plain[1]).toEqual({type: 'approved', by: 'bob', update: 1, channels: ['blog', 'x'], declined: []})
  })

  it('toRecord keeps what the journal needs and drops what only the approver sees', () => {
    const full = post('x', {warnings: ['w'], errors: ['e'], violations: [], limitNote: 'n', title: 'T'} as never)
    expect(toRecord(full)).toEqual({channel: 'x', type: 'x', parts: full.parts, title: 'T'})
  })
})

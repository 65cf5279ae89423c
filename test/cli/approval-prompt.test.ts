import {AbortPromptError, ExitPromptError} from '@inquirer/core'
import {describe, expect, it} from 'vitest'
import {describeTargets, PromptApprover} from '../../src/cli/approval.js'
import {graceOnCtrlC} from '../../src/cli/interrupt.js'
import {ask, promptOpen, type Prompts} from '../../src/cli/prompt.js'
import type {RenderedPostRecord} from '../../src/services/incident/events.js'
import {describeActor, whoIsActing} from '../../src/services/incident/identity.js'
import type {ApprovalRequest} from '../../src/services/publish/approval.js'
import {waitFor} from '../helpers/wait.js'

type Config = {message: string; choices?: Array<{name: string; value: string; disabled?: unknown}>; default?: unknown}
type Answer = (config: Config) => unknown

/** Prompts that answer from a script and record what they were asked. */
function scriptedPrompts(answers: Answer[]) {
  const asked: Array<{kind: string; config: Config}> = []
  const next = (kind: string) => async (config: Config) => {
    asked.push({kind, config})
    const answer = answers.shift()
    if (!answer) throw new Error(`no answer scripted for ${kind}: ${config.message}`)
    return answer(config)
  }
  const prompts = {
    select: next('select'),
    checkbox: next('checkbox'),
    confirm: next('confirm'),
    editor: next('editor'),
  } as unknown as Prompts
  return {load: async () => prompts, asked}
}

/** What pressing Enter does in @inquirer/select: take the default choice (the first one without a default). */
const enter: Answer = (c) => c.default ?? c.choices?.find((x) => !x.disabled)?.value
const choose =
  (value: string): Answer =>
  () =>
    value
const ctrlC: Answer = () => {
  throw new ExitPromptError('User force closed the prompt with SIGINT')
}

const post = (channel: string, text = `Hello from ${channel}.`): RenderedPostRecord => ({
  channel,
  type: channel === 'blog' ? 'markdown' : 'x',
  parts: [{text, length: text.length, limit: 280}],
})

function request(posts: RenderedPostRecord[], phaseChannels = posts.map((p) => p.channel)): ApprovalRequest {
  return {
    incident: 'voice-1',
    update: 2,
    phase: 'identified',
    posts,
    phaseChannels,
    editText: (p) => p.parts[0].text,
    revise: (channel, text) => ({
      channel,
      type: 'x',
      parts: [{text, length: text.length, limit: 280}],
      warnings: [],
      errors: [],
      violations: [],
    }),
  }
}

const DANA = {name: 'Dana', source: 'git config'} as const

function approver(answers: Answer[]) {
  const prompts = scriptedPrompts(answers)
  const notes: string[] = []
  const shown: string[] = []
  const a = new PromptApprover({
    actor: DANA,
    load: prompts.load,
    note: (l) => notes.push(l),
    show: (t) => shown.push(t),
  })
  return {a, asked: prompts.asked, notes, shown}
}

describe('the approval prompt', () => {
  it('Enter alone reviews the posts again and never publishes', async () => {
    const t = approver([enter, enter, choose('abort')])
    const decision = await t.a.approve(request([post('x'), post('mastodon')]))
    expect(decision).toEqual({action: 'abort'})
    expect(t.asked.map((q) => q.kind)).toEqual(['select', 'select', 'select'])
    expect(t.asked[0].config.default).toBe('review')
    // Each Enter showed the posts again.
    expect(t.shown).toHaveLength(2)
    expect(t.shown[0]).toContain('Hello from mastodon.')
  })

  it('says who the approval is recorded as, and "all channels" only when all of the phase are chosen', async () => {
    const t = approver([choose('publish')])
    expect(await t.a.approve(request([post('x'), post('blog')]))).toMatchObject({
      action: 'publish',
      channels: ['x', 'blog'],
    })
    expect(t.asked[0].config.message).toBe(
      'Publish update 2 (identified) of voice-1 to all channels (x, blog)?\n  approving as Dana (from git config)',
    )
    expect(t.asked[0].config.choices!.map((c) => c.name)).toEqual([
      'Review the posts again',
      'Publish to all channels (x, blog)',
      'Choose channels',
      'Edit a post in $EDITOR',
      'Abort: send nothing',
    ])

    // --channel blog: the phase posts to x too, so this is "to blog", not "to all channels".
    const one = approver([choose('publish')])
    await one.a.approve(request([post('blog')], ['x', 'blog']))
    expect(one.asked[0].config.message).toBe(
      'Publish update 2 (identified) of voice-1 to blog?\n  approving as Dana (from git config)',
    )

    // Choosing one channel at the prompt names it.
    const chosen = approver([choose('choose'), () => ['blog'], choose('publish')])
    expect(await chosen.a.approve(request([post('x'), post('blog')]))).toMatchObject({channels: ['blog']})
    expect(chosen.asked[2].config.message).toMatch(/^Publish update 2 \(identified\) of voice-1 to blog\?/)
  })

  it('names where the name comes from', () => {
    expect(describeActor(whoIsActing('  Sam  ', {CANDOR_USER: 'Robin'}))).toBe('Sam (from --as)')
    expect(describeActor(whoIsActing(undefined, {CANDOR_USER: 'Robin'}))).toBe('Robin (from $CANDOR_USER)')
    expect(describeActor({name: 'dana', source: 'the OS user'})).toBe('dana (the OS user)')
    expect(describeTargets(['x'], ['x'])).toBe('x')
    expect(describeTargets([], ['x', 'blog'])).toBe('no channel')
  })

  it('Ctrl-C at any of its prompts is "Aborted: nothing was sent", exit 130, never an internal error', async () => {
    for (const answers of [[ctrlC], [choose('choose'), ctrlC], [choose('edit'), ctrlC]]) {
      const t = approver(answers)
      await expect(t.a.approve(request([post('x')]))).rejects.toMatchObject({
        message: 'Aborted: nothing was sent',
        code: 'interrupted',
        exit: 130,
      })
    }
  })

  it('shows the notice that says why it asks again, and keeps the channels chosen before', async () => {
    const t = approver([choose('publish')])
    const decision = await t.a.approve({
      ...request([post('x'), post('blog')]),
      chosen: ['blog'],
      notice: 'rendered again from now',
    })
    expect(t.notes[0]).toContain('rendered again from now')
    expect(decision).toMatchObject({channels: ['blog']})
  })
})

describe('ask()', () => {
  it('turns Ctrl-C into "Aborted: <what is true>" with exit 130, and passes answers and other errors through', async () => {
    const confirmCtrlC = scriptedPrompts([ctrlC])
    await expect(
      ask((p) => p.confirm({message: 'Delete update 2?'}), 'nothing was deleted', confirmCtrlC.load),
    ).rejects.toMatchObject({message: 'Aborted: nothing was deleted', code: 'interrupted', exit: 130})
    const yes = scriptedPrompts([() => true])
    expect(await ask((p) => p.confirm({message: 'Delete update 2?'}), 'nothing was deleted', yes.load)).toBe(true)
    const broken = scriptedPrompts([() => Promise.reject(new Error('stdin closed'))])
    await expect(ask((p) => p.confirm({message: 'x'}), 'nothing was deleted', broken.load)).rejects.toThrow(
      'stdin closed',
    )
  })

  it('a SIGINT signal at a prompt (kill -INT) closes it the same way; the sending grace handler leaves it alone', async () => {
    // A prompt that waits for an answer until its context's signal aborts, as @inquirer's do.
    const waiting = {
      confirm: (_config: unknown, context?: {signal?: AbortSignal}) =>
        new Promise((_resolve, reject) =>
          context?.signal?.addEventListener('abort', () =>
            reject(new AbortPromptError({cause: context.signal!.reason})),
          ),
        ),
    } as unknown as Prompts
    const grace = graceOnCtrlC()
    const stderr: string[] = []
    const write = process.stderr.write
    process.stderr.write = ((chunk: string) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write
    try {
      const asked = ask(
        (p) => p.confirm({message: 'Publish?'}),
        'nothing was sent',
        async () => waiting,
      )
      await waitFor(() => promptOpen(), {what: 'the approval prompt to open', timeoutMs: 5000})
      process.emit('SIGINT')
      await expect(asked).rejects.toMatchObject({message: 'Aborted: nothing was sent', code: 'interrupted', exit: 130})
    } finally {
      process.stderr.write = write
      grace.stop()
    }
    expect(promptOpen()).toBe(false)
    expect(grace.signal.aborted).toBe(false)
    expect(stderr.join('')).not.toContain('Interrupted: sending nothing new')
  })
})

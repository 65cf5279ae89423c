import type {ApprovalDecision, ApprovalRequest, Approver} from '../services/publish/approval.js'
import {toRecord} from '../services/publish/publish.js'
import type {RenderedPostRecord} from '../services/incident/events.js'
import {describeActor, type Actor} from '../services/incident/identity.js'
import type {RenderedPost} from '../services/render/render-phase.js'
import {ask, type LoadPrompts, type Prompts} from './prompt.js'
import {formatPreview} from './render-preview.js'
import {paint} from './style.js'

/** "all channels (x, mastodon, blog)" only when every channel of the phase is chosen; otherwise their names ("blog"). */
export function describeTargets(chosen: readonly string[], phaseChannels: readonly string[]): string {
  if (chosen.length === 0) return 'no channel'
  if (phaseChannels.length > 1 && phaseChannels.every((c) => chosen.includes(c)))
    return `all channels (${chosen.join(', ')})`
  return chosen.join(', ')
}

export interface PromptApproverOptions {
  /** Who the approval is recorded as, and where the name came from. */
  actor: Actor
  /** The prompts (tests pass their own). */
  load?: LoadPrompts
  /** Where notes and re-shown posts go (default: stderr and stdout). */
  note?: (line: string) => void
  show?: (text: string) => void
  /** The incident is a rehearsal: the prompt says the posts go to the sandbox at this URL. */
  rehearsal?: {sandbox: string}
}

/**
 * Interactive approval with @inquirer/prompts: review the posts, publish, choose channels,
 * edit a post in $EDITOR, or abort. Enter alone only shows the posts again: publishing
 * takes a deliberate choice. Ctrl-C is "Aborted: nothing was sent" (exit 130).
 */
export class PromptApprover implements Approver {
  constructor(private readonly opts: PromptApproverOptions) {}

  async approve(request: ApprovalRequest): Promise<ApprovalDecision> {
    const note = this.opts.note ?? ((line: string) => process.stderr.write(line + '\n'))
    const show = this.opts.show ?? ((text: string) => process.stdout.write(text + '\n'))
    const prompt = <T>(question: (prompts: Prompts) => Promise<T>) => ask(question, 'nothing was sent', this.opts.load)
    let posts: RenderedPostRecord[] = request.posts.map((p) => ({...p}))
    const checked = new Map<string, RenderedPost>()
    let channels = request.chosen?.filter((c) => posts.some((p) => p.channel === c)) ?? posts.map((p) => p.channel)
    if (request.notice) note(`${paint('yellow', '!')} ${request.notice}`)
    for (;;) {
      const target = describeTargets(channels, request.phaseChannels)
      const action = await prompt((p) =>
        p.select({
          message: `${this.opts.rehearsal ? 'REHEARSAL: ' : ''}Publish update ${request.update} (${request.phase}) of ${request.incident} to ${target}${this.opts.rehearsal ? ` in the sandbox at ${this.opts.rehearsal.sandbox}` : ''}?\n  approving as ${describeActor(this.opts.actor)}`,
          choices: [
            {name: 'Review the posts again', value: 'review'},
            {
              name: `Publish to ${target}`,
              value: 'publish',
              disabled: channels.length === 0 ? '(no channel chosen)' : false,
            },
            {name: 'Choose channels', value: 'choose'},
            {name: 'Edit a post in $EDITOR', value: 'edit'},
            {name: 'Abort: send nothing', value: 'abort'},
          ],
          // Enter alone never publishes.
          default: 'review',
        }),
      )
      if (action === 'abort') return {action: 'abort'}
      if (action === 'publish') return {action: 'publish', channels, posts}
      if (action === 'review') {
        const shown = posts
          .filter((p) => channels.includes(p.channel))
          .map((p) => checked.get(p.channel) ?? {...p, warnings: [], errors: [], violations: []})
        show(
          formatPreview(
            {playbook: '', phase: request.phase, posts: shown},
            `Update ${request.update} of ${request.incident} · ${request.phase}, to ${target}`,
          ),
        )
        continue
      }
      if (action === 'choose') {
        channels = await prompt((p) =>
          p.checkbox({
            message: 'Publish to which channels?',
            choices: posts.map((post) => ({
              name: `${post.channel} (${post.type})`,
              value: post.channel,
              checked: channels.includes(post.channel),
            })),
          }),
        )
        continue
      }
      const which =
        posts.length === 1
          ? posts[0].channel
          : await prompt((p) =>
              p.select({
                message: 'Edit which post?',
                choices: posts.map((post) => ({name: post.channel, value: post.channel})),
              }),
            )
      const current = posts.find((p) => p.channel === which)!
      const text = await prompt((p) =>
        p.editor({
          message: `Edit the ${which} post (save and close the editor to continue)`,
          default: request.editText(current),
          postfix: '.txt',
          waitForUserInput: false,
        }),
      )
      const revised = request.revise(which, text)
      if (revised.errors.length > 0) {
        note(`${paint('red', '✗')} ${revised.errors.join('; ')}; the edit was not kept`)
        continue
      }
      checked.set(which, revised)
      posts = posts.map((p) => (p.channel === which ? {...toRecord(revised), edited: true} : p))
      for (const field of ['subject', 'title', 'link'] as const)
        if (revised[field] !== undefined) note(`${paint('dim', `${which} ${field}:`)} ${revised[field]}`)
      for (const [i, part] of revised.parts.entries()) {
        note(
          `${paint('dim', `${which} ${revised.parts.length > 1 ? `${i + 1}/${revised.parts.length} ` : ''}(${part.length}${part.limit ? `/${part.limit}` : ''}):`)} ${part.text}`,
        )
      }
    }
  }
}

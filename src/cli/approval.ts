import type {ApprovalDecision, ApprovalRequest, Approver} from '../publish/publish.js'
import type {RenderedPostRecord} from '../incident/events.js'
import {paint} from './style.js'

/**
 * Interactive approval with @inquirer/prompts: publish all, choose channels, edit a
 * post in $EDITOR, or abort. Loaded only when a publish actually asks a person.
 */
export class PromptApprover implements Approver {
  async approve(request: ApprovalRequest): Promise<ApprovalDecision> {
    const {select, checkbox, editor} = await import('@inquirer/prompts')
    let posts: RenderedPostRecord[] = request.posts.map((p) => ({...p}))
    let channels = posts.map((p) => p.channel)
    for (;;) {
      const selected = channels.length === posts.length ? 'all channels' : channels.join(', ') || 'no channel'
      const action = await select({
        message: `Publish update ${request.update} (${request.phase}) of ${request.incident} to ${selected}?`,
        choices: [
          {name: `Publish to ${selected}`, value: 'publish', disabled: channels.length === 0 ? '(no channel chosen)' : false},
          {name: 'Choose channels', value: 'choose'},
          {name: 'Edit a post in $EDITOR', value: 'edit'},
          {name: 'Abort: send nothing', value: 'abort'},
        ],
      })
      if (action === 'abort') return {action: 'abort'}
      if (action === 'publish') return {action: 'publish', channels, posts}
      if (action === 'choose') {
        channels = await checkbox({
          message: 'Publish to which channels?',
          choices: posts.map((p) => ({name: `${p.channel} (${p.type})`, value: p.channel, checked: channels.includes(p.channel)})),
        })
        continue
      }
      const which = posts.length === 1 ? posts[0].channel : await select({message: 'Edit which post?', choices: posts.map((p) => ({name: p.channel, value: p.channel}))})
      const current = posts.find((p) => p.channel === which)!
      const text = await editor({
        message: `Edit the ${which} post (save and close the editor to continue)`,
        default: current.parts.length > 1 ? current.parts.map((p) => p.text.replace(/ \(\d+\/\d+\)$/, '')).join(' ') : current.parts[0].text,
        postfix: '.txt',
        waitForUserInput: false,
      })
      const revised = request.revise(which, text)
      if (revised.errors.length > 0) {
        process.stderr.write(`${paint('red', '✗')} ${revised.errors.join('; ')}; the edit was not kept\n`)
        continue
      }
      posts = posts.map((p) => (p.channel === which ? {...p, parts: revised.parts, edited: true} : p))
      for (const [i, part] of revised.parts.entries()) {
        process.stderr.write(`${paint('dim', `${which} ${revised.parts.length > 1 ? `${i + 1}/${revised.parts.length} ` : ''}(${part.length}${part.limit ? `/${part.limit}` : ''}):`)} ${part.text}\n`)
      }
    }
  }
}

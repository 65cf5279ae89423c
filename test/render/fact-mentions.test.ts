import {describe, expect, it} from 'vitest'
import {previewPhase} from '../../src/services/publish/preview.js'
import {writePlaybook} from '../helpers/cli.js'

function playbook(): string {
  return writePlaybook(
    `name: demo
facts:
  impact: { required: true }
channels:
  social: { type: mastodon }
  x: { type: x }
phases:
  investigating:
    posts:
      social: { text: "We're looking into it: {{impact}}. Questions: @support@acme.example" }
      x: { text: "We're looking into it: {{impact}}." }
`,
    'playbook.yaml',
  ).playbook
}

describe('preview: a mention in a fact', () => {
  it('warns that an @user@domain from a fact will notify that person on Mastodon, and only there', () => {
    const result = previewPhase({
      playbook: playbook(),
      phase: 'investigating',
      env: {CANDOR_SOCIAL_INSTANCE: 'https://mastodon.example'},
      sets: ['impact=calls fail, reported by @Dana@mastodon.example and dana@acme.example'],
    })
    const [social, x] = result.posts
    expect(social!.warnings).toEqual([
      '"@Dana@mastodon.example" (from fact "impact") will mention and notify that account on Mastodon; write it without the leading @ if no one should be notified',
    ])
    expect(x!.warnings).toEqual([])
    expect(result.blocked).toBe(false)
  })

  it('says nothing for mentions the template itself writes, or addresses without the @', () => {
    const result = previewPhase({
      playbook: playbook(),
      phase: 'investigating',
      env: {CANDOR_SOCIAL_INSTANCE: 'https://mastodon.example'},
      sets: ['impact=calls fail, see dana@mastodon.example'],
    })
    expect(result.posts[0]!.warnings).toEqual([])
  })
})

/**
 * The webhook receiver's signature check agrees with the Standard Webhooks reference library
 * (`standardwebhooks`, a devDependency): what it signs verifies, anything changed does not.
 */
import {randomBytes} from 'node:crypto'
import {Webhook} from 'standardwebhooks'
import {describe, expect, it} from 'vitest'
import {signatureProblem} from '../../src/infrastructure/sandbox/fakes/webhook-receiver.js'

const secret = `whsec_${randomBytes(32).toString('base64')}`
const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
const reference = new Webhook(secret)
const body = JSON.stringify({type: 'candor.update', text: 'Calls to Acme Voice are failing. <b>ü</b>'})

function headers(id: string, at: Date, raw = body) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': reference.sign(id, at, raw),
  }
}

describe('the webhook receiver verifies as standardwebhooks does', () => {
  it('accepts what the reference library signs, also among other signatures', () => {
    const h = headers('msg_1', new Date())
    expect(signatureProblem(key, body, h)).toBeUndefined()
    expect(signatureProblem(key, body, {...h, 'webhook-signature': `v2,abc ${h['webhook-signature']}`})).toBeUndefined()
    expect(() => reference.verify(body, h)).not.toThrow()
  })

  it('refuses a changed body, id or key, and timestamps more than 5 minutes off, in the library’s words', () => {
    // Well past the 5 minutes either way: headers carry whole seconds, so 301 s can round down to 300.
    const now = new Date()
    const h = headers('msg_2', now)
    for (const [problem, args] of [
      ['No matching signature found', [key, `${body} `, h]],
      ['No matching signature found', [key, body, {...h, 'webhook-id': 'msg_3'}]],
      ['No matching signature found', [randomBytes(32), body, h]],
      ['Message timestamp too old', [key, body, headers('msg_4', new Date(now.getTime() - 330_000))]],
      ['Message timestamp too new', [key, body, headers('msg_5', new Date(now.getTime() + 330_000))]],
      ['Missing required headers', [key, body, {...h, 'webhook-signature': ''}]],
      ['Invalid Signature Headers', [key, body, {...h, 'webhook-timestamp': 'soon'}]],
    ] as const) {
      expect(signatureProblem(...(args as unknown as Parameters<typeof signatureProblem>))).toBe(problem)
      // The library holds the right key: it refuses everything else that was changed.
      if (args[0] === key) expect(() => reference.verify(args[1], args[2] as Record<string, string>)).toThrow()
    }
  })
})

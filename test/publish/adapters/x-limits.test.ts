import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {ChannelAdapter} from '../../../src/services/publish/adapter.js'
import {createAdapter} from '../../../src/channels/x/adapter.js'
import {startFakeX, type FakeX} from '../../../src/infrastructure/sandbox/fakes/x-api.js'
import {X_CREDENTIALS} from '../../helpers/x-incident.js'
import {waitFor} from '../../helpers/wait.js'
import {deliveryFailure, postRequest, TIMEOUT} from './requests.js'

let fake: FakeX | undefined
afterEach(async () => fake?.close())

function adapterFor(f: FakeX): ChannelAdapter {
  const {appKey, appSecret, accessToken, accessSecret} = X_CREDENTIALS
  return createAdapter({
    channel: {name: 'x', type: 'x', kind: CHANNEL_KINDS.x, options: {api_url: f.url}},
    credentials: {APP_KEY: appKey, APP_SECRET: appSecret, ACCESS_TOKEN: accessToken, ACCESS_SECRET: accessSecret},
    timeoutMs: TIMEOUT,
  })
}

const request = (text: string) => postRequest({channel: 'x', type: 'x', text, limit: 280})
const secrets = Object.values(X_CREDENTIALS)

describe('X adapter: answers that are not a post', () => {
  it('a 429 from the used-up 24-hour cap fails at once and says when the cap resets', async () => {
    fake = await startFakeX({credentials: X_CREDENTIALS})
    // The 15-minute window resets in a minute; the daily cap in 20 hours.
    fake.fail({status: 429, resetInSeconds: 60, userDayResetInSeconds: 20 * 3600})
    const before = Math.floor(Date.now() / 1000)
    const e = await deliveryFailure(adapterFor(fake).post(request('We are investigating failed calls.')), secrets)
    expect(e.retry).toBe('never')
    const reset = /resets at (\S+Z),/.exec(e.message)?.[1]
    expect(e.message).toMatch(
      /^X's 24-hour post limit for this account is used up \(429\); it resets at \S+Z, then run candor retry$/,
    )
    const resetSeconds = Date.parse(reset!) / 1000
    expect(resetSeconds).toBeGreaterThanOrEqual(before + 20 * 3600)
    expect(resetSeconds).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 20 * 3600)
    expect(fake.tweets).toHaveLength(0)
  })

  it('a 429 of the 15-minute window still waits for x-rate-limit-reset', async () => {
    fake = await startFakeX({credentials: X_CREDENTIALS})
    fake.fail({status: 429, resetInSeconds: 90})
    const e = await deliveryFailure(adapterFor(fake).post(request('We are investigating failed calls.')), secrets)
    expect(e.retry).toBe('rate-limit')
    expect(e.retryAt!.getTime() - Date.now()).toBeGreaterThan(80_000)
    expect(e.retryAt!.getTime() - Date.now()).toBeLessThanOrEqual(90_000)
  })

  it('a redirect is a failed delivery naming where it points, and is not followed', async () => {
    fake = await startFakeX({credentials: X_CREDENTIALS})
    fake.fail({status: 307, location: 'https://api.x.example/2/tweets?token=abc'})
    const e = await deliveryFailure(adapterFor(fake).post(request('We are investigating failed calls.')), [
      ...secrets,
      'token=abc',
    ])
    expect(e).toMatchObject({
      retry: 'never',
      message:
        'X answered a redirect to https://api.x.example/2/tweets; Candor does not follow redirects: point api_url at the new URL',
    })
    expect(fake.requests.map((r) => r.method)).toEqual(['POST'])
    expect(fake.tweets).toHaveLength(0)
  })
})

describe('X adapter: the Ctrl-C grace', () => {
  // twitter-api-v2 takes no AbortSignal; without the adapter's own race, a hanging request held the
  // command until its timeout after the grace was over.
  it('stops waiting for a post when its signal aborts', async () => {
    fake = await startFakeX({credentials: X_CREDENTIALS})
    fake.fail({kind: 'hang'})
    const ac = new AbortController()
    const posting = adapterFor(fake).post(
      postRequest({channel: 'x', type: 'x', text: 'Hi', limit: 280}, {signal: ac.signal}),
    )
    await waitFor(() => fake!.requests.length === 1, {what: 'the post to reach the fake'})
    ac.abort(new Error('grace over'))
    await expect(posting).rejects.toThrow('grace over')
  })

  it('stops waiting for a deletion when its signal aborts', async () => {
    fake = await startFakeX({credentials: X_CREDENTIALS})
    fake.fail({kind: 'hang'}, 1, {method: 'DELETE', path: '/2/tweets/:id'})
    const ac = new AbortController()
    const deleting = adapterFor(fake).delete!({id: '1', url: 'https://x.com/i/web/status/1'}, ac.signal)
    await waitFor(() => fake!.requests.length === 1, {what: 'the deletion to reach the fake'})
    ac.abort(new Error('grace over'))
    await expect(deleting).rejects.toThrow('grace over')
  })
})

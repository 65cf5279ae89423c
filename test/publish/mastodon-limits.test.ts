import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../src/channels/registry.js'
import {createAdapter} from '../../src/channels/mastodon/adapter.js'
import {previewPhase} from '../../src/services/publish/preview.js'
import {
  startFakeMastodon,
  type FakeMastodon,
  type StartFakeMastodonOptions,
} from '../../src/infrastructure/sandbox/fakes/mastodon-api.js'
import {MASTODON_TOKEN as TOKEN, mastodonInstanceIncident} from '../helpers/mastodon-instance.js'

// ~700 characters with one long URL: over Mastodon's default 500, within 1000.
const LONG = `${'Calls to Acme Voice fail for some customers while we work on it. '.repeat(10)}Details: https://status.acme.example/incidents/2026-11-25-acme-voice-outage-details`

let fake: FakeMastodon | undefined
afterEach(async () => fake?.close())

/** The incident of mastodonInstanceIncident, on LONG, and a preview of its identified phase. */
async function world(fakeOptions: Partial<StartFakeMastodonOptions> = {}, channelOptions = '') {
  const w = await mastodonInstanceIncident({text: LONG, fake: fakeOptions, channelOptions})
  fake = w.fake
  const preview = () =>
    previewPhase({playbook: w.playbook, phase: 'identified', sets: [`text=${LONG}`], env: {}}).posts[0]!
  return {...w, preview}
}

describe('mastodon instance limits', () => {
  it('the adapter reads max_characters and characters_reserved_per_url from GET /api/v2/instance, without a token', async () => {
    fake = await startFakeMastodon({accessToken: TOKEN, maxCharacters: 5000, charactersReservedPerUrl: 30})
    const adapter = createAdapter({
      channel: {
        name: 'm',
        type: 'mastodon',
        kind: CHANNEL_KINDS.mastodon,
        options: {instance: 'https://mastodon.example', api_url: fake.url},
      },
      credentials: {ACCESS_TOKEN: TOKEN},
      timeoutMs: 5000,
    })
    expect(await adapter.readLimits!(new AbortController().signal)).toEqual({maxLength: 5000, urlLength: 30})
    expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['GET', '/api/v2/instance', undefined],
    ])
  })

  it('publish splits by what the instance allows: one status where it allows 1000', async () => {
    const w = await world({maxCharacters: 1000})
    const r = await w.publish('investigating')
    expect(r.deliveries[0]!.status).toBe('published')
    expect(w.fake.statuses.map((s) => s.text)).toEqual([LONG])
    expect(w.instanceReads()).toBe(1)
  })

  it('publish splits by a smaller instance limit, and the instance takes every part', async () => {
    const w = await world({maxCharacters: 300, charactersReservedPerUrl: 40})
    const r = await w.publish('investigating')
    expect(r.deliveries[0]).toMatchObject({status: 'published'})
    expect(w.fake.statuses.length).toBeGreaterThan(2)
    expect(w.fake.statuses.every((s) => s.text.length <= 300)).toBe(true)
  })

  it('max_length in the playbook wins, and the instance is not asked', async () => {
    const w = await world({maxCharacters: 1000}, ', max_length: 400')
    await w.publish('investigating')
    expect(w.fake.statuses.length).toBe(2)
    expect(w.instanceReads()).toBe(0)
    expect(w.preview().limitNote).toBe('limit 400 from max_length in the playbook')
  })

  it('preview uses the limit publish cached, says so, and never touches the network', async () => {
    const w = await world({maxCharacters: 1000})
    const before = w.preview()
    expect(before.parts).toHaveLength(2)
    expect(before.limitNote).toBe(
      `limit 500 assumed (Mastodon's default): ${w.instance} has not been asked yet; publish reads its own limit`,
    )
    await w.publish('investigating')
    const requests = w.fake.requests.length
    const after = w.preview()
    expect(after.parts).toHaveLength(1)
    expect(after.parts[0]!.limit).toBe(1000)
    expect(after.limitNote).toMatch(
      new RegExp(
        `^limit 1000, URLs count 23, as ${w.instance.replace(/\./g, '\\.')} said at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`,
      ),
    )
    expect(w.fake.requests.length).toBe(requests)
  })

  it('an instance that cannot be asked leaves the cached limit in place, with a warning; nothing is lost', async () => {
    const w = await world({maxCharacters: 1000})
    await w.publish('investigating')
    w.fake.fail({status: 503}, 1, {method: 'GET', path: '/api/v2/instance'})
    const r = await w.publish('identified')
    expect(r.deliveries[0]!.status).toBe('published')
    expect(r.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^mastodon: could not read ${w.instance.replace(/\./g, '\\.')}'s limits \\(.*503.*\\); using the limit of 1000 it gave at `,
        ),
      ),
    ])
    expect(w.fake.statuses).toHaveLength(2)
  })
})

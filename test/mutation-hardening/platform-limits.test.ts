/**
 * The platform limits a server said (a Mastodon instance's length limit), kept in the template
 * cache for previews: which server a channel's limits come from, what is kept under which key, and
 * which cached values are trusted. Written from the mutants of services/render/platform-limits.ts,
 * with an in-memory cache, so it holds whether or not CANDOR_CACHE turns the disk cache off.
 */
import {afterEach, describe, expect, it} from 'vitest'
import type {Playbook} from '../../src/domain/playbook/model.js'
import {processTemplateCache} from '../../src/infrastructure/template-cache.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {
  cachedLimits,
  cacheLimits,
  limitsSource,
  type PlatformLimits,
} from '../../src/services/render/platform-limits.js'
import {type TemplateCache, useTemplateCache} from '../../src/services/render/template-cache-port.js'
import {writePlaybook} from '../helpers/cli.js'

/** A cache in memory that records what it was asked for. */
class MemoryCache implements TemplateCache {
  readonly entries = new Map<string, unknown>()
  readonly asked: string[] = []
  get(kind: string, input: string): unknown {
    this.asked.push(`${kind}|${input}`)
    return this.entries.get(`${kind}|${input}`)
  }
  set(kind: string, input: string, value: unknown): void {
    this.entries.set(`${kind}|${input}`, value)
  }
}

function playbook(): Playbook {
  const {playbook: file} = writePlaybook(`
name: limits
facts:
  service: { required: true }
channels:
  social: { type: mastodon, instance: "https://social.example/some/path" }
  other: { type: mastodon, instance: "https://other.example" }
  bare: { type: mastodon }
  x: { type: x }
phases:
  investigating:
    posts:
      social: { text: "{{service}}" }
      other: { text: "{{service}}" }
      bare: { text: "{{service}}" }
      x: { text: "{{service}}" }
`)
  const {playbook: p, problems} = loadPlaybook(file)
  expect(problems).toEqual([])
  return p!
}

const limits = (source: string, extra: Partial<PlatformLimits> = {}): PlatformLimits => ({
  maxLength: 1000,
  source,
  readAt: '2026-12-05T09:00:00.000Z',
  ...extra,
})

afterEach(() => useTemplateCache(processTemplateCache))

describe('limitsSource', () => {
  it("is the origin of the channel's instance, from the environment first, a blank one ignored", () => {
    const p = playbook()
    expect(limitsSource(p, 'social')).toBe('https://social.example')
    expect(limitsSource(p, 'bare')).toBeUndefined()
    expect(limitsSource(p, 'bare', {CANDOR_BARE_INSTANCE: ' https://env.example/x '})).toBe('https://env.example')
    expect(limitsSource(p, 'social', {CANDOR_SOCIAL_INSTANCE: 'https://env.example'})).toBe('https://env.example')
    expect(limitsSource(p, 'social', {CANDOR_SOCIAL_INSTANCE: '   '})).toBe('https://social.example')
    expect(limitsSource(p, 'social', {CANDOR_OTHER_INSTANCE: 'https://env.example'})).toBe('https://social.example')
  })

  it('is undefined for a channel whose server sets no limits, and for a channel the playbook lacks', () => {
    const p = playbook()
    expect(limitsSource(p, 'x')).toBeUndefined()
    expect(limitsSource(p, 'nope')).toBeUndefined()
  })
})

describe('cacheLimits and cachedLimits', () => {
  it('keep the limits of each server apart, and read back each channel its own', () => {
    const p = playbook()
    const cache = new MemoryCache()
    cacheLimits('mastodon', limits('https://social.example', {maxLength: 700, urlLength: 0}), cache)
    cacheLimits('mastodon', limits('https://other.example', {maxLength: 900}), cache)
    const got = cachedLimits(p, ['social', 'other', 'bare', 'x'], {}, cache)
    expect([...got.entries()]).toEqual([
      ['social', limits('https://social.example', {maxLength: 700, urlLength: 0})],
      ['other', limits('https://other.example', {maxLength: 900})],
    ])
    // A channel without a server is not looked up at all.
    expect(cache.asked).toHaveLength(2)
    expect(cache.asked.every((key) => key.startsWith('platform-limits|mastodon https://'))).toBe(true)
  })

  it('keys by the channel type too, so another kind of server never shares an entry', () => {
    const p = playbook()
    const cache = new MemoryCache()
    cacheLimits('bluesky', limits('https://social.example'), cache)
    expect(cachedLimits(p, ['social'], {}, cache).size).toBe(0)
  })

  it('follow the instance the environment names', () => {
    const p = playbook()
    const cache = new MemoryCache()
    cacheLimits('mastodon', limits('https://env.example', {maxLength: 123}), cache)
    const got = cachedLimits(p, ['social', 'bare'], {CANDOR_BARE_INSTANCE: 'https://env.example'}, cache)
    expect([...got.keys()]).toEqual(['bare'])
    expect(got.get('bare')!.maxLength).toBe(123)
  })

  it('trust only a whole entry from the same server', () => {
    const p = playbook()
    const source = 'https://social.example'
    const bad: unknown[] = [
      undefined,
      null,
      'limits',
      42,
      {...limits(source), maxLength: 0},
      {...limits(source), maxLength: -5},
      {...limits(source), maxLength: 10.5},
      {...limits(source), maxLength: '500'},
      {source, readAt: '2026-12-05T09:00:00.000Z'},
      {...limits(source), urlLength: -1},
      {...limits(source), urlLength: 2.5},
      {...limits(source), urlLength: '23'},
      {...limits(source), urlLength: null},
      {maxLength: 500, readAt: '2026-12-05T09:00:00.000Z'},
      {...limits(source), source: 7},
      {...limits(source), readAt: 1733389200000},
      {maxLength: 500, source},
      limits('https://elsewhere.example'),
    ]
    for (const value of bad) {
      const cache = new MemoryCache()
      cache.set('platform-limits', `mastodon ${source}`, value)
      expect(cachedLimits(p, ['social'], {}, cache).size, JSON.stringify(value) ?? String(value)).toBe(0)
    }
    for (const value of [limits(source, {maxLength: 1}), limits(source, {urlLength: 0}), limits(source)]) {
      const cache = new MemoryCache()
      cache.set('platform-limits', `mastodon ${source}`, value)
      expect(cachedLimits(p, ['social'], {}, cache).get('social'), JSON.stringify(value)).toEqual(value)
    }
  })

  it('without a cache, keep nothing and find nothing, without failing', () => {
    const p = playbook()
    expect(() => cacheLimits('mastodon', limits('https://social.example'), null)).not.toThrow()
    expect(cachedLimits(p, ['social'], {}, null).size).toBe(0)
  })

  it('use the registered cache when none is given', () => {
    const p = playbook()
    const cache = new MemoryCache()
    useTemplateCache(() => cache)
    cacheLimits('mastodon', limits('https://social.example', {maxLength: 640}))
    expect(cache.entries.size).toBe(1)
    expect(cachedLimits(p, ['social']).get('social')!.maxLength).toBe(640)
    expect(cachedLimits(p, ['social'], {CANDOR_SOCIAL_INSTANCE: 'https://other.example'}).size).toBe(0)
  })
})

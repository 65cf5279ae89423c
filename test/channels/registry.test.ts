import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, expectTypeOf, it} from 'vitest'
import type {FacebookOptions} from '../../src/channels/facebook/kind.js'
import type {MastodonOptions} from '../../src/channels/mastodon/kind.js'
import {CHANNEL_TYPES, CHANNELS, isChannelType} from '../../src/channels/registry.js'
import {loadAdapterFactory} from '../../src/services/publish/channel-adapters.js'

/**
 * What docs/channels/README.md promises: a channel is its folder (kind.ts, adapter.ts) plus
 * one line in src/channels/registry.ts, and nothing else names it.
 */
const CHANNELS_DIR = fileURLToPath(new URL('../../src/channels/', import.meta.url))

describe('the channel registry', () => {
  it("every entry's folder has kind.ts and adapter.ts, and every channel folder has an entry", () => {
    for (const type of CHANNEL_TYPES) {
      expect(existsSync(path.join(CHANNELS_DIR, type, 'kind.ts')), `${type}/kind.ts`).toBe(true)
      expect(existsSync(path.join(CHANNELS_DIR, type, 'adapter.ts')), `${type}/adapter.ts`).toBe(true)
    }
    const folders = readdirSync(CHANNELS_DIR, {withFileTypes: true})
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
    expect(folders.sort()).toEqual([...CHANNEL_TYPES].sort())
  })

  it("every kind's type is its key", () => {
    for (const [key, entry] of Object.entries(CHANNELS)) expect(entry.kind.type).toBe(key)
    expect(isChannelType('x')).toBe(true)
    expect(isChannelType('toString')).toBe(false) // a key of every object, not a channel
  })

  it('loading each adapter yields a createAdapter', async () => {
    for (const type of CHANNEL_TYPES) {
      const module = await CHANNELS[type].adapter()
      expect(typeof module.createAdapter, type).toBe('function')
      expect(await loadAdapterFactory(type)).toBe(module.createAdapter)
    }
  })

  it('a kind never loads adapter code: kind.ts imports neither an adapter nor a service', () => {
    for (const type of CHANNEL_TYPES) {
      const source = readFileSync(path.join(CHANNELS_DIR, type, 'kind.ts'), 'utf8')
      const imports = [...source.matchAll(/from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2])
      expect(
        imports.filter((i) => /adapter|services\/|infrastructure\//.test(i!)),
        type,
      ).toEqual([])
    }
  })

  it('every option a kind declares says what it is for', () => {
    for (const type of CHANNEL_TYPES) {
      for (const [name, spec] of Object.entries(CHANNELS[type].kind.options)) {
        expect(spec.description, `${type}.${name}`).not.toBe('')
      }
    }
  })

  it('an options schema yields typed options: required ones present, oneOf a union (checked by tsc)', () => {
    expectTypeOf<FacebookOptions['page_id']>().toEqualTypeOf<string>()
    expectTypeOf<FacebookOptions['graph_version']>().toEqualTypeOf<string | undefined>()
    type Visibility = 'public' | 'unlisted' | 'private' | 'direct'
    expectTypeOf<MastodonOptions['visibility']>().toEqualTypeOf<Visibility | undefined>()
    expectTypeOf<MastodonOptions['max_length']>().toEqualTypeOf<number | undefined>()
  })
})

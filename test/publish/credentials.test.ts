import {describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../src/channels/registry.js'
import type {ChannelKind} from '../../src/channels/kind.js'
import {checkCredentials, envPrefix, isSecretVariable, parseDotEnv, secretValues} from '../../src/services/publish/credentials.js'
import {Redactor} from '../../src/services/publish/redact.js'
import {preflight} from '../../src/services/publish/publish.js'
import type {Playbook} from '../../src/domain/playbook/model.js'
import type {RenderedPost} from '../../src/services/render/render-phase.js'

describe('credentials', () => {
  it('names variables after the channel', () => {
    expect(envPrefix('x')).toBe('CANDOR_X_')
    expect(envPrefix('brand-x')).toBe('CANDOR_BRAND_X_')
    expect(envPrefix('eu.status page')).toBe('CANDOR_EU_STATUS_PAGE_')
  })

  it('preflight refuses a webhook secret too short to sign with, naming the command that makes one', () => {
    const hook = {name: 'hook', type: 'webhook' as const, kind: CHANNEL_KINDS.webhook, options: {}}
    const playbook = {channels: new Map([['hook', hook]])} as unknown as Playbook
    const posts = [{channel: 'hook', errors: []}] as unknown as RenderedPost[]
    const env = {CANDOR_HOOK_URL: 'https://ops.acme.test/hooks/candor'}
    const short = preflight(playbook, posts, {...env, CANDOR_HOOK_SECRET: `whsec_${Buffer.alloc(20, 7).toString('base64')}`})
    expect(short).toMatchObject({missing: [], problems: ['hook: CANDOR_HOOK_SECRET holds 20 bytes after whsec_, fewer than the 24 a signing secret needs; make one with: echo "whsec_$(openssl rand -base64 32)" (and give the receiver the same)']})
    expect(preflight(playbook, posts, {...env, CANDOR_HOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`})).toMatchObject({missing: [], problems: []})
  })

  it('names exactly the missing variables', () => {
    const channel = {name: 'brand-x', type: 'x' as const, kind: CHANNEL_KINDS.x, options: {}}
    const check = checkCredentials(channel, {CANDOR_BRAND_X_APP_KEY: 'k', CANDOR_BRAND_X_ACCESS_TOKEN: 't'})
    expect(check.ok).toBe(false)
    expect(check.missing).toEqual(['CANDOR_BRAND_X_APP_SECRET', 'CANDOR_BRAND_X_ACCESS_SECRET'])
    const ok = checkCredentials(channel, {CANDOR_BRAND_X_APP_KEY: 'k', CANDOR_BRAND_X_APP_SECRET: 's', CANDOR_BRAND_X_ACCESS_TOKEN: 't', CANDOR_BRAND_X_ACCESS_SECRET: 'u'})
    expect(ok).toMatchObject({ok: true, values: {APP_KEY: 'k', APP_SECRET: 's', ACCESS_TOKEN: 't', ACCESS_SECRET: 'u'}})
  })

  it('reads .env files', () => {
    expect(parseDotEnv('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=plain # comment\nbad line\n')).toEqual({A: '1', B: 'two words', C: 'x#y', D: 'plain'})
  })

  it('redacts secrets, also URL-encoded', () => {
    const r = new Redactor(['s3cr3t/token+x', 'abc'])
    expect(r.text('auth s3cr3t/token+x and s3cr3t%2Ftoken%2Bx, abc stays (too short)')).toBe('auth •••• and ••••, abc stays (too short)')
  })

  it('declares every credential field of every channel kind as secret or identifier', () => {
    for (const kind of Object.values<ChannelKind>(CHANNEL_KINDS)) {
      const named = [{}, {channel: 'C0123', url: 'https://hooks.example/x'}].flatMap((config) => kind.credentials(config).flat())
      for (const field of named) expect(kind.credentialFields, `${kind.type}: ${field}`).toHaveProperty(field)
    }
  })

  it('masks secrets only: a public identifier is no secret', () => {
    expect(isSecretVariable('CANDOR_BSKY_IDENTIFIER')).toBe(false)
    expect(isSecretVariable('CANDOR_BSKY_APP_PASSWORD')).toBe(true)
    expect(isSecretVariable('CANDOR_BRAND_X_APP_SECRET')).toBe(true)
    expect(isSecretVariable('CANDOR_HOOK_URL')).toBe(true)
    expect(isSecretVariable('CANDOR_OPS_SMTP_URL')).toBe(true)
    expect(isSecretVariable('CANDOR_OTHER_API_TOKEN')).toBe(true) // declared by no kind, but says it is a token
    expect(isSecretVariable('CANDOR_USER')).toBe(false)
    expect(isSecretVariable('CANDOR_STATE_DIR')).toBe(false)
    expect(isSecretVariable('GITHUB_TOKEN')).toBe(false)
    const env = {CANDOR_BSKY_IDENTIFIER: 'acme.bsky.social', CANDOR_BSKY_APP_PASSWORD: 'abcd-efgh-ijkl-mnop', CANDOR_USER: 'Dana'}
    expect(secretValues(env)).toEqual(['abcd-efgh-ijkl-mnop'])
  })
})

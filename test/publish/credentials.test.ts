import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../src/channels/registry.js'
import type {ChannelKind} from '../../src/channels/kind.js'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {checkCredentials, isSecretVariable, secretValues} from '../../src/services/publish/credentials.js'
import {envPrefix} from '../../src/channels/env-prefix.js'
import {envFileWarning, loadEnvironment, readDotEnv} from '../../src/infrastructure/env.js'
import {whoIsActing} from '../../src/services/incident/identity.js'
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
    const short = preflight(playbook, posts, {
      ...env,
      CANDOR_HOOK_SECRET: `whsec_${Buffer.alloc(20, 7).toString('base64')}`,
    })
    expect(short).toMatchObject({
      missing: [],
      problems: [
        'hook: CANDOR_HOOK_SECRET holds 20 bytes after whsec_, fewer than the 24 a signing secret needs; make one with: echo "whsec_$(openssl rand -base64 32)" (and give the receiver the same)',
      ],
    })
    expect(
      preflight(playbook, posts, {...env, CANDOR_HOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`}),
    ).toMatchObject({missing: [], problems: []})
  })

  it('names exactly the missing variables', () => {
    const channel = {name: 'brand-x', type: 'x' as const, kind: CHANNEL_KINDS.x, options: {}}
    const check = checkCredentials(channel, {CANDOR_BRAND_X_APP_KEY: 'k', CANDOR_BRAND_X_ACCESS_TOKEN: 't'})
    expect(check.ok).toBe(false)
    expect(check.missing).toEqual(['CANDOR_BRAND_X_APP_SECRET', 'CANDOR_BRAND_X_ACCESS_SECRET'])
    const ok = checkCredentials(channel, {
      CANDOR_BRAND_X_APP_KEY: 'k',
      CANDOR_BRAND_X_APP_SECRET: 's',
      CANDOR_BRAND_X_ACCESS_TOKEN: 't',
      CANDOR_BRAND_X_ACCESS_SECRET: 'u',
    })
    expect(ok).toMatchObject({ok: true, values: {APP_KEY: 'k', APP_SECRET: 's', ACCESS_TOKEN: 't', ACCESS_SECRET: 'u'}})
  })

  describe('.env', () => {
    let dir = ''
    const dotEnv = (text: string) => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'candor-env-'))
      writeFileSync(path.join(dir, '.env'), text, {mode: 0o600})
      return dir
    }
    afterEach(() => {
      if (dir) rmSync(dir, {recursive: true, force: true})
      dir = ''
    })

    it('reads KEY=VALUE lines, export, comments and quotes', () => {
      const env = readDotEnv(dotEnv('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=plain # comment\n'))
      expect(env).toEqual({A: '1', B: 'two words', C: 'x#y', D: 'plain'})
    })

    it('drops the quotes of a quoted value followed by a comment', () => {
      expect(readDotEnv(dotEnv('CANDOR_X_APP_KEY="tok" # the app key\n'))).toEqual({CANDOR_X_APP_KEY: 'tok'})
    })

    it('reads a quoted value over several lines whole', () => {
      const env = readDotEnv(dotEnv('CANDOR_KEY="-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----"\nCANDOR_AFTER=1\n'))
      expect(env).toEqual({CANDOR_KEY: '-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----', CANDOR_AFTER: '1'})
    })

    it('skips a line that is not NAME=VALUE, and keeps the variable after it', () => {
      expect(readDotEnv(dotEnv('A=1\nnot a setting\nCANDOR_X_APP_KEY=k\n'))).toEqual({A: '1', CANDOR_X_APP_KEY: 'k'})
    })

    it('is {} without a .env', () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'candor-env-'))
      expect(readDotEnv(dir)).toEqual({})
      expect(envFileWarning(dir)).toBeUndefined()
    })

    it('gives the real environment precedence over .env', () => {
      const env = loadEnvironment(dotEnv('CANDOR_STORE=/from/file\nCANDOR_USER=Dana\n'), {CANDOR_STORE: '/from/shell'})
      expect(env.CANDOR_STORE).toBe('/from/shell')
      expect(env.CANDOR_USER).toBe('Dana')
    })

    it('takes CANDOR_USER from .env like every other setting', () => {
      const env = loadEnvironment(dotEnv('CANDOR_USER="Dana Ops" # on call\n'), {})
      expect(whoIsActing(undefined, env)).toEqual({name: 'Dana Ops', source: '$CANDOR_USER'})
      expect(whoIsActing('Sam', env)).toEqual({name: 'Sam', source: '--as'})
    })

    it('warns when others can read .env', () => {
      const cwd = dotEnv('A=1\n')
      expect(envFileWarning(cwd)).toBeUndefined()
      chmodSync(path.join(cwd, '.env'), 0o644)
      expect(envFileWarning(cwd)).toBe('.env is readable by other users (mode 644); run: chmod 600 .env')
    })
  })

  it('redacts secrets, also URL-encoded', () => {
    const r = new Redactor(['s3cr3t/token+x', 'abc'])
    expect(r.text('auth s3cr3t/token+x and s3cr3t%2Ftoken%2Bx, abc stays (too short)')).toBe(
      'auth •••• and ••••, abc stays (too short)',
    )
  })

  it('declares every credential field of every channel kind as secret or identifier', () => {
    for (const kind of Object.values<ChannelKind>(CHANNEL_KINDS)) {
      const named = [{}, {channel: 'C0123', url: 'https://hooks.example/x'}].flatMap((config) =>
        kind.credentials(config).flat(),
      )
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
    const env = {
      CANDOR_BSKY_IDENTIFIER: 'acme.bsky.social',
      CANDOR_BSKY_APP_PASSWORD: 'abcd-efgh-ijkl-mnop',
      CANDOR_USER: 'Dana',
    }
    expect(secretValues(env)).toEqual(['abcd-efgh-ijkl-mnop'])
  })
})

import {existsSync, mkdirSync, readdirSync} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {runCli, tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, xEnv} from '../helpers/x-incident.js'
import {copyShipped, edit} from './rehearse-world.js'

/**
 * `candor rehearse` through the built CLI (run `npm run build` first): exit codes, the last
 * line, --json, and that it reaches nothing but its own sandbox and leaves nothing behind.
 */

const servers: http.Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections()
      return new Promise<void>((resolve) => s.close(() => resolve()))
    }),
  )
})

/** Stands in for every real platform, on loopback: it must hear nothing from a rehearsal. */
async function realPlatforms(): Promise<{url: string; requests: string[]}> {
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    res.writeHead(500).end()
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests}
}

/** An environment as full of credentials as a production shell, every endpoint at the "real" platforms. */
function productionEnv(real: string, tmp: string, stateDir: string): Record<string, string> {
  return {
    ...xEnv('X', X_CREDENTIALS),
    CANDOR_X_API_URL: real,
    CANDOR_MASTODON_API_URL: real,
    CANDOR_MASTODON_INSTANCE: real,
    CANDOR_MASTODON_ACCESS_TOKEN: 'mastodon-token-Zx81kq0Lw',
    CANDOR_BLUESKY_API_URL: real,
    CANDOR_BLUESKY_SERVICE: real,
    CANDOR_BLUESKY_IDENTIFIER: 'acme.bsky.social',
    CANDOR_BLUESKY_APP_PASSWORD: 'abcd-efgh-ijkl-mnop',
    CANDOR_FACEBOOK_API_URL: real,
    CANDOR_FACEBOOK_PAGE_TOKEN: 'EAAB-page-token-81kq0Lw',
    CANDOR_TRUSTED_HOSTS: '127.0.0.1',
    CANDOR_STATE_DIR: stateDir,
    TMPDIR: tmp,
  }
}

describe('candor rehearse (CLI)', () => {
  it('rehearses the shipped playbook cleanly (exit 0), touching no "real" platform and leaving nothing behind', async () => {
    const real = await realPlatforms()
    const tmp = tempDir('candor-rehearse-tmp-')
    const stateDir = path.join(tempDir('candor-rehearse-home-'), '.candor')
    const dir = copyShipped()
    const r = await runCli(['rehearse', path.join(dir, 'playbooks', 'outage.yaml')], {
      cwd: dir,
      env: productionEnv(real.url, tmp, stateDir),
      timeoutMs: 60_000,
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^investigating at \d\d:\d\d UTC, promises the next update by/m)
    expect(r.stdout).toMatch(/✓ x\s+\(en\)\s+x, 1 post; also renders in de, ja/)
    expect(r.stdout.trim().split('\n').at(-1)).toBe('✓ every phase of outage would have gone out cleanly')
    expect(real.requests).toEqual([])
    // The temporary state directory is gone; the user's state directory was never made; nothing in the project.
    expect(readdirSync(tmp)).toEqual([])
    expect(existsSync(stateDir)).toBe(false)
    expect(existsSync(path.join(dir, '.candor'))).toBe(false)
    expect(existsSync(path.join(dir, 'playbooks', 'blog'))).toBe(false)
  }, 90_000)

  it('exits 1 naming the first failing phase, channel and rule on the last line; --json has the report', async () => {
    const dir = copyShipped()
    edit(dir, 'templates/outage/facebook/investigating.hbs', (t) =>
      t.replace(", and we're sorry for the disruption this is causing you", ''),
    )
    const file = path.join(dir, 'playbooks', 'outage.yaml')
    const human = await runCli(['rehearse', file], {cwd: dir, timeoutMs: 60_000})
    expect(human.code).toBe(1)
    expect(human.stdout.trim().split('\n').at(-1)).toMatch(
      /^✗ rehearsal failed: phase investigating, channel facebook \(en\): lint:apology: .*does not apologise/,
    )
    const json = await runCli(['rehearse', file, '--json'], {cwd: dir, timeoutMs: 60_000})
    expect(json.code).toBe(1)
    const report = JSON.parse(json.stdout)
    expect(report).toMatchObject({
      ok: false,
      playbook: 'outage',
      first_failure: {phase: 'investigating', channel: 'facebook', rule: 'lint:apology'},
    })
    expect(report.phases.map((p: {phase: string}) => p.phase)).toEqual([
      'investigating',
      'identified',
      'monitoring',
      'resolved',
      'postmortem',
    ])
    const facebook = report.phases[0].channels.find(
      (c: {channel: string; published: boolean}) => c.channel === 'facebook' && c.published,
    )
    expect(facebook).toMatchObject({type: 'facebook', parts: 1, status: 'failed', problems: [{rule: 'lint:apology'}]})
  }, 90_000)

  it('--keep DIR keeps the journal and the Markdown files there', async () => {
    const dir = copyShipped()
    const keep = path.join(tempDir('candor-rehearse-keep-'), 'kept')
    const r = await runCli(['rehearse', path.join(dir, 'playbooks', 'outage.yaml'), '--keep', keep, '--json'], {
      cwd: dir,
      timeoutMs: 60_000,
    })
    expect(r.code).toBe(0)
    const {incident} = JSON.parse(r.stdout)
    expect(readdirSync(path.join(keep, 'incidents'))).toContain(`${incident}.jsonl`)
    expect(readdirSync(path.join(keep, 'sandbox', incident, 'blog'), {recursive: true}).length).toBeGreaterThan(0)
  }, 90_000)

  it('bad input is one error line and exit 1: a required fact missing', async () => {
    const dir = copyShipped()
    edit(dir, 'outage.yaml', (t) => t.replace('  service: "Acme Voice"\n', ''))
    const tmp = tempDir('candor-rehearse-tmp-')
    mkdirSync(path.join(tmp, 'x'))
    const r = await runCli(['rehearse', path.join(dir, 'playbooks', 'outage.yaml')], {
      cwd: dir,
      env: {TMPDIR: tmp},
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.split('\n')[0]).toMatch(/^Error: .*service/)
    expect(readdirSync(tmp)).toEqual(['x'])
  })
})

import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {startFakeBluesky, type FakeBluesky} from '../../src/infrastructure/sandbox/fakes/bluesky-api.js'
import {runCli, tempDir} from '../helpers/cli.js'

/**
 * Output redaction is for diagnostics and secrets only: a public identifier Candor was given
 * (CANDOR_<CH>_IDENTIFIER, a Bluesky handle) is shown, journaled and posted as written, while
 * a secret echoed in an error is still masked.
 */

const HANDLE = 'acme-status.bsky.social'
const PASSWORD = 'abcd-efgh-ijkl-mnop'
const TEXT = `Acme Voice calls fail. Follow us @${HANDLE} for updates.`

let fake: FakeBluesky | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function world(approvals = 1) {
  const dir = tempDir('candor-ident-')
  fake = await startFakeBluesky({identifier: HANDLE, handle: HANDLE, appPassword: PASSWORD})
  const playbook = path.join(dir, 'playbook.yaml')
  writeFileSync(
    playbook,
    `name: ident
${approvals > 1 ? `approval: { required: ${approvals} }\n` : ''}facts:
  service: { required: true }
channels:
  bsky: { type: bluesky, api_url: "${fake.url}" }
phases:
  investigating:
    posts:
      bsky: { text: "{{service}} calls fail. Follow us @${HANDLE} for updates." }
`,
  )
  const stateDir = path.join(dir, 'state')
  const env = {
    CANDOR_BSKY_IDENTIFIER: HANDLE,
    CANDOR_BSKY_APP_PASSWORD: PASSWORD,
    CANDOR_STATE_DIR: stateDir,
    CANDOR_USER: 'Dana',
  }
  const cli = (args: string[], more: Record<string, string> = {}) => runCli(args, {cwd: dir, env: {...env, ...more}})
  const opened = await cli(['incident', 'open', playbook, '--set', 'service=Acme Voice', '--id', 'voice-1'])
  expect(opened.code, opened.stderr).toBe(0)
  const journal = async () => (await new FileIncidentStore(stateDir).read('voice-1')).events
  return {dir, playbook, cli, journal}
}

describe('public identifiers are content, not secrets', () => {
  it('a Bluesky handle given as CANDOR_<CH>_IDENTIFIER is previewed, journaled, sent and retried verbatim; the app password in an error stays masked', async () => {
    const w = await world()
    const preview = await w.cli(['preview', w.playbook, '--phase', 'investigating', '--set', 'service=Acme Voice'])
    expect(preview.code, preview.stderr).toBe(0)
    expect(preview.stdout).toContain(TEXT)
    const dry = await w.cli(['publish', '-p', 'investigating', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain(TEXT)

    // The first send fails with an answer that echoes the app password.
    fake!.fail({status: 400, error: 'InvalidRequest', message: `session for ${PASSWORD} refused`}, 1, {
      nsid: 'com.atproto.repo.createRecord',
    })
    const failed = await w.cli(['publish', '-p', 'investigating', '--yes'])
    expect(failed.code).not.toBe(0)
    expect(failed.stdout + failed.stderr).toContain('session for •••• refused')
    expect(failed.stdout + failed.stderr).not.toContain(PASSWORD)
    const errors = (await w.journal()).flatMap((e) => (e.type === 'delivery_result' && e.error ? [e.error] : []))
    expect(errors.join('\n')).toContain('session for •••• refused')
    expect(JSON.stringify(await w.journal())).not.toContain(PASSWORD)

    // retry sends what the journal recorded: the handle, not ••••.
    const retried = await w.cli(['retry', '--json'])
    expect(retried.code, retried.stderr).toBe(0)
    expect(fake!.posts.map((p) => p.record.text)).toEqual([TEXT])
    const events = await w.journal()
    const rendered = events.find((e) => e.type === 'rendered')
    expect(rendered).toMatchObject({posts: [{channel: 'bsky', parts: [{text: TEXT}]}]})
    const published = events.find((e) => e.type === 'delivery_result' && e.status === 'published')
    expect(published).toMatchObject({
      remote: {url: expect.stringContaining(`https://bsky.app/profile/${HANDLE}/post/`)},
    })
    expect(retried.stdout).toContain(`https://bsky.app/profile/${HANDLE}/post/`)
  })

  it('a second approver sends the draft with the handle as written', async () => {
    const w = await world(2)
    const drafted = await w.cli(['publish', '-p', 'investigating', '--yes', '--json'])
    expect(drafted.code, drafted.stderr).toBe(0)
    const draft = JSON.parse(drafted.stdout).draft as string
    // What the second person is shown before approving (off a terminal: shown, then refused without --yes).
    const shown = await w.cli(['approve', draft], {CANDOR_USER: 'Bob'})
    expect(shown.code).toBe(4)
    expect(shown.stdout).toContain(TEXT)
    const sent = await w.cli(['approve', draft, '--yes', '--json'], {CANDOR_USER: 'Bob'})
    expect(sent.code, sent.stderr).toBe(0)
    expect(fake!.posts.map((p) => p.record.text)).toEqual([TEXT])
  })
})

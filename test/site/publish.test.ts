import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {loadIncident} from '../../src/services/incident/service.js'
import {publishUpdate, retryFailed} from '../../src/services/publish/publish.js'
import {retractUpdate} from '../../src/services/publish/retract.js'
import {createAdapter} from '../../src/channels/site/adapter.js'
import {CHANNEL_KINDS} from '../../src/channels/registry.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {tempDir} from '../helpers/cli.js'
import {X_CREDENTIALS, xEnv} from '../helpers/x-incident.js'
import {MINUTE, siteWorld, worldFor} from './helpers.js'
import {writeClockJumpJournal} from './status-journals.js'

const fakes: FakeX[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()))
})

const read = (dir: string, p: string) => readFileSync(path.join(dir, p), 'utf8')

/** A playbook posting to X (a fake) and to the status site. */
async function mixedWorld() {
  const fake = await startFakeX({credentials: X_CREDENTIALS})
  fakes.push(fake)
  const dir = tempDir('candor-site-mixed-')
  const siteDir = path.join(dir, 'www')
  const file = path.join(dir, 'mixed.yaml')
  writeFileSync(
    file,
    `name: outage
facts:
  service: { required: true }
channels:
  x: { type: x, api_url: "${fake.url}" }
  status: { type: site, dir: ${JSON.stringify(siteDir)}, title: "Acme status" }
phases:
  investigating:
    next_update: 30m
    posts:
      x: { text: "Looking into {{service}}." }
      status: { text: "We are looking into problems with {{service}}." }
  resolved:
    posts:
      x: { text: "{{service}} is back." }
      status: { text: "{{service}} works normally again." }
`,
  )
  const w = worldFor(file, dir, siteDir)
  const publish = (incident: string, phase: string, channels?: string[]) =>
    publishUpdate(
      {incident, phase, facts: {}, yes: true, interactive: false, channels},
      {
        store: w.store,
        actor: 'dana',
        env: xEnv(),
        reporter: {progress() {}},
        clock: w.clock,
        backoffMs: 1,
        timeoutMs: 2000,
      },
    )
  return {...w, fake, publish}
}

describe('the site channel', () => {
  it('rebuilds the site on every publish, from the journal, and reports the incident page as the post', async () => {
    const w = siteWorld()
    const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice'})
    const first = await w.publish(id, 'investigating')
    expect(first.deliveries).toEqual([
      {
        channel: 'site',
        status: 'published',
        ids: ['voice/1'],
        urls: ['https://status.acme.example/incidents/voice.html'],
      },
    ])
    expect(read(w.siteDir, 'index.html')).toContain('Major outage')
    expect(read(w.siteDir, 'index.html')).toContain('We are investigating problems with Acme Voice: Calls fail.')

    w.clock.advance(20 * MINUTE)
    await w.publish(id, 'identified', {cause: 'a failed upgrade'})
    const page = read(w.siteDir, 'incidents/voice.html')
    expect(page.indexOf('We found the cause of the Acme Voice problems: a failed upgrade.')).toBeLessThan(
      page.indexOf('We are investigating problems'),
    )

    w.clock.advance(20 * MINUTE)
    await w.publish(id, 'resolved')
    const index = read(w.siteDir, 'index.html')
    expect(index).toContain('All systems operational')
    expect(index).toContain('<a href="incidents/voice.html">Acme Voice outage</a>')
    expect(index).not.toContain('<h2 id="open-heading">')
    const {state} = await loadIncident(w.store, id)
    expect(state.resolved).toBe(true)
    expect(state.lastPosts.get('site')).toMatchObject({
      id: 'voice/3',
      url: 'https://status.acme.example/incidents/voice.html',
    })
    const feed = JSON.parse(read(w.siteDir, 'feed.json'))
    expect(feed.items).toHaveLength(3)
  })

  it('links the page relative to the site folder when there is no base_url', async () => {
    const w = siteWorld({baseUrl: null})
    const id = await w.open({service: 'S', impact: 'I'}, {id: 'plain'})
    const r = await w.publish(id, 'investigating')
    expect(r.deliveries[0]).toMatchObject({status: 'published', urls: ['incidents/plain.html']})
    expect(existsSync(path.join(w.siteDir, 'incidents', 'plain.html'))).toBe(true)
  })

  it('shows nothing that was not published to the site, and other channels carry on when the site fails', async () => {
    const w = await mixedWorld()
    const id = await w.open({service: 'Acme Voice'}, {id: 'voice'})
    const onlyX = await w.publish(id, 'investigating', ['x'])
    expect(onlyX.deliveries.map((d) => [d.channel, d.status])).toEqual([['x', 'published']])
    expect(existsSync(w.siteDir)).toBe(false)

    // Someone else's index.html in the folder: the site delivery fails, never retried, X goes out.
    mkdirSync(w.siteDir)
    writeFileSync(path.join(w.siteDir, 'index.html'), 'theirs')
    w.clock.advance(40 * MINUTE)
    const clash = await w.publish(id, 'resolved')
    expect(clash.deliveries.find((d) => d.channel === 'x')?.status).toBe('published')
    expect(clash.deliveries.find((d) => d.channel === 'status')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/index\.html in .*www was not written by Candor; nothing was changed/),
    })
    expect(read(w.siteDir, 'index.html')).toBe('theirs')
    const attempts = (await w.store.read(id)).events.filter(
      (e) => e.type === 'delivery_attempt' && e.channel === 'status',
    )
    expect(attempts).toHaveLength(1)

    // Moved away: retry rebuilds, and the site shows only what was approved for it.
    renameSync(path.join(w.siteDir, 'index.html'), path.join(w.dir, 'theirs.html'))
    const retry = await retryFailed(
      {incident: id},
      {store: w.store, actor: 'dana', env: xEnv(), reporter: {progress() {}}, clock: w.clock},
    )
    expect(retry.updates).toEqual([
      {
        update: 2,
        phase: 'resolved',
        deliveries: [{channel: 'status', status: 'published', ids: ['voice/2'], urls: ['incidents/voice.html']}],
      },
    ])
    const page = read(w.siteDir, 'incidents/voice.html')
    expect(page).toContain('Acme Voice works normally again.')
    expect(page).not.toContain('Looking into')
    expect(page).not.toContain('We are looking into')
    expect(w.fake.tweets).toHaveLength(2)
  })

  it('takes an update off the site when it is retracted', async () => {
    const w = siteWorld()
    const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice'})
    await w.publish(id, 'investigating')
    w.clock.advance(10 * MINUTE)
    await w.publish(id, 'identified', {cause: 'a typo we regret'})
    expect(read(w.siteDir, 'incidents/voice.html')).toContain('a typo we regret')
    const result = await retractUpdate({incident: id, update: 2}, {store: w.store, actor: 'dana', env: {}})
    expect(result.retractions).toEqual([{channel: 'site', status: 'deleted', ids: ['voice/2']}])
    const page = read(w.siteDir, 'incidents/voice.html')
    expect(page).not.toContain('a typo we regret')
    expect(page).toContain('We are investigating problems with Acme Voice')
  })

  it("says on stderr what the site build warns about (another journal's clock jump), and still publishes", async () => {
    const w = siteWorld()
    writeClockJumpJournal(path.join(w.dir, 'state'))
    const id = await w.open({service: 'Acme Voice', impact: 'Calls fail'}, {id: 'voice'})
    const said: string[] = []
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      said.push(String(chunk))
      return true
    })
    try {
      const result = await w.publish(id, 'investigating')
      expect(result.deliveries[0]).toMatchObject({channel: 'site', status: 'published'})
    } finally {
      stderr.mockRestore()
    }
    expect(said).toContainEqual(
      expect.stringMatching(
        /^› warning: incident jumpy: update 2 is dated .*, before the incident opened .*: a clock jump\?/,
      ),
    )
  })

  it('describes its target and needs the store', async () => {
    const channel = {
      name: 'status',
      type: 'site' as const,
      kind: CHANNEL_KINDS.site,
      options: {dir: 'public', base_url: 'https://status.acme.example/'},
    }
    const adapter = createAdapter({channel, credentials: {}, timeoutMs: 1000})
    expect(adapter.describeTarget()).toBe(`status site in ${path.resolve('public')} (https://status.acme.example)`)
    await expect(
      adapter.post({
        text: 't',
        part: 1,
        parts: 1,
        post: {channel: 'status', type: 'site', parts: []},
        incident: {id: 'a', update: 1, phase: 'p', facts: {}},
        idempotencyKey: 'k',
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({retry: 'never', message: expect.stringContaining('built from the incident store')})
  })
})

import {appendFileSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {X_CREDENTIALS, xWorld, type XWorld} from '../helpers/x-incident.js'

let world: XWorld
afterEach(async () => world?.close())

function journalOf(w: XWorld): string {
  const dir = path.join(w.env.CANDOR_STATE_DIR, 'incidents')
  return readdirSync(dir)
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('')
}

describe('an incident on X, end to end through the CLI', () => {
  it('publishes every phase as one thread, records it, and reports status', async () => {
    world = await xWorld()
    const open = await world.cli([
      'incident',
      'open',
      world.playbook,
      '--set',
      'service=Acme Voice',
      '--set',
      'impact=Calls fail to connect',
      '--id',
      'voice-1',
      '--json',
    ])
    expect(open.code, open.stderr).toBe(0)
    expect(JSON.parse(open.stdout)).toEqual({id: 'voice-1'})

    const phases = ['investigating', 'identified', 'monitoring', 'resolved']
    for (const phase of phases) {
      const extra = phase === 'identified' ? ['--set', 'cause=a failed database upgrade'] : []
      const r = await world.cli(['publish', '--phase', phase, '--yes', '--json', ...extra])
      expect(r.code, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out).toEqual({
        incident: 'voice-1',
        phase,
        update: phases.indexOf(phase) + 1,
        deliveries: [
          {
            channel: 'x',
            status: 'published',
            ids: [expect.any(String)],
            urls: [expect.stringMatching(/^https:\/\/x\.com\/i\/web\/status\/\d+$/)],
          },
        ],
      })
    }
    const tweets = world.fake.tweets
    expect(tweets).toHaveLength(4)
    expect(tweets[0].inReplyTo).toBeUndefined()
    for (let i = 1; i < tweets.length; i++) expect(tweets[i].inReplyTo).toBe(tweets[i - 1].id)
    expect(tweets[1].text).toBe(
      'We found the cause of the Acme Voice problems: a failed database upgrade. A fix is being rolled out.',
    )
    expect(tweets[0].text).toMatch(/Next update by \d\d:\d\d UTC\.$/)

    const status = JSON.parse((await world.cli(['status', '--incident', 'voice-1', '--json'])).stdout)
    expect(status).toMatchObject({
      incident: 'voice-1',
      phase: 'resolved',
      resolved: true,
      overdue: false,
      next_update_due: null,
      facts: {service: 'Acme Voice', cause: 'a failed database upgrade'},
    })
    expect(status.channels).toEqual([
      {
        channel: 'x',
        update: 4,
        id: tweets[3].id,
        url: `https://x.com/i/web/status/${tweets[3].id}`,
        at: expect.any(String),
      },
    ])

    const list = JSON.parse((await world.cli(['incident', 'list', '--json'])).stdout)
    expect(list.incidents).toEqual([])
    const all = JSON.parse((await world.cli(['incident', 'list', '--all', '--json'])).stdout)
    expect(all.incidents.map((i: {id: string}) => i.id)).toEqual(['voice-1'])

    const show = await world.cli(['incident', 'show', 'voice-1'])
    expect(show.stdout).toContain('Dana On-Call')
    expect(show.stdout).toContain('changed cause: (unset) → "a failed database upgrade"')
    expect(show.stdout).toContain('approved update 2 for x')
    const types = journalOf(world)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).type)
    expect(types.filter((t) => t === 'delivery_result')).toHaveLength(4)
    expect(types[0]).toBe('opened')
  })

  it('splits a long post into a chain, and the next update replies to its last part', async () => {
    world = await xWorld()
    const impact = 'Calls to and from landlines fail to connect and voicemail is delayed for customers on every plan. '
      .repeat(4)
      .trim()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=Acme Voice', '--set', `impact=${impact}`])
    const r = await world.cli(['publish', '--phase', 'investigating', '--yes', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const parts = JSON.parse(r.stdout).deliveries[0].ids
    expect(parts.length).toBeGreaterThan(1)
    const tweets = world.fake.tweets
    expect(tweets.map((t) => t.id)).toEqual(parts)
    tweets.forEach((t, i) => {
      expect(t.text.endsWith(` (${i + 1}/${tweets.length})`)).toBe(true)
      expect(t.inReplyTo).toBe(i === 0 ? undefined : tweets[i - 1].id)
    })
    await world.cli(['publish', '--phase', 'identified', '--yes'])
    expect(world.fake.tweets.at(-1)!.inReplyTo).toBe(parts.at(-1))
  })

  it('posts nothing without a TTY and without --yes (exit 4)', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    const r = await world.cli(['publish', '--phase', 'investigating'])
    expect(r.code).toBe(4)
    expect(r.stderr).toContain(
      'publishing needs approval, and no one can be asked: neither stdin nor stdout is a terminal',
    )
    expect(r.stderr).toContain('--yes')
    expect(world.fake.requests).toHaveLength(0)
    expect(journalOf(world).trim().split('\n')).toHaveLength(1)
  })

  it('--dry-run shows each part and target and opens no connection', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    const r = await world.cli(['publish', '--phase', 'investigating', '--dry-run'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('Dry run: update 1 (investigating)')
    expect(r.stdout).toContain(`x → X account of CANDOR_X_ACCESS_TOKEN via ${world.fake.url}`)
    expect(r.stdout).toContain('We are investigating problems with S: I.')
    const json = JSON.parse((await world.cli(['publish', '--phase', 'investigating', '--dry-run', '--json'])).stdout)
    expect(json.plan[0]).toMatchObject({channel: 'x', credentials: {ok: true, missing: []}, parts: [{reply_to: null}]})
    expect(world.fake.requests).toHaveLength(0)
  })

  it('preflight names the missing variables and sends nothing anywhere', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    const r = await world.cli(['publish', '--phase', 'investigating', '--yes'], {
      CANDOR_X_APP_SECRET: undefined,
      CANDOR_X_ACCESS_SECRET: undefined,
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('missing credentials: set CANDOR_X_APP_SECRET, CANDOR_X_ACCESS_SECRET')
    expect(world.fake.requests).toHaveLength(0)
  })

  it('a failed delivery exits 3; retry sends only what failed, exactly once per part', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    expect((await world.cli(['publish', '--phase', 'investigating', '--yes'])).code).toBe(0)
    world.fake.fail({status: 401})
    const failed = await world.cli(['publish', '--phase', 'identified', '--yes', '--json'])
    expect(failed.code).toBe(3)
    expect(JSON.parse(failed.stdout).deliveries[0]).toMatchObject({
      channel: 'x',
      status: 'failed',
      error: expect.stringContaining('X rejected the credentials (401'),
    })
    const status = JSON.parse((await world.cli(['status', '--json'])).stdout)
    expect(status.unfinished).toEqual([
      {update: 2, phase: 'identified', channel: 'x', status: 'failed', error: expect.stringContaining('401')},
    ])

    const retry = await world.cli(['retry', '--json'])
    expect(retry.code, retry.stderr).toBe(0)
    expect(JSON.parse(retry.stdout).updates).toEqual([
      {
        update: 2,
        phase: 'identified',
        deliveries: [{channel: 'x', status: 'published', ids: [expect.any(String)], urls: [expect.any(String)]}],
      },
    ])
    const again = await world.cli(['retry'])
    expect(again.stdout).toContain('Nothing to retry')
    const texts = world.fake.tweets.map((t) => t.text)
    expect(new Set(texts).size).toBe(texts.length)
    expect(world.fake.tweets).toHaveLength(2)
    expect(world.fake.tweets[1].inReplyTo).toBe(world.fake.tweets[0].id)
  })

  it('does not publish the same update twice unless --again: says so and exits 0', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    await world.cli(['publish', '--phase', 'monitoring', '--yes'])
    const twice = await world.cli(['publish', '--phase', 'monitoring', '--yes'])
    expect(twice.code, twice.stderr).toBe(0)
    expect(twice.stdout).toContain('x: already has update 1, skipped')
    expect(twice.stdout).toContain('Nothing was sent')
    expect(world.fake.tweets).toHaveLength(1)
    const dry = await world.cli(['publish', '--phase', 'monitoring', '--dry-run', '--json'])
    expect(JSON.parse(dry.stdout)).toMatchObject({plan: [], already: [{channel: 'x', update: 1, status: 'published'}]})
    const dryHuman = await world.cli(['publish', '--phase', 'monitoring', '--dry-run'])
    expect(dryHuman.code, dryHuman.stderr).toBe(0)
    expect(dryHuman.stdout).toContain('Dry run: every channel already has this update')
    expect(dryHuman.stdout).toContain('x: already has update 1, skipped')
    expect(world.fake.tweets).toHaveLength(1)
  })

  it('waits for a rate limit to reset, and gives up past --max-wait saying how long it needed', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    world.fake.fail({status: 429, resetInSeconds: 2})
    const waited = await world.cli(['publish', '--phase', 'investigating', '--yes'])
    expect(waited.code, waited.stderr).toBe(0)
    expect(waited.stderr).toMatch(/x: rate limited: waiting [1-3]s/)
    expect(world.fake.tweets).toHaveLength(1)

    world.fake.fail({status: 429, resetInSeconds: 900})
    const gaveUp = await world.cli(['publish', '--phase', 'identified', '--yes', '--max-wait', '5', '--json'])
    expect(gaveUp.code).toBe(3)
    expect(JSON.parse(gaveUp.stdout).deliveries[0].error).toMatch(
      /X rate limit reached \(429\); the limit resets in 1[45]m \d+s, more than --max-wait 5s/,
    )
  })

  it('never prints or journals a credential', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I'])
    world.fake.fail({status: 401})
    const outputs = [
      await world.cli(['publish', '--phase', 'investigating', '--yes']),
      await world.cli(['publish', '--phase', 'investigating', '--yes', '--json', '--again']),
      await world.cli(['publish', '--phase', 'identified', '--dry-run', '--json']),
      await world.cli(['status', '--json']),
      await world.cli(['incident', 'show', '--json']),
      await world.cli(['publish', '--phase', 'identified', '--yes'], {DEBUG: '*'}),
    ]
    const everything = outputs.map((o) => o.stdout + o.stderr).join('\n') + journalOf(world)
    for (const secret of Object.values(X_CREDENTIALS)) expect(everything).not.toContain(secret)
  })

  it('reports a torn journal line and carries on', async () => {
    world = await xWorld()
    await world.cli(['incident', 'open', world.playbook, '--set', 'service=S', '--set', 'impact=I', '--id', 'torn'])
    await world.cli(['publish', '--phase', 'investigating', '--yes'])
    appendFileSync(path.join(world.env.CANDOR_STATE_DIR, 'incidents', 'torn.jsonl'), '{"seq":99,"type":"deliv')
    const status = await world.cli(['status'])
    expect(status.code).toBe(0)
    expect(status.stderr).toContain(
      'incident torn: the last line is incomplete (a crash while writing?) and was ignored',
    )
    expect(status.stdout).toContain('investigating')
    const next = await world.cli(['publish', '--phase', 'identified', '--yes'])
    expect(next.code, next.stderr).toBe(0)
    expect(world.fake.tweets[1].inReplyTo).toBe(world.fake.tweets[0].id)
  })
})

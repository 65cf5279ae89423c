import {readFileSync, writeFileSync} from 'node:fs'
import {afterEach, expect, it} from 'vitest'
import {waitFor} from '../helpers/wait.js'
import {describePg, teamWorld, type TeamWorld} from './pg.js'

let world: TeamWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

/** Two people must approve the "identified" update; the others need one. */
const phaseRule = (text: string) => text.replace('  identified:\n', '  identified:\n    approval: { required: 2 }\n')
/** Two people must approve every update. */
const playbookRule = (text: string) => text.replace('name: incident\n', 'name: incident\napproval: { required: 2 }\n')

async function openIncident(w: TeamWorld) {
  const r = await w
    .engineer('Alice')
    .cli([
      'incident',
      'open',
      w.playbook,
      '--set',
      'service=Acme Voice',
      '--set',
      'impact=Calls fail',
      '--id',
      'voice-1',
    ])
  expect(r.code, r.stderr).toBe(0)
}

const json = (r: {stdout: string}) => JSON.parse(r.stdout)

describePg('two-person approval', () => {
  it('one approval sends nothing, the same person again changes nothing, a second person sends it, threaded', async () => {
    world = await teamWorld({playbook: phaseRule})
    const [alice, bob] = [world.engineer('Alice'), world.engineer('Bob')]
    await openIncident(world)
    expect((await alice.cli(['publish', '--phase', 'investigating', '--yes'])).code).toBe(0)
    const requests = world.fake.requests.length

    const drafted = await alice.cli([
      'publish',
      '--phase',
      'identified',
      '--set',
      'cause=a failed database upgrade',
      '--yes',
      '--json',
    ])
    expect(drafted.code, drafted.stderr).toBe(0)
    const draft = json(drafted).draft
    expect(json(drafted)).toEqual({
      draft: expect.stringMatching(/^d-[0-9a-f]{8}$/),
      status: 'pending-approval',
      approvals: ['Alice'],
      required: 2,
    })
    expect(world.fake.requests).toHaveLength(requests)

    const listed = json(await bob.cli(['drafts', '--json'])).drafts
    expect(listed).toEqual([
      expect.objectContaining({
        draft,
        incident: 'voice-1',
        phase: 'identified',
        requested_by: 'Alice',
        approvals: ['Alice'],
        required: 2,
        status: 'pending-approval',
      }),
    ])

    // The same person, however written, counts once: by approve, or by publishing again.
    for (const again of [
      await alice.cli(['approve', draft, '--yes', '--json']),
      await alice.cli(['approve', draft, '--yes', '--json', '--as', '  ALICE ']),
      await alice.cli([
        'publish',
        '--phase',
        'identified',
        '--set',
        'cause=a failed database upgrade',
        '--yes',
        '--json',
      ]),
    ]) {
      expect(again.code, again.stderr).toBe(0)
      expect(json(again)).toEqual({draft, status: 'pending-approval', approvals: ['Alice'], required: 2})
    }
    expect(world.fake.requests).toHaveLength(requests)

    // Off a terminal, approving needs --yes; nothing is recorded without it.
    const refused = await bob.cli(['approve', draft])
    expect(refused.code).toBe(4)
    expect(refused.stdout).toContain('a failed database upgrade')
    expect(refused.stderr).toContain('--yes')

    const sent = await bob.cli(['approve', draft, '--yes', '--json'])
    expect(sent.code, sent.stderr).toBe(0)
    expect(json(sent)).toEqual({
      incident: 'voice-1',
      phase: 'identified',
      update: 2,
      deliveries: [{channel: 'x', status: 'published', ids: [expect.any(String)], urls: [expect.any(String)]}],
    })
    const tweets = world.fake.tweets
    expect(tweets).toHaveLength(2)
    expect(tweets[1].inReplyTo).toBe(tweets[0].id)
    expect(tweets[1].text).toContain('a failed database upgrade')

    const events = json(await alice.cli(['incident', 'show', '--json'])).events as Array<Record<string, unknown>>
    const drafting = events.filter(
      (e) => String(e.type).startsWith('draft_') || (e.type === 'approved' && e.update === 2),
    )
    expect(drafting.map((e) => [e.type, e.by])).toEqual([
      ['draft_created', 'Alice'],
      ['draft_approved', 'Alice'],
      ['draft_approved', 'Bob'],
      ['approved', 'Bob'],
      ['draft_published', 'Bob'],
    ])
    expect(drafting[3]).toMatchObject({draft, approvers: ['Alice', 'Bob']})
    expect(json(await alice.cli(['status', '--json'])).facts).toMatchObject({cause: 'a failed database upgrade'})
    expect(json(await bob.cli(['drafts', '--json'])).drafts).toEqual([])
    const late = await alice.cli(['approve', draft, '--yes', '--json'])
    expect(late.code).toBe(1)
    expect(json(late).error.code).toBe('draft_published')
    expect(world.fake.tweets).toHaveLength(2)
  })

  it('approvals lapse when the facts under a draft change', async () => {
    world = await teamWorld({playbook: phaseRule})
    const [alice, bob, carol] = [world.engineer('Alice'), world.engineer('Bob'), world.engineer('Carol')]
    await openIncident(world)
    const draft = json(
      await alice.cli(['publish', '--phase', 'identified', '--set', 'cause=a bad deploy', '--yes', '--json']),
    ).draft
    // Meanwhile an update that needs one approval changes a fact the draft uses.
    expect(
      (await bob.cli(['publish', '--phase', 'investigating', '--set', 'service=Acme Voice Mobile', '--yes'])).code,
    ).toBe(0)

    const revised = await carol.cli(['approve', draft, '--yes'])
    expect(revised.code, revised.stderr).toBe(0)
    expect(revised.stdout).toContain('earlier approvals no longer count')
    expect(revised.stdout).toContain('We found the cause of the Acme Voice Mobile problems: a bad deploy.')
    expect(revised.stdout).toContain('1 of 2 approvals (Carol)')
    expect(world.fake.tweets).toHaveLength(1)
    const notYet = await carol.cli(['publish', '--draft', draft, '--yes', '--json'])
    expect(notYet.code).toBe(4)
    expect(json(notYet).error.code).toBe('approval_missing')

    const sent = await alice.cli(['approve', draft, '--yes', '--json'])
    expect(sent.code, sent.stderr).toBe(0)
    expect(json(sent).deliveries[0].status).toBe('published')
    expect(world.fake.tweets.map((t) => t.text)[1]).toBe(
      'We found the cause of the Acme Voice Mobile problems: a bad deploy. A fix is being rolled out.',
    )
    expect(world.fake.tweets[1].inReplyTo).toBe(world.fake.tweets[0].id)
  })

  it('approvals lapse when the playbook changes', async () => {
    world = await teamWorld({playbook: phaseRule})
    const [alice, bob] = [world.engineer('Alice'), world.engineer('Bob')]
    await openIncident(world)
    const draft = json(
      await alice.cli(['publish', '--phase', 'identified', '--set', 'cause=a bad deploy', '--yes', '--json']),
    ).draft
    writeFileSync(
      world.playbook,
      readFileSync(world.playbook, 'utf8').replace('A fix is being rolled out.', 'The fix is rolling out now.'),
    )
    const revised = await bob.cli(['approve', draft, '--yes', '--json'])
    expect(json(revised)).toEqual({draft, status: 'pending-approval', approvals: ['Bob'], required: 2})
    expect(world.fake.tweets).toHaveLength(0)
    expect(json(await alice.cli(['approve', draft, '--yes', '--json'])).deliveries[0].status).toBe('published')
    expect(world.fake.tweets[0].text).toMatch(/The fix is rolling out now\.$/)
  })

  it('a playbook-wide rule; --no-publish leaves the sending to another; drafts expire', async () => {
    world = await teamWorld({playbook: playbookRule})
    const [alice, bob, carol] = [world.engineer('Alice'), world.engineer('Bob'), world.engineer('Carol')]
    await openIncident(world)
    const dry = await alice.cli(['publish', '--phase', 'investigating', '--dry-run'])
    expect(dry.stderr).toContain('needs 2 people to approve')

    const draft = json(await alice.cli(['publish', '--phase', 'investigating', '--yes', '--json'])).draft
    const approved = await bob.cli(['approve', draft, '--yes', '--no-publish', '--json'])
    expect(json(approved)).toEqual({draft, status: 'approved', approvals: ['Alice', 'Bob'], required: 2})
    expect(world.fake.tweets).toHaveLength(0)
    expect(json(await carol.cli(['drafts', '--json'])).drafts).toEqual([
      expect.objectContaining({draft, status: 'approved'}),
    ])
    const sent = await carol.cli(['publish', '--draft', draft, '--yes', '--json'])
    expect(sent.code, sent.stderr).toBe(0)
    expect(json(sent)).toMatchObject({
      incident: 'voice-1',
      phase: 'investigating',
      update: 1,
      deliveries: [{status: 'published'}],
    })
    expect(world.fake.tweets).toHaveLength(1)
    const approvedEvent = json(await carol.cli(['incident', 'show', '--json'])).events.find(
      (e: {type: string}) => e.type === 'approved',
    )
    expect(approvedEvent).toMatchObject({by: 'Carol', draft, approvers: ['Alice', 'Bob']})

    const short = json(
      await alice.cli(['publish', '--phase', 'identified', '--set', 'cause=x', '--yes', '--json', '--draft-ttl', '1s']),
    ).draft
    // The CLI has no injected clock: wait (with a deadline) for the second to pass.
    // test/publish/two-person-approval.test.ts covers expiry on the injected clock.
    await waitFor(async () => json(await bob.cli(['drafts', '--json'])).drafts.length === 0, {
      what: 'the 1s draft to expire',
      timeoutMs: 20_000,
      intervalMs: 250,
    })
    const expired = await bob.cli(['approve', short, '--yes', '--json'])
    expect(expired.code).toBe(1)
    expect(json(expired).error).toMatchObject({code: 'draft_expired'})
    expect(world.fake.tweets).toHaveLength(1)
  })
})

import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {JournalEvent, RemotePost} from '../../../src/services/incident/events.js'
import type {IncidentStore} from '../../../src/services/incident/store.js'
import type {ChannelAdapter, PostRequest} from '../../../src/services/publish/adapter.js'
import {createAdapter, formatUtc, postFileName} from '../../../src/channels/markdown/adapter.js'
import {tempDir} from '../../helpers/cli.js'
import {deliveryFailure, postRequest} from './requests.js'

const STARTED = '2026-11-25T14:02:31.123Z'

/** Just enough of a store for the adapter to read when the incident started (the rest is never called). */
function storeWith(id: string, startedAt = STARTED): IncidentStore {
  const opened = {
    seq: 1,
    at: startedAt,
    by: 'dana',
    type: 'opened',
    incident: id,
    playbook: {name: 'outage', file: 'outage.yml'},
    started_at: startedAt,
    facts: {},
  } as JournalEvent
  const read: IncidentStore['read'] = async (x) => ({events: x === id ? [opened] : [], warnings: []})
  return {location: 'memory', read} as Partial<IncidentStore> as IncidentStore
}

function adapterFor(dir: string, options: Record<string, unknown> = {}, id = 'voice-1'): ChannelAdapter {
  return createAdapter({
    channel: {name: 'blog', type: 'markdown', kind: CHANNEL_KINDS.markdown, options: {dir, ...options}},
    credentials: {},
    timeoutMs: 500,
    store: storeWith(id),
  })
}

function request(
  text: string,
  update: number,
  phase: string,
  extra: Partial<PostRequest> = {},
  title?: string,
): PostRequest {
  return postRequest(
    {
      channel: 'blog',
      type: 'markdown',
      text,
      limit: null,
      incident: {update, phase, facts: {service: 'Acme Voice'}},
      post: {...(title && {title})},
    },
    extra,
  )
}

const failure = (p: Promise<unknown>) => deliveryFailure(p)

const HEADING = /^## (\w+) — \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC$/gm
const cwd = process.cwd()
afterEach(() => process.chdir(cwd))

describe('markdown adapter', () => {
  it('creates one Jekyll/Hugo post per incident with front matter and a marked, headed section', async () => {
    const dir = path.join(tempDir(), '_posts')
    const remote = await adapterFor(dir, {tags: ['incident', 'voice']}).post(
      request('We are investigating **Acme Voice** <b>call</b> failures.', 1, 'investigating', {}, 'Acme Voice outage'),
    )
    expect(remote).toEqual({
      id: '2026-11-25-voice-1.md',
      url: path.join(dir, '2026-11-25-voice-1.md'),
      ref: {incident: 'voice-1', update: '1', part: '1'},
    })
    const content = readFileSync(path.join(dir, remote.id), 'utf8')
    const [, front, body] = content.split(/^---$/m)
    expect(front!.trim().split('\n')).toEqual([
      'title: "Acme Voice outage"',
      'date: 2026-11-25T14:02:31Z',
      'tags: ["incident", "voice"]',
      'incident: "voice-1"',
      'candor_incident: "voice-1"',
    ])
    expect(body).toMatch(
      /^\n\n<!-- candor:update=1 part=1 -->\n## Investigating — \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC\n\nWe are investigating \*\*Acme Voice\*\* <b>call<\/b> failures\.\n$/,
    )
  })

  it('appends later updates to the same file, oldest first, and keeps the title current', async () => {
    const dir = tempDir()
    const adapter = adapterFor(dir)
    const first = await adapter.post(request('Investigating.', 1, 'investigating'))
    expect(readFileSync(path.join(dir, first.id), 'utf8')).toContain('title: "Acme Voice incident"')
    const second = await adapter.post(
      request('Identified: a failed upgrade.', 2, 'identified', {threadRoot: first, replyTo: first}),
    )
    const third = await adapter.post(
      request('Resolved.', 3, 'resolved', {threadRoot: first, replyTo: second}, 'Resolved: Acme Voice outage'),
    )
    expect([second.id, third.id]).toEqual([first.id, first.id])
    expect(third.ref).toEqual({incident: 'voice-1', update: '3', part: '1'})
    const content = readFileSync(path.join(dir, first.id), 'utf8')
    expect([...content.matchAll(HEADING)].map((m) => m[1])).toEqual(['Investigating', 'Identified', 'Resolved'])
    expect(content.indexOf('Investigating.')).toBeLessThan(content.indexOf('Identified: a failed upgrade.'))
    expect(content.indexOf('Identified: a failed upgrade.')).toBeLessThan(content.indexOf('Resolved.'))
    expect(content).toContain('title: "Resolved: Acme Voice outage"')
    expect(readdirSync(dir)).toEqual([first.id])
  })

  it("keeps a title with $', $& and $$ (from facts) as written, update after update", async () => {
    const dir = tempDir()
    const adapter = adapterFor(dir)
    const titles = [
      'Acme Voice: calls cost $$ and $& (first)',
      "Acme Voice: $' then $& then $$ then $` (second)",
      'Acme Voice: $1 $<name> $$$ (third)',
    ]
    const first = await adapter.post(request("We are on it: $' and $& stay.", 1, 'investigating', {}, titles[0]))
    let previous = first
    for (const [i, title] of titles.slice(1).entries()) {
      previous = await adapter.post(
        request(`Update ${i + 2}: $$ is $$.`, i + 2, 'identified', {threadRoot: first, replyTo: previous}, title),
      )
      const content = readFileSync(path.join(dir, first.id), 'utf8')
      const [before, front, ...body] = content.split(/^---$/m)
      expect(before).toBe('')
      expect(front!.trim().split('\n')).toEqual([
        `title: ${JSON.stringify(title)}`,
        'date: 2026-11-25T14:02:31Z',
        'tags: []',
        'incident: "voice-1"',
        'candor_incident: "voice-1"',
      ])
      expect(body.join('---')).not.toContain('candor_incident')
      expect(content.match(/<!-- candor:update=/g)).toHaveLength(i + 2)
    }
    const content = readFileSync(path.join(dir, first.id), 'utf8')
    expect(content).toContain("We are on it: $' and $& stay.")
    expect(content).toContain('Update 3: $$ is $$.')
  })

  it('does not append the same update part twice (a retry after a crash)', async () => {
    const dir = tempDir()
    const adapter = adapterFor(dir)
    const first = await adapter.post(request('Investigating.', 1, 'investigating'))
    // The journal lost the result: the retry has no threadRoot and finds its own file.
    await adapter.post(request('Investigating.', 1, 'investigating'))
    await adapter.post(request('Identified.', 2, 'identified', {threadRoot: first}))
    await adapter.post(request('Identified.', 2, 'identified', {threadRoot: first}))
    const content = readFileSync(path.join(dir, first.id), 'utf8')
    expect(content.match(/<!-- candor:update=\d+ part=\d+ -->/g)).toEqual([
      '<!-- candor:update=1 part=1 -->',
      '<!-- candor:update=2 part=1 -->',
    ])
  })

  it('is idempotent: a new process sending every part again after a crash changes nothing', async () => {
    const dir = tempDir()
    const before = adapterFor(dir)
    expect(before.idempotent).toBe(true)
    const first = await before.post(request('Investigating.', 1, 'investigating'))
    const part1 = await before.post(
      request('Identified: part one.', 2, 'identified', {part: 1, parts: 2, threadRoot: first, replyTo: first}),
    )
    // Killed after writing part 2 of update 2, before the journal heard of it.
    const part2 = await before.post(
      request('Identified: part two.', 2, 'identified', {part: 2, parts: 2, threadRoot: first, replyTo: part1}),
    )
    const file = path.join(dir, first.id)
    const written = readFileSync(file, 'utf8')

    // `candor retry` in a new process: the unknown part is re-sent as the journal knows it.
    const after = adapterFor(dir)
    expect(
      await after.post(
        request('Identified: part two.', 2, 'identified', {part: 2, parts: 2, threadRoot: first, replyTo: part1}),
      ),
    ).toEqual(part2)
    // Even a part re-sent with no thread at all finds the incident's file and its marker.
    expect(await after.post(request('Investigating.', 1, 'investigating'))).toEqual(first)
    expect(readFileSync(file, 'utf8')).toBe(written)
    expect(readdirSync(dir)).toEqual([first.id])
  })

  it('never clobbers a file it did not write, for this incident', async () => {
    const dir = tempDir()
    const target = path.join(dir, '2026-11-25-voice-1.md')
    writeFileSync(target, '---\ntitle: "My own post"\n---\n\nHand-written.\n')
    const e = await failure(adapterFor(dir).post(request('Investigating.', 1, 'investigating')))
    expect(e.retry).toBe('never')
    expect(e.message).toBe(
      `${target} exists and was not written by Candor for incident voice-1 (no "candor_incident: voice-1" in its front matter); not touching it`,
    )
    writeFileSync(target, '---\ntitle: "Other"\ncandor_incident: "voice-2"\n---\n\nOther incident.\n')
    expect(
      (
        await failure(
          adapterFor(dir).post(request('Identified.', 2, 'identified', {threadRoot: {id: '2026-11-25-voice-1.md'}})),
        )
      ).retry,
    ).toBe('never')
    expect(readFileSync(target, 'utf8')).toBe(
      '---\ntitle: "Other"\ncandor_incident: "voice-2"\n---\n\nOther incident.\n',
    )
  })

  it('refuses a thread root that is not a file name in the folder', async () => {
    const dir = tempDir()
    const e = await failure(adapterFor(dir).post(request('x', 2, 'identified', {threadRoot: {id: '../../etc/passwd'}})))
    expect(e).toMatchObject({retry: 'never', message: '"../../etc/passwd" is not a post file this channel wrote'})
  })

  it('leaves no temp files and writes nothing outside its folder', async () => {
    const root = tempDir()
    const dir = path.join(root, 'blog')
    const adapter = adapterFor(dir)
    const first = await adapter.post(request('One.', 1, 'investigating'))
    await adapter.post(request('Two.', 2, 'monitoring', {threadRoot: first}))
    expect(readdirSync(dir)).toEqual(['2026-11-25-voice-1.md'])
    expect(readdirSync(root)).toEqual(['blog'])
  })

  it('resolves a relative dir once, against the working directory at creation', async () => {
    const a = tempDir()
    const b = tempDir()
    process.chdir(a)
    const adapter = adapterFor('posts')
    process.chdir(b)
    await adapter.post(request('Investigating.', 1, 'investigating'))
    expect(existsSync(path.join(a, 'posts', '2026-11-25-voice-1.md'))).toBe(true)
    expect(existsSync(path.join(b, 'posts'))).toBe(false)
    expect(adapter.describeTarget()).toBe(`Markdown blog posts in ${path.join(a, 'posts')}`)
  })

  it('delete retracts one update’s section; retracting the last removes the post', async () => {
    const dir = tempDir()
    const adapter = adapterFor(dir)
    const first = await adapter.post(request('Investigating.', 1, 'investigating'))
    const second = await adapter.post(request('Wrong cause, sorry.', 2, 'identified', {threadRoot: first}))
    await adapter.delete!(second, new AbortController().signal)
    const content = readFileSync(path.join(dir, first.id), 'utf8')
    expect(content).not.toContain('Wrong cause')
    expect(content).not.toContain('update=2')
    expect(content).toContain('Investigating.')
    await adapter.delete!(second, new AbortController().signal) // already gone: nothing to do
    await adapter.delete!(first, new AbortController().signal)
    expect(readdirSync(dir)).toEqual([])
  })

  it('delete refuses a file without this incident’s marker', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'notes.md'), '---\ntitle: x\n---\n\n<!-- candor:update=1 part=1 -->\nmine\n')
    const e = await failure(
      adapterFor(dir).delete!(
        {id: 'notes.md', ref: {incident: 'voice-1', update: '1', part: '1'}} satisfies RemotePost,
        new AbortController().signal,
      ),
    )
    expect(e.retry).toBe('never')
    expect(readFileSync(path.join(dir, 'notes.md'), 'utf8')).toContain('mine')
  })

  it('a folder that cannot be created is a final error', async () => {
    const root = tempDir()
    writeFileSync(path.join(root, 'file'), 'x')
    const e = await failure(adapterFor(path.join(root, 'file', 'posts')).post(request('x', 1, 'investigating')))
    expect(e).toMatchObject({
      retry: 'never',
      message: expect.stringMatching(/^could not write .*2026-11-25-voice-1\.md: (ENOTDIR|EEXIST)$/),
    })
  })

  it('whoami gives the absolute folder and whether it is writable', async () => {
    const root = tempDir()
    expect(await adapterFor(root).whoami!(new AbortController().signal)).toBe(`${root} (writable)`)
    expect(await adapterFor(path.join(root, 'new', 'posts')).whoami!(new AbortController().signal)).toBe(
      `${path.join(root, 'new', 'posts')} (does not exist yet; will be created in ${root})`,
    )
  })

  it('names files by start date without doubling a date already in the id', () => {
    const day = new Date('2026-11-25T23:59:00Z')
    expect(postFileName('voice-1', day)).toBe('2026-11-25-voice-1.md')
    expect(postFileName('2026-11-25-acme-voice', day)).toBe('2026-11-25-acme-voice.md')
    expect(postFileName('2026-11-24-acme-voice', day)).toBe('2026-11-25-2026-11-24-acme-voice.md')
    expect(formatUtc(new Date('2026-03-05T09:07:00Z'))).toBe('5 Mar 2026, 09:07 UTC')
  })
})

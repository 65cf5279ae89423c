import {appendFileSync, copyFileSync, existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {listIncidents, openIncident} from '../../src/services/incident/service.js'
import {foldIncident} from '../../src/services/incident/state.js'
import {FileIncidentStore, nodeJournalIo, type JournalIo} from '../../src/infrastructure/store/file-store.js'
import {ROOT, tempDir} from '../helpers/cli.js'

const opened = {
  type: 'opened' as const,
  by: 'alice',
  incident: 'inc-1',
  playbook: {name: 'p', file: '/p.yaml'},
  started_at: '2026-11-25T14:00:00.000Z',
  facts: {service: 'A'},
}

describe('FileIncidentStore', () => {
  it('appends numbered events, one JSON line each, owner-only', async () => {
    const dir = tempDir()
    const store = new FileIncidentStore(dir)
    await store.create('inc-1', opened)
    await store.append('inc-1', {
      type: 'facts_changed',
      by: 'bob',
      changes: [{fact: 'impact', from: null, to: 'calls fail'}],
    })
    const file = path.join(dir, 'incidents', 'inc-1.jsonl')
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.seq, l.type, l.by])).toEqual([
      [1, 'opened', 'alice'],
      [2, 'facts_changed', 'bob'],
    ])
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(path.join(dir, 'incidents')).mode & 0o777).toBe(0o700)
    expect(foldIncident((await store.read('inc-1')).events).facts).toEqual({service: 'A', impact: 'calls fail'})
  })

  it('refuses an id that is taken', async () => {
    const store = new FileIncidentStore(tempDir())
    await store.create('inc-1', opened)
    await expect(store.create('inc-1', opened)).rejects.toThrow('incident "inc-1" already exists')
  })

  it('ignores and reports a torn last line, loses nothing before it, and appends cleanly after it', async () => {
    const dir = tempDir()
    const store = new FileIncidentStore(dir)
    await store.create('inc-1', opened)
    await store.append('inc-1', {type: 'note', by: 'a', text: 'kept'})
    appendFileSync(path.join(dir, 'incidents', 'inc-1.jsonl'), '{"type":"delivery_res')
    const torn = await new FileIncidentStore(dir).read('inc-1')
    expect(torn.events.map((e) => e.type)).toEqual(['opened', 'note'])
    expect(torn.warnings).toEqual([
      'incident inc-1: the last line is incomplete (a crash while writing?) and was ignored',
    ])

    const again = new FileIncidentStore(dir)
    const e = await again.append('inc-1', {type: 'note', by: 'a', text: 'after the crash'})
    expect(e.seq).toBe(3)
    const read = await again.read('inc-1')
    expect(read.events.map((x) => x.type === 'note' && x.text)).toEqual([false, 'kept', 'after the crash'])
    expect(read.warnings).toEqual(['incident inc-1: line 3 is damaged and was ignored'])
  })

  it("reuses a read while the journal is unchanged, and sees every change: its own appends and another writer's", async () => {
    const dir = tempDir()
    const store = new FileIncidentStore(dir)
    await store.create('inc-1', opened)
    const first = await store.read('inc-1')
    const again = await store.read('inc-1')
    expect(again.events).toBe(first.events) // parsed once
    await store.append('inc-1', {type: 'note', by: 'bob', text: 'mine'})
    expect((await store.read('inc-1')).events.map((e) => e.type)).toEqual(['opened', 'note'])
    // Another process appending (a second store on the same folder).
    await new FileIncidentStore(dir).append('inc-1', {type: 'note', by: 'carol', text: 'theirs'})
    expect((await store.read('inc-1')).events.map((e) => e.by)).toEqual(['alice', 'bob', 'carol'])
    // A torn line appended behind its back is seen (and reported) too.
    appendFileSync(path.join(dir, 'incidents', 'inc-1.jsonl'), '{"type":"no')
    const torn = await store.read('inc-1')
    expect(torn.warnings).toHaveLength(1)
    torn.warnings.push('a caller adding its own warning')
    expect((await store.read('inc-1')).warnings).toHaveLength(1) // callers get their own copy
  })

  it('rejects ids that could escape the state directory', async () => {
    const store = new FileIncidentStore(tempDir())
    await expect(store.create('../evil', opened)).rejects.toThrow('is not a valid incident id')
  })
})

/** Real calls, but short (`maxBytes` a write) or failing (after `failWriteAfter` writes, or on open) as a full disk or read-only folder would. */
function failingIo(opts: {
  maxBytes?: number
  failWriteAfter?: number
  writeCode?: string
  openCode?: string
}): JournalIo & {writes: number[]} {
  const writes: number[] = []
  return {
    writes,
    openSync(file, flags, mode) {
      if (opts.openCode)
        throw Object.assign(new Error(`${opts.openCode}: simulated, open '${file}'`), {code: opts.openCode})
      return nodeJournalIo.openSync(file, flags, mode)
    },
    writeSync(fd, data, offset, length) {
      if (opts.failWriteAfter !== undefined && writes.length >= opts.failWriteAfter)
        throw Object.assign(new Error(`${opts.writeCode}: simulated, write`), {code: opts.writeCode})
      const n = nodeJournalIo.writeSync(fd, data, offset, Math.min(length, opts.maxBytes ?? length))
      writes.push(n)
      return n
    },
    fsyncSync: nodeJournalIo.fsyncSync,
  }
}

describe('journal writes (simulated file-system answers)', () => {
  it('writes a whole line even when the file system takes it a few bytes at a time', async () => {
    const dir = tempDir()
    const io = failingIo({maxBytes: 7})
    const store = new FileIncidentStore(dir, {io})
    await store.create('inc-1', opened)
    await store.append('inc-1', {type: 'note', by: 'bob', text: 'a note long enough to need many short writes'})
    expect(io.writes.length).toBeGreaterThan(20)
    const read = await new FileIncidentStore(dir).read('inc-1')
    expect(read.warnings).toEqual([])
    expect(read.events.map((e) => e.type === 'note' && e.text)).toEqual([
      false,
      'a note long enough to need many short writes',
    ])
  })

  it('a full disk part-way through a line is state_dir_full, and the journal ends where it did', async () => {
    const dir = tempDir()
    await new FileIncidentStore(dir).create('inc-1', opened)
    const file = path.join(dir, 'incidents', 'inc-1.jsonl')
    const before = readFileSync(file, 'utf8')
    const store = new FileIncidentStore(dir, {io: failingIo({maxBytes: 10, failWriteAfter: 2, writeCode: 'ENOSPC'})})
    await expect(store.append('inc-1', {type: 'note', by: 'bob', text: 'lost to a full disk'})).rejects.toMatchObject({
      code: 'state_dir_full',
      message: `the disk of the state directory ${dir} is full: could not write ${file} (ENOSPC)`,
    })
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect((await new FileIncidentStore(dir).read('inc-1')).warnings).toEqual([])
  })

  it('a write that makes no progress is state_dir_full, not a loop', async () => {
    const dir = tempDir()
    const io: JournalIo = {...nodeJournalIo, writeSync: () => 0}
    await expect(new FileIncidentStore(dir, {io}).create('inc-1', opened)).rejects.toMatchObject({
      code: 'state_dir_full',
    })
    // An incident that could not be opened leaves no journal without its "opened" line.
    expect(existsSync(path.join(dir, 'incidents', 'inc-1.jsonl'))).toBe(false)
  })

  it('a read-only state directory is state_dir_read_only, when opening and when appending', async () => {
    const dir = tempDir()
    await new FileIncidentStore(dir).create('inc-1', opened)
    for (const code of ['EROFS', 'EACCES', 'EPERM']) {
      const store = new FileIncidentStore(dir, {io: failingIo({openCode: code})})
      await expect(store.append('inc-1', {type: 'note', by: 'bob', text: 'x'})).rejects.toMatchObject({
        code: 'state_dir_read_only',
        message: expect.stringContaining(`the state directory ${dir} is read-only`),
      })
      await expect(store.create('inc-2', opened)).rejects.toMatchObject({code: 'state_dir_read_only'})
    }
    const store = new FileIncidentStore(dir, {io: failingIo({failWriteAfter: 0, writeCode: 'EROFS'})})
    await expect(store.append('inc-1', {type: 'note', by: 'bob', text: 'x'})).rejects.toMatchObject({
      code: 'state_dir_read_only',
    })
    expect((await new FileIncidentStore(dir).read('inc-1')).events).toHaveLength(1)
  })
})

describe('damaged journals', () => {
  it('refuses a journal whose "opened" event names another incident, naming the file, and appends nothing anywhere', async () => {
    const dir = tempDir()
    const store = new FileIncidentStore(dir)
    await store.create('inc-1', opened)
    const original = path.join(dir, 'incidents', 'inc-1.jsonl')
    const copy = path.join(dir, 'incidents', 'copy.jsonl')
    copyFileSync(original, copy)
    const before = readFileSync(original, 'utf8')
    const damaged = {
      code: 'journal_damaged',
      message: `the journal ${copy} is damaged: it is the journal of incident "inc-1", not "copy" (copied or renamed?)`,
      suggestions: [expect.stringContaining('Move copy.jsonl out of')],
    }
    await expect(store.read('copy')).rejects.toMatchObject(damaged)
    await expect(new FileIncidentStore(dir).append('copy', {type: 'note', by: 'bob', text: 'x'})).rejects.toMatchObject(
      damaged,
    )
    expect(readFileSync(original, 'utf8')).toBe(before)
    expect(readFileSync(copy, 'utf8')).toBe(before)
  })

  it('skips a garbage journal when listing, with one warning naming it; the others still list', async () => {
    const dir = tempDir()
    const store = new FileIncidentStore(dir)
    const good = await openIncident(store, {
      playbook: path.join(ROOT, 'test/fixtures/playbooks/basic/basic.yaml'),
      id: 'good',
      facts: {service: 'A'},
      actor: 'alice',
    })
    const garbage = path.join(dir, 'incidents', 'broken.jsonl')
    writeFileSync(garbage, '\u0000\u0000{"typ')
    writeFileSync(path.join(dir, 'incidents', 'empty.jsonl'), '')
    const warnings: string[] = []
    expect((await listIncidents(store, {onSkip: (w) => warnings.push(w)})).map((i) => i.id)).toEqual([good.id])
    expect(warnings).toEqual([
      `skipped incident broken: the journal ${garbage} is damaged: it has no "opened" event (a crash while the incident was being opened?)`,
      `skipped incident empty: the journal ${path.join(dir, 'incidents', 'empty.jsonl')} is damaged: it has no "opened" event (a crash while the incident was being opened?)`,
    ])
    await expect(store.read('broken')).rejects.toMatchObject({
      code: 'journal_damaged',
      message: expect.stringContaining(garbage),
    })
  })
})

import {appendFileSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {foldIncident} from '../../src/incident/state.js'
import {FileIncidentStore} from '../../src/incident/store.js'
import {tempDir} from '../helpers/cli.js'

const opened = {type: 'opened' as const, by: 'alice', incident: 'inc-1', playbook: {name: 'p', file: '/p.yaml'}, started_at: '2026-11-25T14:00:00.000Z', facts: {service: 'A'}}

describe('FileIncidentStore', () => {
  it('appends numbered events, one JSON line each, owner-only', async () => {
    const dir = tempDir()
    const store = new FileIncidentStore(dir)
    await store.create('inc-1', opened)
    await store.append('inc-1', {type: 'facts_changed', by: 'bob', changes: [{fact: 'impact', from: null, to: 'calls fail'}]})
    const file = path.join(dir, 'incidents', 'inc-1.jsonl')
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
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
    expect(torn.warnings).toEqual(['incident inc-1: the last line is incomplete (a crash while writing?) and was ignored'])

    const again = new FileIncidentStore(dir)
    const e = await again.append('inc-1', {type: 'note', by: 'a', text: 'after the crash'})
    expect(e.seq).toBe(3)
    const read = await again.read('inc-1')
    expect(read.events.map((x) => x.type === 'note' && x.text)).toEqual([false, 'kept', 'after the crash'])
    expect(read.warnings).toEqual(['incident inc-1: line 3 is damaged and was ignored'])
  })

  it('reuses a read while the journal is unchanged, and sees every change: its own appends and another writer\'s', async () => {
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

import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {PgIncidentStore} from '../../src/infrastructure/store/postgres.js'
import {foldIncident} from '../../src/services/incident/state.js'
import {listIncidents, loadIncident, openIncident} from '../../src/services/incident/service.js'
import type {IncidentStore} from '../../src/services/incident/store.js'
import {DEFAULT_SANDBOX_URL, rehearsalDir, sandboxUrl} from '../../src/services/publish/rehearsal.js'
import {tempDir, writePlaybook} from '../helpers/cli.js'
import {freshDatabase, PG_URL} from '../team/pg.js'

const PLAYBOOK = `name: blog
facts:
  service: { required: true }
channels:
  blog: { type: markdown, dir: posts }
phases:
  investigating:
    posts:
      blog: { text: "{{service}}" }
`

const STORES: Array<{name: string; open(dir: string): Promise<{store: IncidentStore; close(): Promise<void>}>}> = [
  {
    name: 'the file store',
    open: async (dir) => ({store: new FileIncidentStore(path.join(dir, 'state')), close: async () => {}}),
  },
]
if (PG_URL) {
  STORES.push({
    name: 'PostgreSQL',
    open: async () => {
      const store = new PgIncidentStore(await freshDatabase())
      return {store, close: () => store.close()}
    },
  })
}

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()))
})

describe.each(STORES)('the rehearsal mark on $name', ({open}) => {
  it('is journaled in the opened event and read back; a real incident has none', async () => {
    const {dir, playbook} = writePlaybook(PLAYBOOK)
    const {store, close} = await open(dir)
    closers.push(close)
    const facts = {service: 'Acme Voice'}
    await openIncident(store, {
      playbook,
      id: 'drill',
      facts,
      actor: 'alice',
      rehearsal: {sandbox: 'http://127.0.0.1:4477'},
    })
    await openIncident(store, {playbook, id: 'real', facts, actor: 'alice'})
    const opened = (await store.read('drill')).events[0]
    expect(opened).toMatchObject({type: 'opened', rehearsal: {sandbox: 'http://127.0.0.1:4477'}})
    expect((await loadIncident(store, 'drill')).state.rehearsal).toEqual({sandbox: 'http://127.0.0.1:4477'})
    expect((await store.read('real')).events[0]).not.toHaveProperty('rehearsal')
    expect((await loadIncident(store, 'real')).state.rehearsal).toBeUndefined()
    const listed = await listIncidents(store)
    expect(listed.map((i) => [i.id, i.rehearsal, i.sandbox])).toEqual([
      ['drill', true, 'http://127.0.0.1:4477'],
      ['real', false, null],
    ])
  })

  it('a rehearsal is no duplicate of a real incident for the same service, nor the other way round', async () => {
    const {dir, playbook} = writePlaybook(PLAYBOOK)
    const {store, close} = await open(dir)
    closers.push(close)
    const facts = {service: 'Acme Voice'}
    const asked: string[][] = []
    const onDuplicate = (open: Array<{id: string}>) => {
      asked.push(open.map((i) => i.id))
      return true
    }
    await openIncident(store, {playbook, id: 'real', facts, actor: 'a', onDuplicate})
    await openIncident(store, {
      playbook,
      id: 'drill',
      facts,
      actor: 'a',
      onDuplicate,
      rehearsal: {sandbox: DEFAULT_SANDBOX_URL},
    })
    expect(asked).toEqual([])
    await openIncident(store, {
      playbook,
      id: 'drill-2',
      facts,
      actor: 'a',
      onDuplicate,
      rehearsal: {sandbox: DEFAULT_SANDBOX_URL},
    })
    expect(asked).toEqual([['drill']])
  })
})

describe('journals', () => {
  const opened = {seq: 1, at: '2026-11-25T00:10:00.000Z', by: 'alice', type: 'opened', incident: 'old'}
  const base = {...opened, playbook: {name: 'blog', file: 'blog.yaml'}, started_at: opened.at, facts: {}}

  it('written before rehearsals existed read as real incidents', async () => {
    const dir = path.join(tempDir(), 'state')
    mkdirSync(path.join(dir, 'incidents'), {recursive: true})
    writeFileSync(path.join(dir, 'incidents', 'old.jsonl'), `${JSON.stringify(base)}\n`)
    const store = new FileIncidentStore(dir)
    expect((await loadIncident(store, 'old')).state.rehearsal).toBeUndefined()
    expect((await listIncidents(store))[0]).toMatchObject({rehearsal: false, sandbox: null})
  })

  it('a damaged mark still makes a rehearsal (its URL is refused when used), never a real incident', () => {
    for (const mark of [true, 'yes', {sandbox: 42}, {}])
      expect(foldIncident([{...base, rehearsal: mark} as never]).rehearsal).toEqual({sandbox: ''})
    for (const mark of [null, false])
      expect(foldIncident([{...base, rehearsal: mark} as never]).rehearsal).toBeUndefined()
  })

  it('the file store writes it in the journal line', async () => {
    const {dir, playbook} = writePlaybook(PLAYBOOK)
    const store = new FileIncidentStore(path.join(dir, 'state'))
    await openIncident(store, {
      playbook,
      id: 'drill',
      facts: {},
      actor: 'a',
      rehearsal: {sandbox: 'http://localhost:9'},
    })
    const line = JSON.parse(readFileSync(path.join(dir, 'state', 'incidents', 'drill.jsonl'), 'utf8').split('\n')[0])
    expect(line.rehearsal).toEqual({sandbox: 'http://localhost:9'})
  })
})

describe('the sandbox URL', () => {
  it('is the one given, else CANDOR_SANDBOX, else the local default; without a trailing slash', () => {
    expect(sandboxUrl(undefined)).toBe('http://127.0.0.1:4477')
    expect(sandboxUrl(undefined, {CANDOR_SANDBOX: 'http://localhost:5000/'})).toBe('http://localhost:5000')
    expect(sandboxUrl('http://[::1]:4478', {CANDOR_SANDBOX: 'http://localhost:5000'})).toBe('http://[::1]:4478')
    expect(sandboxUrl('https://127.0.0.2:4477/')).toBe('https://127.0.0.2:4477')
  })

  it('must be http(s) on loopback: anything else is one clear error', () => {
    for (const bad of [
      'https://sandbox.example.com',
      'ftp://127.0.0.1:4477',
      'not a url',
      'http://u:p@127.0.0.1:1',
      'http://10.0.0.1:4477',
    ])
      expect(() => sandboxUrl(bad), bad).toThrowError(expect.objectContaining({code: 'sandbox_url_invalid'}))
    expect(() => sandboxUrl(undefined, {CANDOR_SANDBOX: 'https://x.com'})).toThrow(/is not a sandbox URL/)
  })

  it("a rehearsal's files go under the state directory's sandbox folder (./.candor with no local state directory)", () => {
    expect(rehearsalDir({stateDir: '/srv/state'}, 'drill')).toBe(path.join('/srv/state', 'sandbox', 'drill'))
    expect(rehearsalDir({}, 'drill')).toBe(path.resolve('.candor', 'sandbox', 'drill'))
  })
})

import {chmodSync, chownSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {tempDir} from '../helpers/cli.js'

const opened = {
  type: 'opened' as const,
  by: 'alice',
  incident: 'inc-1',
  playbook: {name: 'p', file: '/p.yaml'},
  started_at: '2026-11-25T14:00:00.000Z',
  facts: {service: 'A'},
}
const lockOpts = {timeoutMs: 0, command: 'publish', by: 'alice'}

async function opened1(): Promise<{dir: string; store: FileIncidentStore}> {
  const dir = path.join(tempDir(), 'state')
  const store = new FileIncidentStore(dir)
  await store.create('inc-1', opened)
  return {dir, store}
}

describe('state others can write is not trusted', () => {
  it('creates the state directory, incidents/ and journals owner-only', async () => {
    const {dir} = await opened1()
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(path.join(dir, 'incidents')).mode & 0o777).toBe(0o700)
    expect(statSync(path.join(dir, 'incidents', 'inc-1.jsonl')).mode & 0o777).toBe(0o600)
  })

  it('refuses a world-writable state directory, naming the path, the mode and the chmod', async () => {
    const {dir} = await opened1()
    chmodSync(dir, 0o777)
    const store = new FileIncidentStore(dir)
    const refusal = {
      code: 'state_not_private',
      message: `refusing the state directory ${dir}: it is writable by group and others (mode 777), so anyone could have changed it`,
      suggestions: [`If its contents are yours, run: chmod 700 '${dir}'`],
    }
    await expect(store.read('inc-1')).rejects.toMatchObject(refusal)
    await expect(store.list()).rejects.toMatchObject(refusal)
    await expect(store.append('inc-1', {type: 'note', by: 'a', text: 'x'})).rejects.toMatchObject(refusal)
    await expect(store.lock('inc-1', lockOpts)).rejects.toMatchObject(refusal)
    await expect(store.create('inc-2', {...opened, incident: 'inc-2'})).rejects.toMatchObject(refusal)
  })

  it('refuses a group-writable incidents folder', async () => {
    const {dir, store} = await opened1()
    chmodSync(path.join(dir, 'incidents'), 0o770)
    await expect(store.read('inc-1')).rejects.toMatchObject({
      code: 'state_not_private',
      message: expect.stringContaining('incidents folder'),
    })
    await expect(store.read('inc-1')).rejects.toThrow(/writable by group \(mode 770\)/)
  })

  it('refuses a journal others can write: a forged approval is never read', async () => {
    const {dir, store} = await opened1()
    const file = path.join(dir, 'incidents', 'inc-1.jsonl')
    chmodSync(file, 0o666)
    await expect(store.read('inc-1')).rejects.toMatchObject({
      code: 'state_not_private',
      suggestions: [`If its contents are yours, run: chmod 600 '${file}'`],
    })
    await expect(store.append('inc-1', {type: 'note', by: 'a', text: 'x'})).rejects.toThrow(
      /journal of incident inc-1 .*mode 666/,
    )
    await expect(store.exists('inc-1')).rejects.toThrow(/mode 666/)
    chmodSync(file, 0o644) // readable by others is not writable by them
    expect((await new FileIncidentStore(dir).read('inc-1')).events).toHaveLength(1)
  })

  it('refuses a lock file others can write', async () => {
    const {dir, store} = await opened1()
    const lock = path.join(dir, 'incidents', 'inc-1.lock')
    writeFileSync(lock, JSON.stringify({pid: 1, host: 'elsewhere', since: '', command: 'publish', by: 'mallory'}), {
      mode: 0o666,
    })
    chmodSync(lock, 0o666)
    await expect(store.lock('inc-1', lockOpts)).rejects.toThrow(/refusing the lock of incident inc-1 .*mode 666/)
  })

  it.runIf(process.getuid?.() === 0)('refuses a journal owned by another user', async () => {
    const {dir, store} = await opened1()
    const file = path.join(dir, 'incidents', 'inc-1.jsonl')
    chownSync(file, 4321, 4321)
    await expect(store.read('inc-1')).rejects.toThrow(
      `refusing the journal of incident inc-1 ${file}: it belongs to another user (uid 4321)`,
    )
  })

  it('a state directory that does not exist yet is fine', async () => {
    const store = new FileIncidentStore(path.join(tempDir(), 'new', 'state'))
    expect(await store.list()).toEqual([])
  })
})

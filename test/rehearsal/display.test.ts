import {existsSync} from 'node:fs'
import net, {type AddressInfo} from 'node:net'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {openIncident} from '../../src/services/incident/service.js'
import {runCli, writePlaybook} from '../helpers/cli.js'

/**
 * Rehearsals show as REHEARSAL in every command that shows an incident (plain text off a
 * terminal, a coloured mark with colours on), and `--json` says `rehearsal` and `sandbox`.
 * Runs the built CLI (`npm run build` first).
 */

const PLAYBOOK = `name: blog
facts:
  service: {}
channels:
  blog: { type: markdown, dir: posts }
phases:
  investigating:
    next_update: 30m
    posts:
      blog: { text: "We are looking at {{service}}." }
  resolved:
    posts:
      blog: { text: "{{service}} works again." }
`

/** A loopback port where nothing listens (a sandbox that is not running). */
let SANDBOX: string
let dir: string
let playbook: string
const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, {cwd: dir, env: {CANDOR_STATE_DIR: path.join(dir, 'state'), CANDOR_USER: 'Dana', ...env}})
const json = async (args: string[]) => {
  const r = await cli([...args, '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

beforeAll(async () => {
  const probe = net.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  SANDBOX = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`
  await new Promise((resolve) => probe.close(resolve))
  ;({dir, playbook} = writePlaybook(PLAYBOOK))
  const real = await cli(['incident', 'open', playbook, '--id', 'real', '--set', 'service=Voice'])
  expect(real.code, real.stderr).toBe(0)
  const drill = await cli([
    'incident',
    'open',
    playbook,
    '--id',
    'drill',
    '--sandbox',
    SANDBOX,
    '--set',
    'service=Voice',
  ])
  expect(drill.code, drill.stderr).toBe(0)
  expect(drill.stdout.trim()).toBe('drill')
  expect(drill.stderr).toContain(`REHEARSAL every channel of drill goes to the sandbox at ${SANDBOX}`)
})

describe('incident open --sandbox', () => {
  it('takes the URL from the flag, else CANDOR_SANDBOX, else the local default', async () => {
    expect(await json(['incident', 'open', playbook, '--id', 'd1', '--sandbox'])).toEqual({
      id: 'd1',
      rehearsal: true,
      sandbox: 'http://127.0.0.1:4477',
    })
    const fromEnv = await cli(['incident', 'open', '--sandbox', playbook, '--id', 'd2', '--json'], {
      CANDOR_SANDBOX: 'http://localhost:5000/',
    })
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({sandbox: 'http://localhost:5000'})
    expect(await json(['incident', 'open', playbook, '--id', 'r1'])).toEqual({id: 'r1'})
  })

  it('refuses a URL off this machine with one clear error, and opens nothing', async () => {
    for (const url of ['https://sandbox.example.com', 'localhost:4477']) {
      const r = await cli(['incident', 'open', playbook, '--id', 'bad', '--sandbox', url])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('is not a sandbox URL')
      expect(r.stderr).toContain('sandbox_url_invalid')
    }
    expect(existsSync(path.join(dir, 'state', 'incidents', 'bad.jsonl'))).toBe(false)
  })
})

describe('REHEARSAL in every view', () => {
  it('status', async () => {
    const drill = await cli(['status', '-i', 'drill'])
    expect(drill.stdout.split('\n')[0]).toMatch(/^REHEARSAL {2}drill {2}/)
    expect(drill.stdout).toContain(`Every channel goes to the sandbox at ${SANDBOX}`)
    expect((await cli(['status', '-i', 'real'])).stdout).not.toContain('REHEARSAL')
    expect(await json(['status', '-i', 'drill'])).toMatchObject({rehearsal: true, sandbox: SANDBOX})
    expect(await json(['status', '-i', 'real'])).toMatchObject({rehearsal: false, sandbox: null})
  })

  it('incident show', async () => {
    const drill = await cli(['incident', 'show', 'drill'])
    expect(drill.stdout.split('\n')[0]).toMatch(/^REHEARSAL {2}drill/)
    expect(drill.stdout).toContain('opened a REHEARSAL (every channel to the sandbox) incident drill')
    expect((await cli(['incident', 'show', 'real'])).stdout).not.toContain('REHEARSAL')
    expect(await json(['incident', 'show', 'drill'])).toMatchObject({rehearsal: true, sandbox: SANDBOX})
    expect(await json(['incident', 'show', 'real'])).toMatchObject({rehearsal: false, sandbox: null})
  })

  it('incident timeline', async () => {
    const drill = await cli(['incident', 'timeline', 'drill'])
    expect(drill.stdout).toMatch(/^# REHEARSAL Incident timeline: drill\n/)
    expect(drill.stdout).toContain(`**REHEARSAL**: every post went to the sandbox at ${SANDBOX}`)
    expect((await cli(['incident', 'timeline', 'real'])).stdout).not.toContain('REHEARSAL')
    expect(await json(['incident', 'timeline', 'drill'])).toMatchObject({rehearsal: true, sandbox: SANDBOX})
    expect(await json(['incident', 'timeline', 'real'])).toMatchObject({rehearsal: false, sandbox: null})
  })

  it('incident list', async () => {
    const lines = (await cli(['incident', 'list'])).stdout.split('\n')
    expect(lines.find((l) => l.startsWith('drill '))).toMatch(/REHEARSAL$/)
    expect(lines.find((l) => l.startsWith('real '))).not.toContain('REHEARSAL')
    const {incidents} = await json(['incident', 'list'])
    expect(incidents.find((i: {id: string}) => i.id === 'drill')).toMatchObject({rehearsal: true, sandbox: SANDBOX})
    expect(incidents.find((i: {id: string}) => i.id === 'real')).toMatchObject({rehearsal: false, sandbox: null})
  })

  it('watch (a resolved rehearsal: its events, then it stops)', async () => {
    const store = new FileIncidentStore(path.join(dir, 'state'))
    await openIncident(store, {playbook, facts: {}, actor: 'dana', id: 'w-1', rehearsal: {sandbox: SANDBOX}})
    await store.append('w-1', {
      type: 'rendered',
      by: 'dana',
      update: 1,
      phase: 'resolved',
      posts: [{channel: 'blog', type: 'markdown', parts: [{text: 'ok', length: 2, limit: null}]}],
    })
    await store.append('w-1', {type: 'approved', by: 'dana', update: 1, channels: ['blog'], declined: []})
    await store.append('w-1', {
      type: 'delivery_result',
      by: 'dana',
      update: 1,
      channel: 'blog',
      part: 1,
      status: 'published',
      remote: {id: '1'},
    })
    const lines = (await cli(['watch', '-i', 'w-1'])).stdout.trim().split('\n')
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'watching w-1: REHEARSAL: watching w-1 (resolved)',
      'resolved w-1: REHEARSAL: incident resolved (resolved); stopped watching',
    ])
    const events = (await cli(['watch', '-i', 'w-1', '--json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(events.map((e) => [e.type, e.rehearsal])).toEqual([
      ['watching', true],
      ['resolved', true],
    ])
  })

  it('with colours on, the mark is coloured', async () => {
    const r = await cli(['status', '-i', 'drill'], {NO_COLOR: undefined, FORCE_COLOR: '1'})
    expect(r.stdout.split('\n')[0]).toMatch(/^\u001b\[[0-9;]+m.* REHEARSAL .*\u001b\[[0-9;]+m/)
  })
})

describe('publishing a rehearsal', () => {
  it('says it is one, and with no sandbox running says how to start it; nothing is written', async () => {
    const r = await cli(['publish', '-i', 'drill', '--phase', 'investigating', '--yes'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`drill is a rehearsal: every channel goes to the sandbox at ${SANDBOX}`)
    expect(r.stderr).toContain(`no sandbox at ${SANDBOX}; start it with \`candor sandbox\``)
    expect(existsSync(path.join(dir, 'posts'))).toBe(false)
    expect(existsSync(path.join(dir, 'state', 'sandbox'))).toBe(false)
  })
})

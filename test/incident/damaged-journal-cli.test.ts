import {copyFileSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {xWorld, type XWorld} from '../helpers/x-incident.js'

/**
 * A damaged journal in incidents/ (what a crash during `incident open` leaves, or a copy
 * under another name) never blocks the other incidents and never acts as another one.
 */

let world: XWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

async function withIncident(): Promise<{w: XWorld; incidents: string}> {
  const w = (world = await xWorld())
  const opened = await w.cli([
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
  expect(opened.code, opened.stderr).toBe(0)
  return {w, incidents: path.join(w.env.CANDOR_STATE_DIR, 'incidents')}
}

const count = (text: string, part: string) => text.split(part).length - 1

describe('damaged journals from the command line', () => {
  it('a garbage journal is skipped with one warning naming it: list, status and publish work on the others', async () => {
    const {w, incidents} = await withIncident()
    const broken = path.join(incidents, '2026-12-05-broken.jsonl')
    writeFileSync(broken, '{"type":"opened","by":"dana","incid')
    const warning = `skipped incident 2026-12-05-broken: the journal ${broken} is damaged: it has no "opened" event`

    const list = await w.cli(['incident', 'list'])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toContain('voice-1')
    expect(count(list.stderr, warning)).toBe(1)
    const listJson = await w.cli(['incident', 'list', '--json'])
    expect(JSON.parse(listJson.stdout)).toMatchObject({
      incidents: [{id: 'voice-1'}],
      warnings: [expect.stringContaining(warning)],
    })

    const status = await w.cli(['status'])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain('voice-1')
    expect(count(status.stderr, warning)).toBe(1)
    expect(JSON.parse((await w.cli(['status', '--json'])).stdout).warnings).toEqual([expect.stringContaining(warning)])

    const published = await w.cli(['publish', '-p', 'investigating', '--yes'])
    expect(published.code, published.stderr).toBe(0)
    expect(count(published.stderr, warning)).toBe(1)
    expect(w.fake.tweets).toHaveLength(1)

    // Named, it is an error that names the file.
    const named = await w.cli(['status', '-i', '2026-12-05-broken'])
    expect(named.code).toBe(1)
    expect(named.stderr).toContain(`Error: the journal ${broken} is damaged: it has no "opened" event`)
    expect(named.stderr).toContain('Code: journal_damaged')
    expect(named.stderr).toContain('Move 2026-12-05-broken.jsonl out of')
  })

  it('a journal copied under another name is refused as damaged: nothing is appended to the incident it names, nothing is sent', async () => {
    const {w, incidents} = await withIncident()
    const original = path.join(incidents, 'voice-1.jsonl')
    const copy = path.join(incidents, 'voice-copy.jsonl')
    copyFileSync(original, copy)
    const before = readFileSync(original, 'utf8')

    const r = await w.cli(['publish', '-i', 'voice-copy', '-p', 'investigating', '--yes'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `Error: the journal ${copy} is damaged: it is the journal of incident "voice-1", not "voice-copy" (copied or renamed?)`,
    )
    expect(r.stderr).toContain('Code: journal_damaged')
    expect(readFileSync(original, 'utf8')).toBe(before)
    expect(readFileSync(copy, 'utf8')).toBe(before)
    expect(w.fake.requests).toHaveLength(0)
  })
})

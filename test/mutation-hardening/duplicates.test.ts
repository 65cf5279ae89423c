/**
 * Which channels already carry an update (services/publish/duplicates.ts), on hand-written
 * journals: the duplicate check publishing relies on to never post the same update twice.
 */
import {describe, expect, it} from 'vitest'
import type {JournalEvent} from '../../src/services/incident/events.js'
import {foldIncident} from '../../src/services/incident/state.js'
import {alreadyCarried, describeAlreadyCarried} from '../../src/services/publish/duplicates.js'

let seq = 0
const at = () => `2026-03-01T10:${String(seq).padStart(2, '0')}:00.000Z`
const ev = (e: Record<string, unknown>): JournalEvent =>
  ({seq: ++seq, at: at(), by: 'alice', ...e}) as unknown as JournalEvent

function journal(facts: Record<string, unknown>, ...rest: JournalEvent[]): JournalEvent[] {
  return [
    ev({type: 'opened', incident: 'inc-1', playbook: {name: 'p', file: 'p.yaml'}, started_at: at(), facts}),
    ...rest,
  ]
}

const rendered = (update: number, phase: string, channels: string[]) =>
  ev({
    type: 'rendered',
    update,
    phase,
    posts: channels.map((channel) => ({
      channel,
      type: 'x',
      parts: [{text: `${channel} ${update}`, length: 3, limit: 280}],
    })),
  })
const approved = (update: number, channels: string[], declined: string[] = []) =>
  ev({type: 'approved', update, channels, declined})
const result = (update: number, channel: string, status: 'published' | 'failed') =>
  ev({
    type: 'delivery_result',
    update,
    channel,
    part: 1,
    status,
    ...(status === 'published' && {remote: {id: `${channel}-${update}`}}),
  })
const attempt = (update: number, channel: string) =>
  ev({type: 'delivery_attempt', update, channel, part: 1, attempt: 1})
const factsChanged = (fact: string, to: unknown) => ev({type: 'facts_changed', changes: [{fact, from: null, to}]})

describe('alreadyCarried', () => {
  it('finds a channel whose latest update has the same phase and facts, in the order the channels are asked', () => {
    const state = foldIncident(
      journal(
        {service: 'A'},
        rendered(1, 'investigating', ['x', 'y']),
        approved(1, ['x', 'y']),
        result(1, 'x', 'published'),
        result(1, 'y', 'published'),
      ),
    )
    expect(alreadyCarried(state, 'investigating', {service: 'A'}, ['y', 'x', 'z'])).toEqual([
      {channel: 'y', update: 1, status: 'published'},
      {channel: 'x', update: 1, status: 'published'},
    ])
    expect(alreadyCarried(state, 'identified', {service: 'A'}, ['x'])).toEqual([])
    expect(alreadyCarried(state, 'investigating', {service: 'B'}, ['x'])).toEqual([])
    expect(alreadyCarried(state, 'investigating', {service: 'A', extra: 1}, ['x'])).toEqual([])
  })

  it('compares facts whatever their order, with unset ones left out', () => {
    const state = foldIncident(
      journal({a: 1, b: 2}, rendered(1, 'p', ['x']), approved(1, ['x']), result(1, 'x', 'published')),
    )
    expect(alreadyCarried(state, 'p', {b: 2, a: 1, c: null, d: undefined}, ['x'])).toHaveLength(1)
    expect(alreadyCarried(state, 'p', {b: 2, a: 1, c: 0}, ['x'])).toEqual([])
    expect(alreadyCarried(state, 'p', {b: 2, a: '1'}, ['x'])).toEqual([])
  })

  it('counts only approved updates, and only the latest one per channel', () => {
    const unapproved = foldIncident(journal({}, rendered(1, 'p', ['x'])))
    expect(alreadyCarried(unapproved, 'p', {}, ['x'])).toEqual([])
    const later = foldIncident(
      journal(
        {},
        rendered(1, 'p', ['x']),
        approved(1, ['x']),
        result(1, 'x', 'published'),
        rendered(2, 'q', ['x']),
        approved(2, ['x']),
        result(2, 'x', 'published'),
      ),
    )
    expect(alreadyCarried(later, 'p', {}, ['x'])).toEqual([])
    expect(alreadyCarried(later, 'q', {}, ['x'])).toEqual([{channel: 'x', update: 2, status: 'published'}])
    // A later update rendered but never approved does not count.
    const pending = foldIncident(
      journal({}, rendered(1, 'p', ['x']), approved(1, ['x']), result(1, 'x', 'published'), rendered(2, 'q', ['x'])),
    )
    expect(alreadyCarried(pending, 'p', {}, ['x'])).toEqual([{channel: 'x', update: 1, status: 'published'}])
  })

  it('passes over updates a channel was declined in or that were retracted there', () => {
    const declined = foldIncident(
      journal({}, rendered(1, 'p', ['x', 'y']), approved(1, ['y'], ['x']), result(1, 'y', 'published')),
    )
    expect(alreadyCarried(declined, 'p', {}, ['x', 'y'])).toEqual([{channel: 'y', update: 1, status: 'published'}])
    const retracted = foldIncident(
      journal(
        {},
        rendered(1, 'p', ['x']),
        approved(1, ['x']),
        result(1, 'x', 'published'),
        rendered(2, 'q', ['x']),
        approved(2, ['x']),
        result(2, 'x', 'published'),
        ev({type: 'retraction', update: 2, channel: 'x', part: 1, status: 'deleted'}),
      ),
    )
    expect(alreadyCarried(retracted, 'q', {}, ['x'])).toEqual([])
    expect(alreadyCarried(retracted, 'p', {}, ['x'])).toEqual([{channel: 'x', update: 1, status: 'published'}])
  })

  it('counts an update that has not gone out completely, saying how it stands', () => {
    const state = foldIncident(
      journal(
        {},
        rendered(1, 'p', ['f', 'u', 'n']),
        approved(1, ['f', 'u', 'n']),
        result(1, 'f', 'failed'),
        attempt(1, 'u'),
      ),
    )
    expect(alreadyCarried(state, 'p', {}, ['f', 'u', 'n'])).toEqual([
      {channel: 'f', update: 1, status: 'failed'},
      {channel: 'u', update: 1, status: 'unknown'},
      {channel: 'n', update: 1, status: 'pending'},
    ])
  })

  it('uses the facts the update was rendered from, not the incident facts of today', () => {
    const state = foldIncident(
      journal(
        {s: 'A'},
        rendered(1, 'p', ['x']),
        approved(1, ['x']),
        result(1, 'x', 'published'),
        factsChanged('s', 'B'),
      ),
    )
    expect(alreadyCarried(state, 'p', {s: 'A'}, ['x'])).toHaveLength(1)
    expect(alreadyCarried(state, 'p', {s: 'B'}, ['x'])).toEqual([])
  })
})

describe('describeAlreadyCarried', () => {
  it('says what to run when the delivery there is not finished', () => {
    expect(describeAlreadyCarried({channel: 'x', update: 1, status: 'published'})).toBe(
      'x: already has update 1, skipped',
    )
    expect(describeAlreadyCarried({channel: 'x', update: 2, status: 'failed'})).toBe(
      'x: already has update 2 (failed there: `candor retry` finishes it), skipped',
    )
  })
})

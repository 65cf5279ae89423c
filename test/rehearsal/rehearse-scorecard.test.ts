import {describe, expect, it} from 'vitest'
import type {JournalEvent, NewEvent, RenderedPostRecord} from '../../src/services/incident/events.js'
import {scorecard} from '../../src/services/rehearsal/scorecard.js'

/** A journal written by hand: each event at minutes after 14:00 UTC. */
class Journal {
  events: JournalEvent[] = []
  add(minutes: number, event: NewEvent): this {
    const at = new Date(Date.parse('2026-03-02T14:00:00Z') + minutes * 60_000).toISOString()
    this.events.push({...event, seq: this.events.length + 1, at} as JournalEvent)
    return this
  }
  static opened(facts: Record<string, unknown> = {service: 'Acme Voice'}): Journal {
    return new Journal().add(0, {
      type: 'opened',
      by: 'dana',
      incident: 'drill',
      playbook: {name: 'outage', file: 'playbooks/outage.yaml'},
      started_at: '2026-03-02T14:00:00.000Z',
      facts,
      rehearsal: {sandbox: 'http://127.0.0.1:4477'},
    })
  }
  /** An update published on `channels` at `minutes`, promising the next one `promise` minutes later. */
  update(
    n: number,
    phase: string,
    minutes: number,
    posts: Array<{channel: string; text: string; edited?: boolean}>,
    promise?: number,
  ): this {
    const due = promise && new Date(Date.parse('2026-03-02T14:00:00Z') + (minutes + promise) * 60_000).toISOString()
    const records: RenderedPostRecord[] = posts.map((p) => ({
      channel: p.channel,
      type: p.channel,
      parts: [{text: p.text, length: p.text.length, limit: 500}],
      ...(p.edited && {edited: true}),
    }))
    this.add(minutes, {
      type: 'rendered',
      by: 'dana',
      update: n,
      phase,
      posts: records,
      ...(due && {next_update_due: due}),
    })
    this.add(minutes, {type: 'approved', by: 'dana', update: n, channels: posts.map((p) => p.channel), declined: []})
    for (const p of posts) {
      this.add(minutes, {type: 'delivery_attempt', by: 'dana', update: n, channel: p.channel, part: 1, attempt: 1})
      this.add(minutes, {
        type: 'delivery_result',
        by: 'dana',
        update: n,
        channel: p.channel,
        part: 1,
        status: 'published',
        remote: {id: `${p.channel}-${n}`},
      })
    }
    return this
  }
}

const social = (text: string) => [
  {channel: 'x', text},
  {channel: 'mastodon', text},
]

describe('the game day scorecard, from the journal alone', () => {
  it('a first post within 5 minutes and every update by its promise is a clean game', () => {
    const j = Journal.opened()
      .update(1, 'investigating', 3, social('Investigating Acme Voice'), 20)
      .update(2, 'identified', 22, social('Found it'), 20)
      .update(3, 'resolved', 40, social('Fixed'))
    const card = scorecard(j.events)
    expect(card.first_post).toEqual({at: '2026-03-02T14:03:00.000Z', after_ms: 180_000, target_ms: 300_000, ok: true})
    expect(card.gaps.map((g) => [g.update, g.phase, g.promised_by, g.late_ms, g.ok])).toEqual([
      [2, 'identified', '2026-03-02T14:23:00.000Z', 0, true],
      [3, 'resolved', '2026-03-02T14:42:00.000Z', 0, true],
    ])
    expect(card.ended).toEqual({how: 'resolved', at: '2026-03-02T14:40:00.000Z'})
    expect(card.rehearsal).toBe(true)
    expect(card.ok).toBe(true)
  })

  it('a first post after 7 minutes misses the 5-minute target', () => {
    const card = scorecard(Journal.opened().update(1, 'investigating', 7, social('Investigating'), 20).events)
    expect(card.first_post).toMatchObject({after_ms: 420_000, ok: false})
    expect(card.ok).toBe(false)
  })

  it('no post at all misses it too', () => {
    const card = scorecard(Journal.opened().add(9, {type: 'closed', by: 'dana', reason: 'drill over'}).events)
    expect(card.first_post).toEqual({at: null, after_ms: null, target_ms: 300_000, ok: false})
    expect(card.ended).toEqual({how: 'closed', at: '2026-03-02T14:09:00.000Z'})
  })

  it('an update later than the one before promised is a late gap, by how much', () => {
    const j = Journal.opened()
      .update(1, 'investigating', 2, social('Investigating'), 20)
      .update(2, 'identified', 27, social('Found it'), 20)
    const card = scorecard(j.events)
    expect(card.gaps).toEqual([
      {
        update: 2,
        phase: 'identified',
        at: '2026-03-02T14:27:00.000Z',
        promised_by: '2026-03-02T14:22:00.000Z',
        late_ms: 5 * 60_000,
        ok: false,
      },
    ])
    expect(card.ok).toBe(false)
  })

  it('a game stopped after a promise ran out, with no update after it, missed that promise', () => {
    const j = Journal.opened().update(1, 'investigating', 2, social('Investigating'), 20)
    expect(scorecard(j.events, {now: new Date('2026-03-02T14:10:00Z')}).missed_promise).toBeUndefined()
    const late = scorecard(j.events, {now: new Date('2026-03-02T14:30:00Z')})
    expect(late.missed_promise).toEqual({
      update: 1,
      phase: 'investigating',
      promised_by: '2026-03-02T14:22:00.000Z',
      ended_at: '2026-03-02T14:30:00.000Z',
    })
    expect(late.ok).toBe(false)
  })

  it('flags a fact an approval edit changed on one channel but not the others, and lists the edits', () => {
    const j = Journal.opened({service: 'Acme Voice', cause: 'a failed database upgrade'})
      .update(1, 'investigating', 2, social('Investigating Acme Voice'), 20)
      .update(
        2,
        'identified',
        15,
        [
          {channel: 'x', text: 'Acme Voice: caused by a failed network upgrade', edited: true},
          {channel: 'mastodon', text: 'Acme Voice: caused by a failed database upgrade'},
          {channel: 'blog', text: 'Acme Voice is down: a failed database upgrade'},
        ],
        20,
      )
    const card = scorecard(j.events)
    expect(card.edits).toEqual([{update: 2, phase: 'identified', channels: ['x']}])
    expect(card.consistency).toEqual([
      {
        update: 2,
        phase: 'identified',
        channel: 'x',
        fact: 'cause',
        value: 'a failed database upgrade',
        others: ['mastodon', 'blog'],
      },
    ])
    expect(card.ok).toBe(false)
  })

  it('an edit that keeps every fact is listed but is no inconsistency', () => {
    const j = Journal.opened().update(
      1,
      'investigating',
      2,
      [
        {channel: 'x', text: 'We are looking into Acme Voice, sorry!', edited: true},
        {channel: 'mastodon', text: 'Investigating Acme Voice'},
      ],
      20,
    )
    const card = scorecard(j.events)
    expect(card.edits).toEqual([{update: 1, phase: 'investigating', channels: ['x']}])
    expect(card.consistency).toEqual([])
    expect(card.ok).toBe(true)
  })
})

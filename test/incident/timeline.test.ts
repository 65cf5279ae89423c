import {describe, expect, it} from 'vitest'
import {describeEvent} from '../../src/services/incident/timeline.js'

const base = {seq: 4, at: '2026-11-25T14:10:00.000Z', by: 'dana'}

describe('incident show: one line per journal event', () => {
  it('says what a retraction did, in words, never as raw JSON', () => {
    expect(describeEvent({...base, type: 'retraction', update: 1, channel: 'x', part: 1, status: 'deleted'})).toBe(
      'retracted update 1 on x, part 1',
    )
    expect(
      describeEvent({
        ...base,
        type: 'retraction',
        update: 2,
        channel: 'slack',
        part: 1,
        status: 'failed',
        error: 'message_not_found',
      }),
    ).toBe('could not retract update 2 on slack, part 1: message_not_found')
    expect(
      describeEvent({
        ...base,
        type: 'retraction',
        update: 2,
        channel: 'email',
        part: 1,
        status: 'unsupported',
        error: 'mail cannot be unsent',
      }),
    ).toBe('could not retract update 2 on email, part 1 (the platform does not allow it): mail cannot be unsent')
  })
})

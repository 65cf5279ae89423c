/**
 * Requests to channel adapters, as the adapter tests build them and expect them to fail:
 * one place for what the publisher hands an adapter, so each test states only what differs.
 */
import {expect} from 'vitest'
import type {RenderedPostRecord} from '../../../src/services/incident/events.js'
import {DeliveryError, type PostRequest} from '../../../src/services/publish/adapter.js'

/** Generous, so a loaded machine never fails a test by accident; hang tests use HANG_TIMEOUT. */
export const TIMEOUT = 5000
export const HANG_TIMEOUT = 300

export interface RequestShape {
  /** The channel's name and type, as in the rendered post. */
  channel: string
  type: string
  text: string
  /** The channel's length limit as the renderer records it (null: none). */
  limit: number | null
  /** Merged over update 1 of incident voice-1, phase investigating, no facts. */
  incident?: Partial<PostRequest['incident']>
  /** Merged over the rendered post (title, link, html, or other parts). */
  post?: Partial<RenderedPostRecord>
  /** Default `candor-<incident>-<update>-<channel>-1`, the key the publisher makes for part 1. */
  idempotencyKey?: string
}

/** Part 1 of 1 of an update, rendered as `shape` says; `extra` overrides any field. */
export function postRequest(shape: RequestShape, extra: Partial<PostRequest> = {}): PostRequest {
  const incident = {id: 'voice-1', update: 1, phase: 'investigating', facts: {}, ...shape.incident}
  return {
    text: shape.text,
    part: 1,
    parts: 1,
    post: {
      channel: shape.channel,
      type: shape.type,
      parts: [{text: shape.text, length: shape.text.length, limit: shape.limit}],
      ...shape.post,
    },
    incident,
    idempotencyKey: shape.idempotencyKey ?? `candor-${incident.id}-${incident.update}-${shape.channel}-1`,
    signal: new AbortController().signal,
    ...extra,
  }
}

export const signal = () => new AbortController().signal

/**
 * Awaits a call that must fail and returns its DeliveryError, after checking that the message
 * shows none of `hidden` (credentials, secret URLs) and, unless `oneLine` is false, is one
 * line: it goes into the journal and the terminal as it is.
 */
export async function deliveryFailure(
  p: Promise<unknown>,
  hidden: Array<string | RegExp> = [],
  {oneLine = true} = {},
): Promise<DeliveryError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DeliveryError)
  const {message} = error as DeliveryError
  for (const h of hidden) {
    if (typeof h === 'string') expect(message).not.toContain(h)
    else expect(message).not.toMatch(h)
  }
  if (oneLine) expect(message).not.toMatch(/\n/)
  return error as DeliveryError
}

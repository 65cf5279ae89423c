import type {Playbook} from '../../domain/playbook/model.js'
import {CandorError} from '../../domain/errors.js'
import {tryCreateAdapter} from './channel-adapters.js'
import {checkCredentials, secretValues} from './credentials.js'
import {Redactor} from './redact.js'
import {didYouMean} from '../../domain/text/closest.js'

export interface ChannelCheck {
  channel: string
  type: string
  ok: boolean
  credentials: {ok: boolean; missing: string[]}
  /** Who it would post as, from the platform's read-only "who am I" call. */
  account: string | null
  target: string
  error: string | null
}

/**
 * For each channel: are the credentials there, and does a read-only call with them
 * succeed? Never posts anything.
 */
export async function checkChannels(
  playbook: Playbook,
  env: Record<string, string | undefined>,
  opts: {channels?: readonly string[]; timeoutMs?: number} = {},
): Promise<ChannelCheck[]> {
  const names = opts.channels?.length ? [...opts.channels] : [...playbook.channels.keys()]
  const unknown = names.filter((n) => !playbook.channels.has(n))
  if (unknown.length > 0) {
    throw new CandorError(`no channel ${unknown.map((c) => `"${c}"`).join(', ')} in playbook "${playbook.name}"`, {
      code: 'unknown_channel',
      suggestions: [
        ...didYouMean(unknown[0], playbook.channels.keys()),
        `Channels: ${[...playbook.channels.keys()].join(', ')}`,
      ],
    })
  }
  const redactor = new Redactor(secretValues(env))
  const signal = AbortSignal.timeout((opts.timeoutMs ?? 10_000) + 1000)
  return Promise.all(
    names.map(async (name): Promise<ChannelCheck> => {
      const channel = playbook.channels.get(name)!
      const creds = checkCredentials(channel, env)
      const base = {channel: name, type: channel.type, credentials: {ok: creds.ok, missing: creds.missing}}
      const {
        adapter,
        target,
        error: refused,
      } = await tryCreateAdapter({channel, credentials: creds.values, timeoutMs: opts.timeoutMs ?? 10_000, env})
      // An endpoint the environment does not trust: refused before any connection.
      if (refused)
        return {
          ...base,
          ok: false,
          account: null,
          target,
          error: `${refused.message} (${refused.suggestions.join('; ')})`,
        }
      if (creds.problem) return {...base, ok: false, account: null, target, error: creds.problem}
      if (!creds.ok || !adapter)
        return {...base, ok: false, account: null, target, error: `missing ${creds.missing.join(', ')}`}
      if (!adapter.whoami) return {...base, ok: true, account: null, target, error: null}
      try {
        return {...base, ok: true, account: await adapter.whoami(signal), target, error: null}
      } catch (error) {
        return {...base, ok: false, account: null, target, error: redactor.text((error as Error).message)}
      }
    }),
  )
}

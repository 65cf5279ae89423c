const TRANSIENT_SQLSTATE = new Set(['57P01', '57P02', '57P03', '40001', '40P01', '53300'])
const TRANSIENT_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
])

/** A lost, refused or reset connection (or a server restarting): worth trying again. */
export function isTransientPgError(error: unknown): boolean {
  const e = error as {code?: unknown; message?: unknown} | undefined
  if (!e) return false
  if (
    typeof e.code === 'string' &&
    (e.code.startsWith('08') || TRANSIENT_SQLSTATE.has(e.code) || TRANSIENT_ERRNO.has(e.code))
  )
    return true
  return /connection terminated|connection ended|terminating connection|timeout exceeded when trying to connect|connection timeout|client has encountered a connection error|not queryable|query read timeout/i.test(
    String(e.message ?? ''),
  )
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** How often, and how patiently, an operation is tried again after a transient error. */
export interface RetryPolicy {
  /** Tries after the first (0: none). */
  retries: number
  /** First delay between tries; doubles each time, at most 3 s. */
  delayMs: number
  /** Runs before each retry (e.g. to replace a lost connection). */
  onTransient?: () => unknown
}

const MAX_DELAY_MS = 3000

/**
 * Runs `op`, again after a transient error (a lost, refused or reset connection) up to
 * `policy.retries` times with a doubling delay; any other error, or the last one, is thrown.
 */
export async function retryTransient<T>(op: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op()
    } catch (error) {
      if (!isTransientPgError(error) || attempt >= policy.retries) throw error
      await policy.onTransient?.()
      await sleep(Math.min(MAX_DELAY_MS, policy.delayMs * 2 ** attempt))
    }
  }
}

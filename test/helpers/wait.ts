/**
 * Waiting in tests: on a condition or an event, always with a deadline, never a fixed sleep.
 * A wait that runs out fails naming what it waited for, so a hang reads as a clear failure.
 */

export interface WaitOptions {
  /** What is awaited, for the failure message: "the fake to receive the post". */
  what: string
  /** Default 10 s. */
  timeoutMs?: number
  /** How often the condition is looked at; default 10 ms. */
  intervalMs?: number
}

/**
 * Resolves with the condition's first truthy value; throws when `timeoutMs` passes first.
 * The condition is looked at once at once, then every `intervalMs`.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, opts: WaitOptions): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await condition()
    if (value) return value as NonNullable<T>
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}`)
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 10))
  }
}

/** Resolves when `promise` does; throws naming `what` when `timeoutMs` (default 10 s) passes first. */
export async function within<T>(promise: Promise<T>, opts: Omit<WaitOptions, 'intervalMs'>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Holds each party (a fake platform, for one request) until every party has arrived, so a
 * test can show that they were all in flight at once. Waiting is bounded: `timeoutMs` after
 * the first arrival everyone is let go and the barrier is marked as missed, so that work done
 * one after another finishes (slowly) and `assertMet()` fails saying who never came.
 */
export class Barrier {
  private readonly arrived = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private open!: () => void
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve))
  /** Set when the deadline passed before every party arrived: who had arrived by then. */
  missed: string[] | undefined

  constructor(
    private readonly parties: readonly string[],
    private readonly opts: {what: string; timeoutMs?: number},
  ) {}

  /** Called by a party; resolves when all have arrived, or when the deadline passes. */
  arrive(party: string): Promise<void> {
    if (!this.parties.includes(party)) throw new Error(`barrier for ${this.opts.what}: unknown party ${party}`)
    this.arrived.add(party)
    this.timer ??= setTimeout(() => {
      this.missed = [...this.arrived]
      this.open()
    }, this.opts.timeoutMs ?? 5000)
    if (this.arrived.size === this.parties.length) {
      clearTimeout(this.timer)
      this.open()
    }
    return this.opened
  }

  /** Throws unless every party arrived before the deadline. */
  assertMet(): void {
    if (this.missed === undefined && this.arrived.size === this.parties.length) return
    const missing = this.parties.filter((p) => !(this.missed ?? [...this.arrived]).includes(p))
    const arrived = this.missed ?? [...this.arrived]
    throw new Error(
      `${this.opts.what}: only ${arrived.length} of ${this.parties.length} were in flight together ` +
        `within ${this.opts.timeoutMs ?? 5000} ms (${arrived.join(', ') || 'none'}); never joined them: ${missing.join(', ')}`,
    )
  }
}

/**
 * A gate a test opens: what passes it waits until `open()`; `reached` says that something
 * got there. With a fake's `inFlight.hold()`, it keeps a request on the wire for as long
 * as the test needs, instead of a latency guessed long enough.
 */
export class Gate {
  private arrive!: () => void
  private release!: () => void
  /** Resolves when the first caller of `pass()` arrives. */
  readonly reached = new Promise<void>((resolve) => (this.arrive = resolve))
  private readonly opened = new Promise<void>((resolve) => (this.release = resolve))
  /** How many passed (or wait to). */
  passed = 0

  /** Waits until the gate is open. */
  pass(): Promise<void> {
    this.passed++
    this.arrive()
    return this.opened
  }

  open(): void {
    this.release()
  }
}

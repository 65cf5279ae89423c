import type {Clock} from '../publish/deliver.js'

/**
 * The clock a rehearsal runs on: it stands still while a phase is published and moves only
 * when told (to the next phase's time). A wait (a rate limit, a backoff) passes at once and
 * moves the clock by as much, so a rehearsal takes seconds however long the incident lasts.
 */
export class SimulatedClock implements Clock {
  private at: number

  constructor(start: Date) {
    this.at = start.getTime()
  }

  now(): Date {
    return new Date(this.at)
  }

  async sleep(ms: number): Promise<void> {
    this.at += Math.max(0, ms)
  }

  /** Moves to `when` (never back). */
  moveTo(when: Date): void {
    this.at = Math.max(this.at, when.getTime())
  }
}

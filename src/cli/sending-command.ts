import {CandorCommand} from './base-command.js'
import {announceLockWait} from './lock-wait.js'
import {graceOnCtrlC} from './interrupt.js'
import {createReporter} from './progress.js'
import type {IncidentStore} from '../services/incident/store.js'
import type {PublishDeps} from '../services/publish/publish.js'

/**
 * What the commands that send to channels (publish, approve, retry) share beyond every
 * command's: the publish services' dependencies, the progress board and the Ctrl-C grace.
 * A class of its own so that a command that sends nothing loads none of it.
 */
export abstract class SendingCommand extends CandorCommand {
  private grace?: {signal: AbortSignal; stop(): void}

  /** Whether Ctrl-C interrupted the sending (the command then exits 130). */
  protected get interrupted(): boolean {
    return this.grace?.signal.aborted ?? false
  }

  /**
   * Runs `send` with what every sending command hands the publish services: the store, who
   * acts, the environment, a progress reporter (none with `reporter: false`), the waits of
   * the sending flags, and the Ctrl-C grace (interrupt.ts): the first Ctrl-C sends nothing
   * new and lets requests in flight settle and be journaled.
   */
  protected async sending<T>(
    flags: {as?: string; 'max-wait': number; 'lock-timeout': number; timeout: number},
    target: {store: IncidentStore; incident: string; reporter?: boolean},
    send: (deps: PublishDeps) => Promise<T>,
  ): Promise<T> {
    const reporter = target.reporter === false ? {progress() {}} : await createReporter(this.jsonEnabled())
    const grace = (this.grace = graceOnCtrlC())
    try {
      return await send({
        store: target.store,
        actor: (await this.actor(flags)).name,
        env: this.env,
        reporter,
        maxWaitMs: flags['max-wait'] * 1000,
        timeoutMs: flags.timeout * 1000,
        signal: grace.signal,
        lockTimeoutMs: flags['lock-timeout'] * 1000,
        onLockWait: announceLockWait(target.incident),
      })
    } finally {
      grace.stop()
      ;(reporter as {finish?(): void}).finish?.()
    }
  }
}

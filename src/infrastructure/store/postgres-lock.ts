import type {Client} from 'pg'
import {CandorError} from '../../domain/errors.js'
import type {IncidentLock} from '../../services/incident/store.js'
import type {LockOwner} from '../../services/incident/lock-owner.js'
import type {PgSession} from './pg-session.js'
import {LOCK_CLASS} from './schema.js'

/** Says who holds the lock, for whoever waits (best effort: needs write access to candor_locks). */
export function recordOwner(client: Client, id: string, owner: LockOwner): Promise<unknown> {
  return client
    .query(
      `insert into candor_locks (incident, backend_pid, owner, since) values ($1, pg_backend_pid(), $2, now())
       on conflict (incident) do update set backend_pid = excluded.backend_pid, owner = excluded.owner, since = excluded.since`,
      [id, JSON.stringify(owner)],
    )
    .catch(() => undefined)
}

/**
 * A session-level advisory lock on the command's connection (see PgSession). It ends with
 * release(), with the process, or with the connection: a crashed machine never blocks the
 * others. A connection lost while held is replaced and the lock taken again, before any
 * other statement runs on the new one, if nobody else took it meanwhile; `ensureHeld` says
 * whether that worked before anything is sent.
 */
export class PgIncidentLock implements IncidentLock {
  private released = false
  private lost = false
  private readonly unhook: Array<() => void>

  constructor(
    private readonly session: PgSession,
    private readonly id: string,
    private readonly key: number,
    private readonly owner: LockOwner,
    /** Runs once released (the store forgets the incident's cached journal; a dedicated session closes). */
    private readonly onReleased: () => Promise<void>,
  ) {
    this.unhook = [
      session.onReconnect(async (client) => {
        if (this.released || this.lost) return
        const got = await client
          .query<{ok: boolean}>('select pg_try_advisory_lock($1, $2) as ok', [LOCK_CLASS.command, this.key])
          .then((r) => r.rows[0].ok)
        // Someone else has it now: stay lost, so nothing more is sent under it.
        if (!got) this.lost = true
        else await recordOwner(client, this.id, this.owner)
      }),
    ]
  }

  /**
   * Fails when the lock was lost. One round trip on the lock's connection: a connection
   * that died unnoticed is found dead here, replaced, and the lock taken again first.
   */
  async ensureHeld(): Promise<void> {
    if (this.released) throw lockLost(this.id, 'it was released')
    for (let attempt = 0; attempt < 3 && !this.lost; attempt++) {
      try {
        await this.session.use((c) => c.query('select 1'))
        break
      } catch {
        // The session drops the dead connection; the next use reconnects and re-locks.
      }
    }
    if (this.lost) throw lockLost(this.id, 'its database connection was lost and another command holds it now')
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve()
    this.released = true
    for (const u of this.unhook) u()
    return (async () => {
      // One round trip: both statements go out together (the connection is pipelined).
      const unlock = this.session
        .use((client) =>
          Promise.all([
            client.query('delete from candor_locks where incident = $1 and backend_pid = pg_backend_pid()', [this.id]),
            client.query('select pg_advisory_unlock($1, $2)', [LOCK_CLASS.command, this.key]),
          ]),
        )
        .then(
          () => true,
          () => true, // the connection is gone, and the lock with it
        )
      let timer: NodeJS.Timeout | undefined
      const done = await Promise.race([unlock, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 3000)))])
      clearTimeout(timer)
      // A connection that hangs (a dead network) is cut: that ends the lock in any case.
      if (!done) await this.session.destroy()
      await this.onReleased()
    })()
  }
}

export function lockLost(id: string, why: string): CandorError {
  return new CandorError(`stopped before sending: the lock on incident ${id} is no longer held (${why})`, {
    code: 'lock_lost',
    suggestions: ['Check `candor status` to see what the other command did, then run `candor retry` or publish again'],
  })
}

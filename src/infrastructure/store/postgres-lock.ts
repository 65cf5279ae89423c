import type {Client} from 'pg'
import {CandorError} from '../../domain/errors.js'
import type {IncidentLock} from '../../services/incident/store.js'
import type {LockOwner} from '../../services/incident/lock-owner.js'
import {sleep} from './pg-retry.js'
import {LOCK_CLASS} from './schema.js'

/**
 * A session-level advisory lock on a dedicated connection. It ends with release(),
 * with the process, or with the connection: a crashed machine never blocks the others.
 * A connection lost while held is replaced and the lock taken again if nobody else
 * took it meanwhile; `ensureHeld` says whether that worked before anything is sent.
 */
export class PgIncidentLock implements IncidentLock {
  private released = false
  private lost = false
  private reacquiring?: Promise<void>

  constructor(
    /** Opens a fresh dedicated connection, to take the lock again on. */
    private readonly connect: () => Promise<Client>,
    private readonly id: string,
    private readonly key: number,
    private readonly owner: LockOwner,
    private client: Client,
  ) {
    this.watch(client)
  }

  private watch(client: Client): void {
    client.on('error', () => this.onLost(client))
    client.on('end', () => this.onLost(client))
  }

  private onLost(client: Client): void {
    if (this.released || client !== this.client || this.lost) return
    this.lost = true
    this.reacquiring ??= this.reacquire().finally(() => {
      this.reacquiring = undefined
    })
  }

  private async reacquire(): Promise<void> {
    const until = Date.now() + 15_000
    while (!this.released && Date.now() < until) {
      let client: Client | undefined
      try {
        client = await this.connect()
        const got = (
          await client.query<{ok: boolean}>('select pg_try_advisory_lock($1, $2) as ok', [LOCK_CLASS.command, this.key])
        ).rows[0].ok
        if (!got) {
          // Someone else has it now: stay lost, so nothing more is sent under it.
          await client.end().catch(() => undefined)
          return
        }
        if (this.released) {
          // Released while we were reconnecting: let go at once.
          await client.query('select pg_advisory_unlock($1, $2)', [LOCK_CLASS.command, this.key]).catch(() => undefined)
          await client.end().catch(() => undefined)
          return
        }
        this.client = client
        this.watch(client)
        this.lost = false
        await this.recordOwner()
        return
      } catch {
        await client?.end().catch(() => undefined)
        await sleep(500)
      }
    }
  }

  /** Says who holds the lock, for whoever waits (best effort: needs write access to candor_locks). */
  async recordOwner(): Promise<void> {
    await this.client
      .query(
        `insert into candor_locks (incident, backend_pid, owner, since) values ($1, pg_backend_pid(), $2, now())
         on conflict (incident) do update set backend_pid = excluded.backend_pid, owner = excluded.owner, since = excluded.since`,
        [this.id, JSON.stringify(this.owner)],
      )
      .catch(() => undefined)
  }

  async ensureHeld(): Promise<void> {
    if (this.released) throw lockLost(this.id, 'it was released')
    if (!this.lost) {
      try {
        await this.client.query('select 1')
      } catch {
        this.onLost(this.client)
      }
    }
    if (this.reacquiring) await this.reacquiring
    if (this.lost) throw lockLost(this.id, 'its database connection was lost and another command holds it now')
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve()
    this.released = true
    const client = this.client
    return (async () => {
      const unlock = (async () => {
        await client.query('delete from candor_locks where incident = $1 and backend_pid = pg_backend_pid()', [this.id])
        await client.query('select pg_advisory_unlock($1, $2)', [LOCK_CLASS.command, this.key])
      })().catch(() => undefined) // the connection is gone, and the lock with it
      let timer: NodeJS.Timeout | undefined
      await Promise.race([unlock, new Promise((r) => (timer = setTimeout(r, 3000)))])
      clearTimeout(timer)
      // Closing the connection ends the lock in any case.
      await closeClient(client)
    })()
  }
}

/** Ends a connection; one that hangs (a dead network) is cut, so the command can exit. */
async function closeClient(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const ended = await Promise.race([
    client.end().then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 2000))),
  ])
  clearTimeout(timer)
  if (!ended) (client as unknown as {connection?: {stream?: {destroy(): void}}}).connection?.stream?.destroy()
}

function lockLost(id: string, why: string): CandorError {
  return new CandorError(`stopped before sending: the lock on incident ${id} is no longer held (${why})`, {
    code: 'lock_lost',
    suggestions: ['Check `candor status` to see what the other command did, then run `candor retry` or publish again'],
  })
}

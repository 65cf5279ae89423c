/**
 * A connection cut in the middle of a pipelined batch (begin, append lock, one INSERT of
 * the batch, commit, all in one write) never records an event twice and never loses one:
 * whether the batch never reached the server or ran and only its answer was lost, the
 * retry (same event ids) leaves each event in the journal exactly once, numbered on.
 */
import {afterEach, expect, it} from 'vitest'
import type {NewEvent} from '../../src/services/incident/events.js'
import {PgIncidentStore} from '../../src/infrastructure/store/postgres.js'
import {pgTarget, startPgProxy, type PgProxy} from '../helpers/pg-proxy.js'
import {describePg, freshDatabase, openedEvent as opened, PG_URL} from './pg.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const note = (text: string) => ({type: 'note', by: 'alice', text}) as NewEvent

async function world(): Promise<{proxy: PgProxy; store: PgIncidentStore; direct: PgIncidentStore}> {
  const url = await freshDatabase()
  const proxy = await startPgProxy({target: pgTarget(PG_URL!)})
  const store = new PgIncidentStore(proxy.url(url), {retryDelayMs: 20})
  const direct = new PgIncidentStore(url)
  closers.push(
    () => proxy.close(),
    () => store.close(),
    () => direct.close(),
  )
  await store.create('inc', opened('inc'))
  return {proxy, store, direct}
}

describePg('a connection cut mid-batch', () => {
  for (const how of ['drop', 'forward-then-cut'] as const) {
    it(`${how === 'drop' ? 'before the batch reaches the server' : 'after it ran, its answer lost'}: each event once`, async () => {
      const {proxy, store, direct} = await world()
      let cuts = 0
      proxy.setOnClient((_conn, chunk) => {
        if (cuts > 0 || !chunk.toString('latin1').includes('insert into candor_events')) return undefined
        cuts++
        return how
      })
      const out = await store.appendMany('inc', [note('a'), note('b'), note('c')])
      expect(cuts).toBe(1)
      expect(out.map((e) => e.seq)).toEqual([2, 3, 4])
      const {events} = await direct.read('inc')
      expect(events.map((e) => [e.seq, e.type === 'note' ? e.text : e.type])).toEqual([
        [1, 'opened'],
        [2, 'a'],
        [3, 'b'],
        [4, 'c'],
      ])
      // The journal goes on after it, numbered on.
      proxy.setOnClient(undefined)
      expect((await store.append('inc', note('d'))).seq).toBe(5)
    })
  }
})

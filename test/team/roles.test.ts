import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, expect, it} from 'vitest'
import {ROOT, runCli} from '../helpers/cli.js'
import {adminQuery, describePg, freshDatabase, teamWorld, withDatabase, type TeamWorld} from './pg.js'

let world: TeamWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

/** The SQL blocks of the README's "Team mode" section, in order. */
function readmeSql(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(
    readme.indexOf('## Team mode'),
    readme.indexOf('\n## ', readme.indexOf('## Team mode') + 1),
  )
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1])
}

/** Runs README SQL against a test database: its own role names (roles are cluster-wide), its database name. */
async function runReadmeSql(sql: string, db: string, roles: Record<string, string>): Promise<void> {
  let text = sql.replace(/DATABASE ops\b/g, `DATABASE ${db}`)
  for (const [from, to] of Object.entries(roles))
    text = text.replace(new RegExp(`(ROLE|TO|AUTHORIZATION|,) ${from}\\b(?!_)`, 'g'), `$1 ${to}`)
  await adminQuery(withDatabase(process.env.CANDOR_TEST_PG_URL!, db), text)
}

async function publishAs(url: string) {
  world = await teamWorld({url})
  const alice = world.engineer('Alice')
  const opened = await alice.cli([
    'incident',
    'open',
    world.playbook,
    '--set',
    'service=S',
    '--set',
    'impact=I',
    '--id',
    'inc',
  ])
  expect(opened.code, opened.stderr).toBe(0)
  const published = await alice.cli(['publish', '--phase', 'investigating', '--yes', '--json'])
  expect(published.code, published.stderr).toBe(0)
  expect(world.fake.tweets).toHaveLength(1)
  expect(JSON.parse((await alice.cli(['status', '--json'])).stdout)).toMatchObject({phase: 'investigating'})
}

describePg('the least-privilege roles of the README', () => {
  it('one role owning its schema: Candor creates its tables there and works', async () => {
    const [simple] = readmeSql()
    const url = await freshDatabase()
    const db = new URL(url).pathname.slice(1)
    const role = `candor_${randomBytes(4).toString('hex')}`
    await runReadmeSql(simple, db, {candor: role})
    await publishAs(withDatabase(url, db, {name: role, password: 'change-me'}))
    const tables = await adminQuery<{schemaname: string}>(
      url,
      `select distinct schemaname from pg_tables where tablename like 'candor_%'`,
    )
    expect(tables).toEqual([{schemaname: 'candor'}])
  })

  it('an owner migrates; the app role reads and appends, and cannot change or delete a journal entry', async () => {
    const [, strict, grants] = readmeSql()
    const url = await freshDatabase()
    const db = new URL(url).pathname.slice(1)
    const suffix = randomBytes(4).toString('hex')
    const roles = {candor_owner: `candor_owner_${suffix}`, candor_app: `candor_app_${suffix}`}
    await runReadmeSql(strict, db, roles)
    const owner = withDatabase(url, db, {name: roles.candor_owner, password: 'change-me-owner'})
    const app = withDatabase(url, db, {name: roles.candor_app, password: 'change-me-app'})

    // Before the owner migrates, the app role can't create the schema: it says what to do.
    const early = await runCli(['incident', 'list', '--json', '--store', app])
    expect(early.code).toBe(1)
    expect(JSON.parse(early.stdout).error).toMatchObject({
      code: 'store_permission',
      suggestions: [expect.stringContaining('candor store migrate')],
    })

    const migrated = await runCli(['store', 'migrate', '--store', owner, '--json'])
    expect(migrated.code, migrated.stderr).toBe(0)
    await runReadmeSql(grants, db, roles)
    expect(JSON.parse((await runCli(['store', 'migrate', '--store', app, '--json'])).stdout)).toMatchObject({
      applied: [],
    })

    await publishAs(app)
    await expect(adminQuery(app, `update candor_events set type = 'note'`)).rejects.toThrow(/permission denied/)
    await expect(adminQuery(app, 'delete from candor_events')).rejects.toThrow(/permission denied/)
    expect((await adminQuery<{n: string}>(app, 'select count(*) as n from candor_events'))[0].n).toBe('5')
  })
})

import {CandorCommand, stateFlags} from '../../cli/base-command.js'
import {SCHEMA_VERSION} from '../../infrastructure/store/schema.js'

export default class StoreMigrate extends CandorCommand {
  static override summary = "Create or upgrade the shared PostgreSQL store's schema"
  static override description =
    `Candor does this by itself on first use; run it explicitly to migrate as a more privileged role than the one Candor runs with, or before a team upgrades. Safe to run again: it applies only what is missing, in one transaction, and two machines running it at once migrate once.

The file store (a state directory) has no schema: nothing to do.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --store postgres://candor_owner@db.internal:5432/ops',
    'CANDOR_STORE=postgres://candor_owner@db.internal/ops <%= config.bin %> <%= command.id %> --json',
  ]

  static override flags = {...stateFlags}

  async run() {
    const {flags} = await this.parse(StoreMigrate)
    const store = await this.openStore(flags)
    if (!store.migrate) {
      this.log(`${store.location} is a file store: it has no schema to migrate.`)
      return {store: store.location, kind: 'file', from: null, to: null, applied: []}
    }
    const result = await store.migrate()
    await store.close?.()
    if (result.applied.length === 0) this.log(`${store.location} is up to date (schema version ${result.to}).`)
    else {
      this.log(`${store.location}: schema version ${result.from} → ${result.to}`)
      for (const a of result.applied) this.log(`  ${a.version}: ${a.description}`)
    }
    return {
      store: store.location,
      kind: 'postgres',
      from: result.from,
      to: result.to,
      latest: SCHEMA_VERSION,
      applied: result.applied,
    }
  }
}

import {Flags} from '@oclif/core'
import {CandorCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../domain/errors.js'
import {copyIncidents, openEndpoint} from '../../infrastructure/store/copy.js'

export default class StoreCopy extends CandorCommand {
  static override summary = 'Copy incidents between stores: a state directory and PostgreSQL, either way'
  static override description =
    `Copies each journal event for event (same numbers, times and JSON). Safe to run again: incidents already there are left alone, a journal that went on at the source gets the rest, and one that differs is reported and never overwritten (exit 1).

Run it while nobody is publishing the incidents being copied.`

  static override examples = [
    {
      description: 'Move local incidents into the team database',
      command: '<%= config.bin %> <%= command.id %> --from .candor --to "$CANDOR_STORE"',
    },
    {
      description: 'Keep a local copy of one incident',
      command:
        '<%= config.bin %> <%= command.id %> --from "$CANDOR_STORE" --to ./backup --incident 2026-11-25-acme-voice --json',
    },
  ]

  static override flags = {
    from: Flags.string({
      description: 'store to copy from: a postgres:// URL or a state directory',
      required: true,
      helpValue: 'STORE',
    }),
    to: Flags.string({
      description: 'store to copy into: a postgres:// URL or a state directory',
      required: true,
      helpValue: 'STORE',
    }),
    incident: Flags.string({
      char: 'i',
      description: 'only this incident (repeatable; default: all)',
      multiple: true,
      helpValue: 'ID',
    }),
  }

  async run() {
    const {flags} = await this.parse(StoreCopy)
    const from = openEndpoint(flags.from, {explicit: true})
    const to = openEndpoint(flags.to)
    try {
      const result = await copyIncidents(from, to, {incidents: flags.incident})
      for (const w of result.warnings) this.warnLine(w)
      this.log(`${result.from} → ${result.to}`)
      if (result.incidents.length === 0) this.log('  no incidents to copy')
      for (const r of result.incidents)
        this.log(
          `  ${r.incident}: ${r.status}${r.events ? ` (${r.events} events)` : ''}${r.message ? ` — ${r.message}` : ''}`,
        )
      if (result.incidents.some((r) => r.status === 'conflict')) process.exitCode = ExitCode.Error
      return result
    } finally {
      for (const s of [from.store, to.store]) await s.close?.()
    }
  }
}

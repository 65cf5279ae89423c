import {Args, Flags} from '@oclif/core'
import {CandorCommand} from '../../cli/base-command.js'
import {paint, paintErr} from '../../cli/style.js'
import {ExitCode} from '../../domain/errors.js'
import {SNAPSHOT_CLOCK} from '../../services/playbook-snapshots/render-snapshot.js'
import {type SnapshotResult, testSnapshots} from '../../services/playbook-snapshots/test-snapshots.js'

function describeChanges(r: SnapshotResult): string[] {
  const c = r.changes
  if (!c) return []
  return [
    ...c.changed.map((s) => `  changed: ${s}`),
    ...c.added.map((s) => `  added:   ${s}`),
    ...c.removed.map((s) => `  removed: ${s}`),
  ]
}

function colourDiff(diff: string): string {
  return diff
    .trimEnd()
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---')
        ? paint('bold', l)
        : l.startsWith('@@')
          ? paint('cyan', l)
          : l.startsWith('+')
            ? paint('green', l)
            : l.startsWith('-')
              ? paint('red', l)
              : l,
    )
    .join('\n')
}

export default class PlaybookTest extends CandorCommand {
  static override summary = 'Compare every post a playbook renders with its snapshot (golden files for playbooks)'
  static override description =
    `Renders every phase × channel × locale of each playbook with its example facts (the playbook's "examples:" block, --facts FILE laid over it; without either, examples/NAME.facts.yaml beside the playbook, else the facts' defaults) at a fixed clock (${SNAPSHOT_CLOCK.now.toISOString().replace('.000Z', 'Z')}), so a run next week gives the same text, and compares the result with the playbook's snapshot, __snapshots__/NAME.snap.md beside it: Markdown, one heading per post, reviewable in a pull request.

A difference prints a unified diff naming each post that changed, was added (a new phase, channel or locale) or removed, and exits 1. A missing snapshot also exits 1 (as in CI nothing should pass unchecked): run with --update to write it. --update writes every snapshot that is missing or differs and says which.`

  static override strict = false
  static override examples = [
    '<%= config.bin %> <%= command.id %> playbooks/*.yaml',
    {
      description: 'Accept the changes after reviewing the diff',
      command: '<%= config.bin %> <%= command.id %> playbooks/outage.yaml --update',
    },
    '<%= config.bin %> <%= command.id %> outage --facts playbooks/examples/outage.facts.yaml --json',
  ]

  static override args = {
    playbook: Args.string({description: 'playbook file(s), or names in ./playbooks', required: true}),
  }

  static override flags = {
    facts: Flags.string({
      description: 'YAML or JSON file of example facts, laid over each playbook\'s "examples:"',
      helpValue: 'FILE',
    }),
    update: Flags.boolean({char: 'u', description: 'write the snapshots that are missing or differ'}),
  }

  async run() {
    const {argv, flags} = await this.parse(PlaybookTest)
    const report = testSnapshots({playbooks: argv as string[], factsFile: flags.facts, update: flags.update})
    for (const r of report.playbooks) {
      if (r.status === 'pass') this.log(`${paint('green', '✓')} ${r.playbook} matches ${r.snapshot}`)
      else if (r.status === 'written')
        this.log(
          [
            `${paint('green', 'Wrote')} ${r.snapshot} (${r.wrote === 'new' ? 'new' : 'updated'})`,
            ...describeChanges(r),
          ].join('\n'),
        )
      else if (r.status === 'missing')
        this.log(
          `${paint('red', '✗')} ${r.playbook}: no snapshot at ${r.snapshot}; run \`candor playbook test --update ${r.playbook}\` to write it`,
        )
      else {
        this.log([`${paint('red', '✗')} ${r.playbook} differs from ${r.snapshot}:`, ...describeChanges(r)].join('\n'))
        this.log(colourDiff(r.diff ?? ''))
      }
    }
    if (!this.jsonEnabled()) {
      const failed = report.playbooks.filter((r) => r.status === 'fail' || r.status === 'missing')
      if (failed.length > 0)
        process.stderr.write(
          `${paintErr('red', `✗ ${failed.length} of ${report.playbooks.length} ${report.playbooks.length === 1 ? 'playbook' : 'playbooks'} failed`)}; if the changes are intended, run \`candor playbook test --update ${failed.map((r) => r.playbook).join(' ')}\`\n`,
        )
    }
    if (!report.ok) process.exitCode = ExitCode.Error
    return {
      ok: report.ok,
      playbooks: report.playbooks.map((r) => ({
        playbook: r.playbook,
        snapshot: r.snapshot,
        status: r.status,
        ...(r.diff !== undefined && {diff: r.diff}),
        ...(r.changes !== undefined && {changes: r.changes}),
      })),
    }
  }
}

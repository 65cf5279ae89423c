import path from 'node:path'
import {CandorCommand} from '../cli/base-command.js'
import {
  complete,
  formatCandidates,
  type Candidate,
  type CompletionCommand,
  type CompletionContext,
  type CompletionSources,
} from '../cli/complete.js'
import {incidentPlaybook, listIncidents, loadIncident, resolveIncidentId} from '../services/incident/service.js'
import type {IncidentStore} from '../services/incident/store.js'
import type {Playbook} from '../domain/playbook/model.js'
import {DEFAULT_PLAYBOOK_DIR, listPlaybookFiles, requirePlaybook} from '../services/playbook/resolve.js'

/** A team store that does not answer within this long completes nothing rather than hang the shell. */
const STORE_WAIT_MS = 1500

export default class Complete extends CandorCommand {
  static override hidden = true
  static override strict = false
  static override enableJsonFlag = false
  static override summary =
    'Print completions for the words after `candor` (called by the scripts of `candor autocomplete`)'
  static override usage = '__complete bash|zsh|fish -- WORD... CURRENT'

  async run(): Promise<void> {
    await this.parse(Complete)
    // Read raw: the words are a command line being typed, not this command's flags.
    const [shell = 'bash', ...rest] = this.argv
    const words = rest[0] === '--' ? rest.slice(1) : rest
    const commands: CompletionCommand[] = this.config.commands.map((c) => ({
      id: c.id.replaceAll(':', ' '),
      summary: c.summary ?? c.description?.split('\n')[0],
      hidden: c.hidden || c.id.startsWith('__'),
      flags: Object.fromEntries(
        Object.entries(c.flags).map(([name, f]) => [
          name,
          {
            name,
            char: f.char,
            type: f.type,
            options: f.type === 'option' ? f.options : undefined,
            multiple: f.type === 'option' ? f.multiple : false,
            hidden: f.hidden,
            summary: f.summary,
            description: f.description,
          },
        ]),
      ),
      args: Object.values(c.args ?? {}).map((a) => ({name: a.name, description: a.description, options: a.options})),
    }))
    const topics = this.config.topics
      .filter((t) => !t.hidden)
      .map((t) => ({name: t.name.replaceAll(':', ' '), description: t.description}))
    const sources = new StoreSources((flags) => this.openStore(flags))
    try {
      process.stdout.write(
        formatCandidates(shell, await complete(words.length > 0 ? words : [''], commands, topics, sources)),
      )
    } finally {
      await sources.close()
    }
  }
}

/** Phases, channels and incident ids from the playbook and store at hand. */
class StoreSources implements CompletionSources {
  private stores: IncidentStore[] = []

  constructor(private readonly openStore: (flags: {'state-dir'?: string; store?: string}) => Promise<IncidentStore>) {}

  async phases(ctx: CompletionContext): Promise<Candidate[]> {
    return (await this.playbook(ctx)).phases.map((p) => ({
      value: p.name,
      description: p.nextUpdate ? `next update in ${p.nextUpdate.text}` : undefined,
    }))
  }

  async channels(ctx: CompletionContext): Promise<Candidate[]> {
    return [...(await this.playbook(ctx)).channels.values()].map((c) => ({value: c.name, description: c.type}))
  }

  async incidents(ctx: CompletionContext): Promise<Candidate[]> {
    const incidents = await withDeadline(listIncidents(await this.store(ctx), {all: true}))
    return incidents
      .reverse()
      .map((i) => ({value: i.id, description: `${i.playbook}, ${i.resolved ? 'resolved' : (i.phase ?? 'opened')}`}))
  }

  async playbooks(): Promise<Candidate[]> {
    return listPlaybookFiles(DEFAULT_PLAYBOOK_DIR).map((f) => ({
      value: path.basename(f).replace(/\.ya?ml$/, ''),
      description: f,
    }))
  }

  /** The playbook named on the command line, else the one the incident at hand was opened from. */
  private async playbook(ctx: CompletionContext): Promise<Playbook> {
    if (ctx.args.playbook) return requirePlaybook(ctx.args.playbook, {templatesOf: []})
    const store = await this.store(ctx)
    const id = await withDeadline(resolveIncidentId(store, ctx.flags.incident ?? ctx.args.id))
    const {state} = await withDeadline(loadIncident(store, id))
    return incidentPlaybook(state, {templatesOf: []})
  }

  private async store(ctx: CompletionContext): Promise<IncidentStore> {
    const store = await this.openStore({'state-dir': ctx.flags['state-dir'], store: ctx.flags.store})
    this.stores.push(store)
    return store
  }

  async close(): Promise<void> {
    for (const s of this.stores)
      await withDeadline((s as {close?(): Promise<void>}).close?.() ?? Promise.resolve()).catch(() => {})
  }
}

function withDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the store did not answer in time')), STORE_WAIT_MS)
    timer.unref()
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

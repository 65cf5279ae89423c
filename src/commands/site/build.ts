import {Flags} from '@oclif/core'
import {CandorCommand, stateFlags} from '../../cli/base-command.js'
import {paint} from '../../cli/style.js'
import {CandorError} from '../../domain/errors.js'
import {lookForPlaybooks} from '../../cli/incident-choice.js'
import {buildSiteFromStore} from '../../infrastructure/site-files.js'
import {findSiteChannel} from '../../services/site/service.js'

export default class SiteBuild extends CandorCommand {
  static override summary = 'Rebuild the static status site from the recorded incidents'
  static override description =
    `The site is a function of the journals in the state directory: the overall status, a card per open incident, upcoming maintenance, each component's 90-day bar and uptime, recent incidents, a history page per month, a page per incident, and an Atom feed and a JSON Feed of the newest 100 updates (at most 90 days old). A journal whose clock jumped (an update dated before its incident opened) is drawn from what is consistent and reported as a warning. Every publish to a \`site\` channel regenerates the pages its update changes, using the site index (.candor-site-index.json) for the other incidents; this command regenerates every page and the index from every journal, at any time (after a restore, from cron to move the bars on to a new day).

Without --title, --base-url, --components or --out, the settings of the \`site\` channel in the most recent incident's playbook are used. Files in the folder that Candor did not write are never touched.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --out public',
    '<%= config.bin %> <%= command.id %> --out public --title "Acme status" --base-url https://status.acme.example --components "Acme Voice,Acme Messaging"',
    '<%= config.bin %> <%= command.id %> --state-dir /srv/candor --out /var/www/status --json',
  ]

  static override flags = {
    out: Flags.string({
      char: 'o',
      description: "folder to write the site to (default: the site channel's dir)",
      helpValue: 'DIR',
    }),
    title: Flags.string({description: 'site title', helpValue: 'TEXT'}),
    'base-url': Flags.string({
      description: 'public URL the site is served from (makes feed links absolute)',
      helpValue: 'URL',
    }),
    components: Flags.string({description: 'services listed on the page, comma-separated', helpValue: 'A,B'}),
    ...stateFlags,
  }

  async run() {
    const {flags} = await this.parse(SiteBuild)
    const store = await this.openStore(flags)
    lookForPlaybooks(store)
    const needDefaults =
      flags.out === undefined ||
      flags.title === undefined ||
      flags['base-url'] === undefined ||
      flags.components === undefined
    const found = needDefaults ? await findSiteChannel(store) : undefined
    const defaults = found?.options
    const out = flags.out ?? defaults?.dir
    if (!out) {
      throw new CandorError('no folder to build the site in', {
        code: 'site_out_missing',
        suggestions: ['Pass --out DIR (no playbook of a recorded incident has a `site` channel with a `dir`)'],
      })
    }
    const result = await buildSiteFromStore(store, {
      out,
      title: flags.title ?? defaults?.title,
      baseUrl: flags['base-url'] ?? defaults?.baseUrl,
      components: flags.components !== undefined ? flags.components.split(',') : defaults?.components,
      lang: defaults?.lang,
    })
    for (const w of result.warnings) this.warnLine(w)
    if (found && needDefaults)
      this.warnLine(`settings from channel "${found.channel}" of incident ${found.incident}'s playbook`)
    const n = result.incidents.length
    this.log(
      `Built the status site in ${paint('bold', result.out)}: ${n} ${n === 1 ? 'incident' : 'incidents'}, ${result.files.length} files (${result.written.length} changed${result.removed.length > 0 ? `, ${result.removed.length} removed` : ''})`,
    )
    return {
      out: result.out,
      files: result.files,
      written: result.written,
      removed: result.removed,
      incidents: result.incidents,
      warnings: result.warnings,
    }
  }
}

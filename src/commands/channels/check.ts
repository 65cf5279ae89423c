import {Args, Flags} from '@oclif/core'
import {CandorCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/style.js'
import {ExitCode} from '../../domain/errors.js'
import {requirePlaybook} from '../../services/playbook/resolve.js'
import {checkChannels} from '../../services/publish/check.js'

export default class ChannelsCheck extends CandorCommand {
  static override summary = "Check each channel's credentials with a read-only call; never posts"
  static override description =
    'For each channel of the playbook: are its credentials in the environment (or .env), and does a read-only "who am I" call with them succeed? Reports the account Candor would post as. Exits 1 if any channel is not ready.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> playbooks/outage.yaml',
    '<%= config.bin %> <%= command.id %> outage --channel x --channel mastodon --json',
  ]
  static override args = {
    playbook: Args.string({description: 'playbook file, or a name in ./playbooks', required: true}),
  }
  static override flags = {
    channel: Flags.string({char: 'c', description: 'only this channel (repeatable)', multiple: true}),
    timeout: Flags.integer({description: 'seconds to wait for each platform', default: 10, min: 1}),
  }

  async run() {
    const {args, flags} = await this.parse(ChannelsCheck)
    const playbook = requirePlaybook(args.playbook)
    const checks = await checkChannels(playbook, this.env, {channels: flags.channel, timeoutMs: flags.timeout * 1000})
    const width = Math.max(...checks.map((c) => c.channel.length))
    for (const c of checks) {
      const mark = c.ok ? paint('green', '✓') : paint('red', '✗')
      const what = c.ok
        ? c.account
          ? `posts as ${c.account}`
          : `${c.target} (no read-only check for this type)`
        : c.error
      this.log(`${mark} ${c.channel.padEnd(width)}  ${paint('dim', c.type.padEnd(10))} ${what}`)
    }
    if (checks.some((c) => !c.ok)) process.exitCode = ExitCode.Error
    return {playbook: playbook.name, ok: checks.every((c) => c.ok), channels: checks}
  }
}

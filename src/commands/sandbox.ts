import path from 'node:path'
import {Flags} from '@oclif/core'
import {CandorCommand} from '../cli/base-command.js'
import {paint} from '../cli/style.js'
import {CandorError} from '../domain/errors.js'

export const DEFAULT_SANDBOX_PORT = 4477

export default class Sandbox extends CandorCommand {
  static override summary = 'Serve an imitation of every platform on this machine, to rehearse without any accounts'
  static override description =
    `Listens on 127.0.0.1 only: every channel type Candor publishes to (X, Mastodon, Bluesky, Facebook, Slack, Discord, webhooks, Statuspage) on one HTTP port, each speaking its platform's wire protocol, and email over SMTP on a second port (the HTTP port + 1 unless --smtp-port says otherwise). Open an incident with --sandbox and everything it publishes lands here; the page at its URL shows each channel's posts as their public would see them, threads nested, newest first, updating while open. GET /api/posts lists every post as JSON (docs/sandbox.md).

Runs until Ctrl-C. Keeps nothing after it stops, unless --dir names a folder: then the posts are saved there (posts.json) and shown again on the next start.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {
      description: 'Rehearse an incident against it (in another terminal)',
      command: '<%= config.bin %> incident open outage --sandbox http://127.0.0.1:4477',
    },
    {description: 'Keep the posts between runs', command: '<%= config.bin %> <%= command.id %> --dir .candor/sandbox'},
    {description: 'A free port, reported as JSON', command: '<%= config.bin %> <%= command.id %> --port 0 --json'},
  ]

  static override flags = {
    port: Flags.integer({
      description: 'HTTP port on 127.0.0.1 (0: any free port)',
      default: DEFAULT_SANDBOX_PORT,
      min: 0,
      max: 65_535,
      helpValue: 'N',
    }),
    'smtp-port': Flags.integer({
      description: 'SMTP port on 127.0.0.1 (default: the HTTP port + 1; any free port with --port 0)',
      min: 0,
      max: 65_535,
      helpValue: 'N',
    }),
    dir: Flags.string({
      description: 'keep the posts in this folder (posts.json) and show them again next time',
      helpValue: 'DIR',
    }),
  }

  async run() {
    const {flags} = await this.parse(Sandbox)
    // Loaded only here: the imitations and their packages are no other command's start-up cost.
    const {startSandbox} = await import('../infrastructure/sandbox/sandbox-server.js')
    const dir = flags.dir === undefined ? undefined : path.resolve(flags.dir)
    let sandbox: Awaited<ReturnType<typeof startSandbox>>
    try {
      sandbox = await startSandbox({port: flags.port, smtpPort: flags['smtp-port'], dir, host: '127.0.0.1'})
    } catch (error) {
      throw listenError(error, flags.port, flags['smtp-port'])
    }
    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        process.removeListener('SIGINT', stop)
        process.removeListener('SIGTERM', stop)
        sandbox.close().then(resolve, resolve)
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })

    const info = {url: sandbox.url, smtp: sandbox.smtp}
    if (this.jsonEnabled()) this.logJson(info)
    else {
      this.print(
        `${paint('bold', 'Candor sandbox')} on ${paint('cyan', sandbox.url)} (nothing here reaches a real platform)`,
      )
      this.print(`  page:   ${sandbox.url}/   posts as JSON: ${sandbox.url}/api/posts`)
      this.print(
        `  SMTP:   ${sandbox.smtp.host}:${sandbox.smtp.port} (email channels; the user name is the channel's name)`,
      )
      this.print(`  try:    candor incident open PLAYBOOK --sandbox ${sandbox.url}`)
      this.print(dir ? `  posts are kept in ${dir}` : '  nothing is kept after it stops (--dir DIR keeps the posts)')
      this.print('Ctrl-C to stop.')
    }
    await stopped
    if (!this.jsonEnabled()) process.stderr.write('Sandbox stopped.\n')
  }
}

/** A port already taken (or not ours to take): one line, and what to do. */
function listenError(error: unknown, port: number, smtpPort: number | undefined): Error {
  const e = error as NodeJS.ErrnoException & {sandboxPart?: string; port?: number}
  const smtp = e.sandboxPart === 'smtp'
  const taken = smtp ? e.port : port
  if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
    const why = e.code === 'EADDRINUSE' ? 'is already in use' : 'may not be used by this user'
    return new CandorError(`${smtp ? 'SMTP' : 'HTTP'} port ${taken} on 127.0.0.1 ${why}`, {
      code: 'port_in_use',
      suggestions: [
        smtp
          ? `Choose another SMTP port: --smtp-port ${(smtpPort ?? port + 1) + 1}, or --smtp-port 0 for any free one`
          : `Choose another port: --port ${port + 2}, or --port 0 for any free one (is a sandbox already running there?)`,
      ],
    })
  }
  return error as Error
}

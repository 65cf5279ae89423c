import {Help} from '@oclif/core'

/** The environment variables Candor reads, for the root help (README "State and the journal", "Team mode"). */
export const ENVIRONMENT: Array<[string, string]> = [
  ['CANDOR_STATE_DIR', 'state directory (default: .candor/ here or in the nearest parent)'],
  ['CANDOR_STORE', 'team mode store: postgres://USER@HOST/DB, or a directory'],
  ['CANDOR_USER', 'who acts, for the journal (default: git user.name)'],
  ['CANDOR_CACHE_DIR', 'template cache (default ~/.cache/candor); CANDOR_CACHE=off turns it off'],
  ['CANDOR_TRUSTED_HOSTS', "hosts a playbook's api_url may send credentials to, comma-separated"],
  ['CANDOR_<CHANNEL>_*', 'channel credentials'],
  ['./.env', 'the CANDOR_* settings above, under the environment (which wins)'],
  ['NO_COLOR', 'no colours (same as --no-color)'],
  ['DEBUG', "DEBUG=* adds stack traces and oclif's debug log"],
]

/** Exit codes (src/domain/errors.ts ExitCode), as the README's table says them. */
export const EXIT_CODES: Array<[string, string]> = [
  ['0', 'done (publish, retry: every approved delivery published)'],
  ['1', 'bad input or preflight failure: nothing was sent'],
  ['2', 'flag or argument syntax, unknown command'],
  ['3', 'some deliveries failed, the rest went out: candor retry'],
  ['4', 'not approved (refused, or no terminal and no --yes): nothing sent'],
  [
    '130',
    'interrupted (Ctrl-C): at a prompt nothing was sent; while sending, candor retry; while deleting, retract again',
  ],
]

/**
 * oclif's help, with what a root help page owes a new user after the command list:
 * the environment Candor reads, the exit codes, and where the documentation is.
 */
export default class CandorHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    this.log(this.section('ENVIRONMENT', ENVIRONMENT))
    this.log('')
    this.log(this.section('EXIT CODES', EXIT_CODES))
    this.log('')
    this.log(
      this.section('DOCUMENTATION', [
        ['README', this.docsLink()],
        ['completion', 'candor autocomplete (bash, zsh, fish)'],
      ]),
    )
    this.log('')
  }

  /** The project's homepage when package.json names one, else the README installed with Candor. */
  private docsLink(): string {
    const pjson = this.config.pjson as {homepage?: string}
    return pjson.homepage ?? `${this.config.root}/README.md`
  }
}

import {codePointLength} from '../../domain/text/length.js'
import {apiUrlEndpoint, channelKind, commonOptions, text, url, type OptionsOf} from '../kind.js'
import {sandboxBase, sandboxOrigin} from '../sandbox-url.js'

const options = {
  ...commonOptions,
  username: text({description: 'Name the webhook posts as'}),
  avatar_url: url({description: 'Avatar the webhook posts with'}),
}
export type DiscordOptions = OptionsOf<typeof options>

/** Discord, by webhook: 2000 characters a message. */
export const discordKind = channelKind({
  type: 'discord',
  label: 'Discord',
  threads: false,
  format: 'text',
  measure: codePointLength,
  unit: 'characters',
  defaultLimit: 2000,
  http: true,
  audience: 'customers',
  options,
  credentials: () => [['WEBHOOK_URL']],
  credentialFields: {WEBHOOK_URL: 'secret'},
  endpoint: () => ({
    chain: [apiUrlEndpoint],
    credentialUrl: 'WEBHOOK_URL',
    officialHosts: ['discord.com', 'discordapp.com', 'canary.discord.com', 'ptb.discord.com'],
  }),
  // The webhook URL is on the sandbox; api_url (if the playbook sets one) is the sandbox too.
  sandbox: (target) => ({
    env: {
      API_URL: sandboxOrigin(target),
      WEBHOOK_URL: `${sandboxBase(target, 'discord')}/api/webhooks/${SANDBOX_DISCORD_WEBHOOK}`,
    },
    options: {api_url: sandboxOrigin(target)},
  }),
})

/** The webhook's `{id}/{token}` in `candor sandbox`. */
export const SANDBOX_DISCORD_WEBHOOK = '1180000000000000001/SandboxWebhookToken_rehearsal-0123456789'

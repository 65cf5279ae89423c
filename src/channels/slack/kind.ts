import {codePointLength} from '../../domain/text/length.js'
import {apiUrlEndpoint, channelKind, commonOptions, text, type OptionsOf} from '../kind.js'
import {placeholderSecret, sandboxBase} from '../sandbox-url.js'

const options = {
  ...commonOptions,
  channel: text({description: 'Channel ID for bot mode (chat.postMessage); leave out for an incoming webhook'}),
}
export type SlackOptions = OptionsOf<typeof options>

/** Slack, by bot token (chat.postMessage, deletable) or incoming webhook: the team's channel. */
export const slackKind = channelKind({
  type: 'slack',
  label: 'Slack',
  threads: false,
  // Only in bot mode (a channel ID): an incoming webhook cannot reply.
  linksUpdates: (config) => Boolean(config.channel),
  format: 'text',
  measure: codePointLength,
  unit: 'characters',
  defaultLimit: 40000,
  advisedLength: 4000,
  http: true,
  audience: 'team',
  undeletableHint: 'in webhook mode (use a bot token and channel to make posts deletable)',
  options,
  credentials: (config) => (config.channel ? [['BOT_TOKEN']] : [['WEBHOOK_URL']]),
  credentialFields: {BOT_TOKEN: 'secret', WEBHOOK_URL: 'secret'},
  endpoint: (config) =>
    config.channel
      ? {chain: [apiUrlEndpoint], defaultOrigin: 'https://slack.com', officialHosts: ['slack.com']}
      : {chain: [], credentialUrl: 'WEBHOOK_URL', officialHosts: ['hooks.slack.com']},
  // Both ways the playbook may post: the bot (a `channel` option) or an incoming webhook.
  sandbox: (target) => {
    const base = sandboxBase(target, 'slack')
    return {
      env: {
        API_URL: `${base}/api`,
        BOT_TOKEN: `xoxb-${placeholderSecret('SlackBot', 50)}`,
        WEBHOOK_URL: `${base}/services/${SANDBOX_SLACK_WEBHOOK}`,
      },
      options: {api_url: `${base}/api`},
    }
  },
})

/** The incoming webhook's path (after `/services/`) in `candor sandbox`'s Slack workspace. */
export const SANDBOX_SLACK_WEBHOOK = 'T0ACME/B0WEBHOOK/xyzSecretWebhookToken42'

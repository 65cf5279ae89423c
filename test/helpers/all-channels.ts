/**
 * Every channel type at once, each against its loopback fake: the shipped outage playbook
 * with its channels pointed at the fakes (and one channel of every other type added), the
 * shipped templates copied beside it, and the environment that carries every credential.
 * Used by the end-to-end test (test/e2e/all-channels.test.ts) and the fault-injection
 * suite (test/reliability/fault-injection.test.ts).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {cpSync, existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import {foldIncident, type IncidentState} from '../../src/services/incident/state.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {addressDomain, messageIdFor} from '../../src/channels/email/adapter.js'
import {escapeSlackText} from '../../src/channels/slack/adapter.js'
import {startFakeBluesky, type FakeBluesky} from '../../src/infrastructure/sandbox/fakes/bluesky-api.js'
import {startFakeDiscord, type FakeDiscord} from '../../src/infrastructure/sandbox/fakes/discord-api.js'
import {startFakeFacebook, type FakeFacebook} from '../../src/infrastructure/sandbox/fakes/facebook-api.js'
import {startFakeMastodon, type FakeMastodon} from '../../src/infrastructure/sandbox/fakes/mastodon-api.js'
import {startFakeSlack, type FakeSlack} from '../../src/infrastructure/sandbox/fakes/slack-api.js'
import {startFakeSmtp, type FakeSmtp} from '../../src/infrastructure/sandbox/fakes/smtp-server.js'
import {startFakeStatuspage, type FakeStatuspage} from '../../src/infrastructure/sandbox/fakes/statuspage-api.js'
import {
  startFakeWebhookReceiver,
  type FakeWebhookReceiver,
} from '../../src/infrastructure/sandbox/fakes/webhook-receiver.js'
import {startFakeX, type FakeX} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {BIN, ROOT, runCli, tempDir, type CliResult} from './cli.js'
import {waitFor} from './wait.js'
import {X_CREDENTIALS, xEnv} from './x-incident.js'

export const SHIPPED_PLAYBOOK = path.join(ROOT, 'playbooks', 'outage.yaml')
export const SHIPPED_TEMPLATES = path.join(ROOT, 'playbooks', 'templates', 'outage')
export const EXAMPLE_FACTS = path.join(ROOT, 'playbooks', 'examples', 'outage.facts.yaml')
/** The shipped outage playbook's phases, in order. */
export const OUTAGE_PHASES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const

/** Facts each phase adds on the command line (the example facts leave these commented out). */
export const PHASE_FACTS: Record<string, string[]> = {
  identified: ['--set', 'cause=a faulty network update at one of our data centres'],
  postmortem: [
    '--set',
    'changes=We now roll out network updates to one data centre at a time,Calls fail over to a second data centre automatically',
    '--set',
    'postmortem_url=https://acme.example/blog/acme-voice-outage-review',
  ],
}

export const SECRETS = {
  mastodonToken: 'mastodon-token-Zx81qP0sKd',
  blueskyPassword: 'abcd-efgh-ijkl-mnop',
  facebookToken: 'EAAPageTokenZ9x81kq0Lmn',
  slackBotToken: 'xoxb-1111-2222-SecretBotToken',
  discordToken: 'WebhookSecretToken_abcDEF123-xyz',
  statuspageKey: 'sp-api-key-0123456789abcdef',
  smtpPass: 'smtp-pass-7f3a9c',
}

export const BLUESKY_HANDLE = 'acme-status.bsky.social'
export const EMAIL_FROM = 'Acme Status <status@acme.test>'
export const EMAIL_TO = ['customers@lists.acme.test']
export const STATUSPAGE_COMPONENTS = [
  {id: 'cmpvoice0001', name: 'Voice calls'},
  {id: 'cmpvmail0002', name: 'Voicemail'},
]

/**
 * How an interrupted send ("unknown" part) on a channel settles in `candor retry`:
 * `auto` by itself (the adapter looks the part up on the platform, or sending it again is
 * harmless), `manual` only with a person's answer (--assume-sent / --assume-lost), because
 * the platform can't be asked (email, Discord and Slack incoming webhooks).
 */
export type Settlement = 'auto' | 'manual'

export interface ChannelSpec {
  name: string
  type: string
  /** What the contract says this channel does with an unknown part. */
  settles: Settlement
  /** Which template folder its posts use (the shipped playbook's own channels keep theirs). */
  templates: 'social' | 'facebook' | 'blog'
}

/** Every channel of the all-channels playbook. `slack-hook` (Slack's incoming-webhook mode) only when asked for. */
export const CHANNELS: ChannelSpec[] = [
  {name: 'x', type: 'x', settles: 'auto', templates: 'social'},
  {name: 'mastodon', type: 'mastodon', settles: 'auto', templates: 'social'},
  {name: 'bluesky', type: 'bluesky', settles: 'auto', templates: 'social'},
  {name: 'facebook', type: 'facebook', settles: 'auto', templates: 'facebook'},
  {name: 'blog', type: 'markdown', settles: 'auto', templates: 'blog'},
  {name: 'slack', type: 'slack', settles: 'auto', templates: 'social'},
  {name: 'discord', type: 'discord', settles: 'manual', templates: 'social'},
  {name: 'webhook', type: 'webhook', settles: 'auto', templates: 'social'},
  {name: 'email', type: 'email', settles: 'manual', templates: 'facebook'},
  {name: 'statuspage', type: 'statuspage', settles: 'auto', templates: 'facebook'},
  {name: 'site', type: 'site', settles: 'auto', templates: 'facebook'},
]
export const SLACK_HOOK: ChannelSpec = {name: 'slack-hook', type: 'slack', settles: 'manual', templates: 'social'}

export interface Fakes {
  x: FakeX
  mastodon: FakeMastodon
  bluesky: FakeBluesky
  facebook: FakeFacebook
  slack: FakeSlack
  discord: FakeDiscord
  webhook: FakeWebhookReceiver
  smtp: FakeSmtp
  statuspage: FakeStatuspage
}
export type FakeName = keyof Fakes

/** The fake each channel posts to (blog and site write files: no fake). */
export const FAKE_OF: Record<string, FakeName | undefined> = {
  x: 'x',
  mastodon: 'mastodon',
  bluesky: 'bluesky',
  facebook: 'facebook',
  slack: 'slack',
  'slack-hook': 'slack',
  discord: 'discord',
  webhook: 'webhook',
  email: 'smtp',
  statuspage: 'statuspage',
}

export async function startFakes(): Promise<Fakes> {
  const shipped = yaml.load(readFileSync(SHIPPED_PLAYBOOK, 'utf8')) as {channels?: Record<string, {page_id?: unknown}>}
  const [x, mastodon, bluesky, facebook, slack, discord, webhook, smtp, statuspage] = await Promise.all([
    startFakeX({credentials: X_CREDENTIALS}),
    startFakeMastodon({accessToken: SECRETS.mastodonToken, domain: 'mastodon.example'}),
    startFakeBluesky({appPassword: SECRETS.blueskyPassword, handle: BLUESKY_HANDLE}),
    // The Page the shipped playbook names, so its channel keeps its page_id.
    startFakeFacebook({
      pageToken: SECRETS.facebookToken,
      pageId: String(shipped.channels?.facebook?.page_id ?? '102030405060708'),
    }),
    startFakeSlack({botToken: SECRETS.slackBotToken, channels: [{id: 'C0INCIDENTS', name: 'incidents'}]}),
    startFakeDiscord({token: SECRETS.discordToken}),
    startFakeWebhookReceiver(),
    startFakeSmtp({user: 'status@acme.test', pass: SECRETS.smtpPass}),
    startFakeStatuspage({apiKey: SECRETS.statuspageKey, components: STATUSPAGE_COMPONENTS}),
  ])
  return {x, mastodon, bluesky, facebook, slack, discord, webhook, smtp, statuspage}
}

/**
 * Resolves once no fake has a request in flight on two looks in a row: a request a killed or
 * timed-out client left on the wire is read, carried out after its latency, and counted out.
 */
export async function fakesSettled(fakes: Fakes, timeoutMs = 15_000): Promise<void> {
  let quietBefore = false
  await waitFor(
    () => {
      const quiet = Object.values(fakes).every((f) => f.inFlight.current === 0)
      const settled = quiet && quietBefore
      quietBefore = quiet
      return settled
    },
    {what: 'the fakes to finish the requests left on the wire', timeoutMs, intervalMs: 25},
  )
}

export async function closeFakes(fakes: Fakes): Promise<void> {
  await Promise.all(Object.values(fakes).map((f) => f.close()))
}

/** Options of each channel, pointed at the fakes; the shipped playbook's own options are kept. */
function channelOptions(
  spec: ChannelSpec,
  fakes: Fakes,
  shipped: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const base = {...(shipped ?? {}), type: spec.type}
  switch (spec.name) {
    case 'x':
      return {...base, api_url: fakes.x.url}
    case 'mastodon':
      return {instance: 'https://mastodon.example', ...base, api_url: fakes.mastodon.url}
    case 'bluesky':
      return {...base, api_url: fakes.bluesky.url}
    case 'facebook':
      return {...base, page_id: fakes.facebook.pageId, api_url: `${fakes.facebook.url}/v21.0`}
    case 'blog':
      return {dir: 'blog/_posts', title: '{{service}}: service disruption', ...base}
    case 'slack':
      return {...base, channel: 'C0INCIDENTS', api_url: fakes.slack.apiUrl}
    case 'slack-hook':
      return base
    case 'discord':
      return {...base, username: 'Acme Status', api_url: fakes.discord.url}
    case 'webhook':
      return {...base, title: '{{service}}: service disruption', link: '{{status_url}}'}
    case 'email':
      return {...base, from: EMAIL_FROM, to: EMAIL_TO, subject: '{{service}}: service disruption'}
    case 'statuspage':
      return {
        ...base,
        page_id: fakes.statuspage.pageId,
        api_url: fakes.statuspage.url,
        component_ids: STATUSPAGE_COMPONENTS.map((c) => c.id),
        title: '{{service}}: service disruption',
      }
    case 'site':
      return {
        ...base,
        dir: 'site',
        title: 'Acme status',
        base_url: 'https://status.acme.example',
        components: ['Voice calls', 'Voicemail'],
      }
    default:
      throw new Error(`no options for channel ${spec.name}`)
  }
}

/**
 * Writes `outage.yaml` into `dir`: the shipped playbook (facts, phases, cadence, locales…)
 * with its channels replaced by ones pointing at the fakes, every other channel type
 * added, and the shipped templates copied to `dir/templates/outage`.
 */
export function writeAllChannelsPlaybook(dir: string, fakes: Fakes, channels: ChannelSpec[]): string {
  cpSync(SHIPPED_TEMPLATES, path.join(dir, 'templates', 'outage'), {recursive: true})
  const book = yaml.load(readFileSync(SHIPPED_PLAYBOOK, 'utf8')) as {
    channels: Record<string, Record<string, unknown>>
    phases: Record<string, {posts: Record<string, {template?: string; text?: string}>} & Record<string, unknown>>
  } & Record<string, unknown>
  const shippedChannels = book.channels
  book.channels = Object.fromEntries(channels.map((c) => [c.name, channelOptions(c, fakes, shippedChannels[c.name])]))
  for (const [phase, spec] of Object.entries(book.phases)) {
    const posts: Record<string, {template?: string; text?: string}> = {}
    for (const c of channels)
      posts[c.name] = spec.posts[c.name] ?? {template: `templates/outage/${c.templates}/${phase}.hbs`}
    spec.posts = posts
  }
  const file = path.join(dir, 'outage.yaml')
  writeFileSync(
    file,
    `# The shipped playbooks/outage.yaml with every channel pointed at a loopback fake.\n${yaml.dump(book, {lineWidth: 200})}`,
  )
  return file
}

/** Every credential, as `CANDOR_<CHANNEL>_<FIELD>`. */
export function allChannelsEnv(fakes: Fakes): Record<string, string> {
  return {
    ...xEnv(),
    CANDOR_MASTODON_ACCESS_TOKEN: SECRETS.mastodonToken,
    CANDOR_BLUESKY_IDENTIFIER: BLUESKY_HANDLE,
    CANDOR_BLUESKY_APP_PASSWORD: SECRETS.blueskyPassword,
    CANDOR_FACEBOOK_PAGE_TOKEN: SECRETS.facebookToken,
    CANDOR_SLACK_BOT_TOKEN: SECRETS.slackBotToken,
    CANDOR_SLACK_HOOK_WEBHOOK_URL: fakes.slack.webhookUrl,
    // The real Discord URL shape; api_url sends it to the fake with the path kept.
    CANDOR_DISCORD_WEBHOOK_URL: `https://discord.com/api/webhooks/${fakes.discord.webhookId}/${SECRETS.discordToken}`,
    CANDOR_WEBHOOK_URL: fakes.webhook.url,
    CANDOR_WEBHOOK_SECRET: fakes.webhook.secret,
    CANDOR_EMAIL_SMTP_URL: fakes.smtp.url,
    CANDOR_STATUSPAGE_API_KEY: SECRETS.statuspageKey,
  }
}

export interface AllChannelsWorld {
  dir: string
  fakes: Fakes
  channels: ChannelSpec[]
  playbook: string
  env: Record<string, string>
  stateDir: string
  store: FileIncidentStore
  /** Runs the built CLI in the world's folder with its environment. */
  cli(args: string[], extraEnv?: Record<string, string | undefined>, timeoutMs?: number): Promise<CliResult>
  /** Starts the CLI without waiting, for tests that kill it. */
  spawn(args: string[]): ChildProcess
  close(): Promise<void>
}

export async function allChannelsWorld(
  opts: {slackWebhook?: boolean; prefix?: string} = {},
): Promise<AllChannelsWorld> {
  const dir = tempDir(opts.prefix ?? 'candor-all-')
  const fakes = await startFakes()
  const channels = opts.slackWebhook ? [...CHANNELS, SLACK_HOOK] : CHANNELS
  const playbook = writeAllChannelsPlaybook(dir, fakes, channels)
  const stateDir = path.join(dir, 'state')
  const env = {...allChannelsEnv(fakes), CANDOR_STATE_DIR: stateDir, CANDOR_USER: 'Dana On-Call'}
  return {
    dir,
    fakes,
    channels,
    playbook,
    env,
    stateDir,
    store: new FileIncidentStore(stateDir),
    cli: (args, extraEnv = {}, timeoutMs = 60_000) => runCli(args, {cwd: dir, env: {...env, ...extraEnv}, timeoutMs}),
    spawn: (args) => {
      const childEnv: Record<string, string | undefined> = {
        ...process.env,
        NO_COLOR: '1',
        FORCE_COLOR: undefined,
        DEBUG: undefined,
        ...env,
      }
      for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k]
      return spawn(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: childEnv as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    },
    close: () => closeFakes(fakes),
  }
}

// ---------------------------------------------------------------------------------------
// What the journal says went out, and what the fakes hold
// ---------------------------------------------------------------------------------------

export interface ExpectedPart {
  channel: string
  update: number
  phase: string
  part: number
  parts: number
  text: string
}

export interface JournalCheck {
  state: IncidentState
  /** Damaged lines the store skipped (a torn last line after kill -9 is allowed; others are not). */
  warnings: string[]
}

/** Reads an incident through the store, as every command does. */
export async function readJournal(world: Pick<AllChannelsWorld, 'store'>, incident: string): Promise<JournalCheck> {
  const {events, warnings} = await world.store.read(incident)
  return {state: foldIncident(events), warnings}
}

/** Every part of every approved update, per channel, as the journal recorded it. */
export function expectedParts(state: IncidentState, channels: ChannelSpec[]): ExpectedPart[] {
  const out: ExpectedPart[] = []
  for (const u of state.updates) {
    if (!u.approvedAt) continue
    for (const post of u.posts) {
      if (!channels.some((c) => c.name === post.channel)) continue
      if (u.deliveries.get(post.channel)?.declined) continue
      for (const [i, p] of post.parts.entries()) {
        out.push({
          channel: post.channel,
          update: u.update,
          phase: u.phase,
          part: i + 1,
          parts: post.parts.length,
          text: p.text,
        })
      }
    }
  }
  return out
}

/** The blog's post files (not the temp files of an interrupted atomic write). */
export function blogFiles(dir: string): string[] {
  const blog = path.join(dir, 'blog', '_posts')
  return existsSync(blog) ? readdirSync(blog).filter((f) => f.endsWith('.md') && !f.startsWith('.')) : []
}

function count<T>(items: T[], pred: (item: T) => boolean): number {
  return items.reduce((n, item) => n + (pred(item) ? 1 : 0), 0)
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1
}

/**
 * How many live copies of one expected part the channel's destination holds: posts with
 * that text on the fake (email: mails with that part's Message-ID; webhook: deliveries of
 * that update and part; blog: sections of that update and part; site: that update on
 * the incident's page).
 */
export function liveCopies(world: Pick<AllChannelsWorld, 'dir' | 'fakes'>, incident: string, e: ExpectedPart): number {
  const f = world.fakes
  switch (e.channel) {
    case 'x':
      return count(f.x.tweets, (t) => !t.deleted && t.text === e.text)
    case 'mastodon':
      return count(f.mastodon.statuses, (s) => !s.deleted && s.text === e.text)
    case 'bluesky':
      return count(f.bluesky.posts, (p) => !p.deleted && p.record.text === e.text)
    case 'facebook':
      return count(f.facebook.posts, (p) => !p.deleted && p.message === e.text)
    case 'slack':
      return count(f.slack.messages, (m) => !m.deleted && m.via === 'bot' && m.text === escapeSlackText(e.text))
    case 'slack-hook':
      return count(f.slack.messages, (m) => !m.deleted && m.via === 'webhook' && m.text === escapeSlackText(e.text))
    case 'discord':
      return count(f.discord.messages, (m) => !m.deleted && m.content === e.text)
    case 'webhook':
      return count(
        f.webhook.deliveries,
        (d) => d.payload.update === e.update && d.payload.part === e.part && d.payload.text === e.text,
      )
    case 'email': {
      const id = messageIdFor({id: incident, update: e.update}, e.part, 'email', addressDomain(EMAIL_FROM))
      return count(f.smtp.messages, (m) => m.messageId === id)
    }
    case 'statuspage':
      // An incident update, or (for a postmortem) the incident's published postmortem.
      return f.statuspage.incidents
        .filter((i) => !i.deleted)
        .reduce(
          (n, i) =>
            n +
            count(i.incident_updates, (u) => u.body === e.text) +
            (i.postmortem?.published_at && i.postmortem.body === e.text ? 1 : 0),
          0,
        )
    case 'blog':
      return blogFiles(world.dir).reduce(
        (n, file) =>
          n +
          occurrences(
            readFileSync(path.join(world.dir, 'blog', '_posts', file), 'utf8'),
            `<!-- candor:update=${e.update} part=${e.part} -->`,
          ),
        0,
      )
    case 'site': {
      const page = path.join(world.dir, 'site', 'incidents', `${incident}.html`)
      return existsSync(page) ? occurrences(readFileSync(page, 'utf8'), `id="update-${e.update}"`) : 0
    }
    default:
      throw new Error(`no destination known for channel ${e.channel}`)
  }
}

/** Everything live on a channel's destination (for posts matching no expected part). */
export function liveTotal(world: Pick<AllChannelsWorld, 'dir' | 'fakes'>, incident: string, channel: string): number {
  const f = world.fakes
  switch (channel) {
    case 'x':
      return count(f.x.tweets, (t) => !t.deleted)
    case 'mastodon':
      return count(f.mastodon.statuses, (s) => !s.deleted)
    case 'bluesky':
      return count(f.bluesky.posts, (p) => !p.deleted)
    case 'facebook':
      return count(f.facebook.posts, (p) => !p.deleted)
    case 'slack':
      return count(f.slack.messages, (m) => !m.deleted && m.via === 'bot')
    case 'slack-hook':
      return count(f.slack.messages, (m) => !m.deleted && m.via === 'webhook')
    case 'discord':
      return count(f.discord.messages, (m) => !m.deleted)
    case 'webhook':
      return f.webhook.deliveries.length
    case 'email':
      return f.smtp.messages.length
    case 'statuspage':
      return f.statuspage.incidents
        .filter((i) => !i.deleted)
        .reduce((n, i) => n + i.incident_updates.length + (i.postmortem?.published_at ? 1 : 0), 0)
    case 'blog':
      return blogFiles(world.dir).reduce(
        (n, file) =>
          n + occurrences(readFileSync(path.join(world.dir, 'blog', '_posts', file), 'utf8'), '<!-- candor:update='),
        0,
      )
    case 'site': {
      const page = path.join(world.dir, 'site', 'incidents', `${incident}.html`)
      return existsSync(page) ? (readFileSync(page, 'utf8').match(/id="update-\d+"/g) ?? []).length : 0
    }
    default:
      throw new Error(`no destination known for channel ${channel}`)
  }
}

export interface ExactlyOnceReport {
  parts: number
  /** Extra copies of expected parts, plus live posts matching no part at all. */
  duplicates: number
  /** Expected parts with no live copy. */
  losses: number
  /** One line per problem: channel, update, part, copies. */
  problems: string[]
  byChannel: Record<string, {parts: number; duplicates: number; losses: number}>
}

/** Checks that every approved part is live exactly once on its destination, and nothing else is. */
export function checkExactlyOnce(
  world: Pick<AllChannelsWorld, 'dir' | 'fakes'>,
  incident: string,
  state: IncidentState,
  channels: ChannelSpec[],
): ExactlyOnceReport {
  const expected = expectedParts(state, channels)
  const report: ExactlyOnceReport = {parts: expected.length, duplicates: 0, losses: 0, problems: [], byChannel: {}}
  for (const c of channels) {
    const mine = expected.filter((e) => e.channel === c.name)
    const row = (report.byChannel[c.name] = {parts: mine.length, duplicates: 0, losses: 0})
    let matched = 0
    for (const e of mine) {
      const copies = liveCopies(world, incident, e)
      matched += copies
      if (copies === 0) {
        row.losses++
        report.problems.push(`${c.name}: update ${e.update} (${e.phase}) part ${e.part}/${e.parts} is missing`)
      } else if (copies > 1) {
        row.duplicates += copies - 1
        report.problems.push(
          `${c.name}: update ${e.update} (${e.phase}) part ${e.part}/${e.parts} is there ${copies} times`,
        )
      }
    }
    const strays = liveTotal(world, incident, c.name) - matched
    if (strays > 0) {
      row.duplicates += strays
      report.problems.push(`${c.name}: ${strays} live post(s) match no approved part`)
    }
    report.duplicates += row.duplicates
    report.losses += row.losses
  }
  return report
}

/**
 * One imitation of a platform per playbook channel, mounted under `/<type>/<channel>` of the
 * sandbox (docs/sandbox.md): each is the same fake the tests use, started with the placeholder
 * credentials its channel kind's `sandbox` hook hands the channel, and read back as posts.
 */
import type http from 'node:http'
import {CHANNEL_KINDS} from '../../channels/registry.js'
import type {SandboxTarget} from '../../channels/kind.js'
import {startFakeBluesky} from './fakes/bluesky-api.js'
import {startFakeDiscord} from './fakes/discord-api.js'
import {startFakeFacebook} from './fakes/facebook-api.js'
import type {FakeMount} from './fakes/fake-server.js'
import {startFakeMastodon} from './fakes/mastodon-api.js'
import {startFakeSlack} from './fakes/slack-api.js'
import {startFakeStatuspage} from './fakes/statuspage-api.js'
import {startFakeWebhookReceiver} from './fakes/webhook-receiver.js'
import {startFakeX} from './fakes/x-api.js'

/** A post as the sandbox lists it (`GET /api/posts`). */
export interface SandboxPost {
  /** The playbook's name for the channel. */
  channel: string
  /** The channel type (`x`, `mastodon`, …, `email`). */
  type: string
  /** The id the platform gave it (what Candor journals as the remote id). */
  id: string
  text: string
  /** The id of the post it replies to, or null. */
  reply_to: string | null
  /** When it arrived (ISO 8601). */
  at: string
  /** Deleted since (`candor retract`): kept, marked. */
  deleted: boolean
  /** A title or subject, where the platform shows one (email, Statuspage, webhook). */
  title?: string
  /** From an earlier run of a sandbox with `--dir`. */
  earlier?: boolean
}

export type PostFields = Omit<SandboxPost, 'channel' | 'type' | 'earlier' | 'at'> & {at?: string}

/** The channel types served over HTTP, each under its own path: `/<type>/<channel>/…`. */
export const HTTP_TYPES = ['x', 'mastodon', 'bluesky', 'facebook', 'slack', 'discord', 'webhook', 'statuspage'] as const
export type HttpType = (typeof HTTP_TYPES)[number]

export function isHttpType(type: string): type is HttpType {
  return (HTTP_TYPES as readonly string[]).includes(type)
}

export interface Imitation {
  handle(req: http.IncomingMessage, res: http.ServerResponse): void
  posts(): PostFields[]
  close(): Promise<void>
}

/** Slack's "seconds.micro" timestamp as ISO 8601. */
function slackTime(ts: string): string | undefined {
  const ms = Number(ts) * 1000
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined
}

/** Starts the imitation of `type` for `target.channel`, mounted at `base`. */
export async function startImitation(type: HttpType, base: string, target: SandboxTarget): Promise<Imitation> {
  const {env} = CHANNEL_KINDS[type].sandbox!(target)
  let handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined
  const mount: FakeMount = {url: base, attach: (h) => (handler = h)}
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => handler!(req, res)
  const field = (name: string) => env[name] ?? ''
  switch (type) {
    case 'x': {
      const fake = await startFakeX({
        mount,
        credentials: {
          appKey: field('APP_KEY'),
          appSecret: field('APP_SECRET'),
          accessToken: field('ACCESS_TOKEN'),
          accessSecret: field('ACCESS_SECRET'),
        },
      })
      const posts = () =>
        fake.tweets.map((t) => ({
          id: t.id,
          text: t.text,
          reply_to: t.inReplyTo ?? null,
          at: t.createdAt,
          deleted: t.deleted,
        }))
      return {handle, posts, close: () => fake.close()}
    }
    case 'mastodon': {
      const fake = await startFakeMastodon({mount, accessToken: field('ACCESS_TOKEN')})
      const posts = () =>
        fake.statuses.map((s) => ({
          id: s.id,
          text: s.text,
          reply_to: s.inReplyToId ?? null,
          at: s.createdAt,
          deleted: s.deleted,
        }))
      return {handle, posts, close: () => fake.close()}
    }
    case 'bluesky': {
      const identifier = field('IDENTIFIER')
      const fake = await startFakeBluesky({mount, handle: identifier, appPassword: field('APP_PASSWORD')})
      const posts = () =>
        fake.posts.map((p) => ({
          id: p.uri,
          text: p.record.text,
          reply_to: p.record.reply?.parent.uri ?? null,
          at: p.record.createdAt,
          deleted: p.deleted,
        }))
      return {handle, posts, close: () => fake.close()}
    }
    case 'facebook': {
      const fake = await startFakeFacebook({mount, pageToken: field('PAGE_TOKEN'), adopt: true})
      const posts = () =>
        fake.posts.map((p) => ({id: p.id, text: p.message, reply_to: null, at: p.createdAt, deleted: p.deleted}))
      return {handle, posts, close: () => fake.close()}
    }
    case 'slack': {
      const fake = await startFakeSlack({mount, botToken: field('BOT_TOKEN'), adopt: true})
      const posts = () =>
        fake.messages.map((m) => ({
          id: m.ts,
          text: m.text,
          reply_to: m.threadTs ?? null,
          at: slackTime(m.ts),
          deleted: m.deleted,
        }))
      return {handle, posts, close: () => fake.close()}
    }
    case 'discord': {
      const [webhookId, token] = /\/api\/webhooks\/([^/]+)\/([^/?]+)/.exec(field('WEBHOOK_URL'))?.slice(1) ?? []
      const fake = await startFakeDiscord({mount, webhookId, token})
      const posts = () => fake.messages.map((m) => ({id: m.id, text: m.content, reply_to: null, deleted: m.deleted}))
      return {handle, posts, close: () => fake.close()}
    }
    case 'webhook': {
      const path = new URL(field('URL')).pathname.slice(new URL(base).pathname.length)
      const fake = await startFakeWebhookReceiver({mount, path, secret: field('SECRET')})
      const posts = () =>
        fake.deliveries.map((d) => {
          const p = d.payload as {text?: unknown; title?: unknown; reply_to?: unknown}
          return {
            id: d.id,
            text: typeof p.text === 'string' ? p.text : '',
            reply_to: typeof p.reply_to === 'string' ? p.reply_to : null,
            at: new Date(d.timestamp * 1000).toISOString(),
            deleted: false,
            ...(typeof p.title === 'string' && {title: p.title}),
          }
        })
      return {handle, posts, close: () => fake.close()}
    }
    case 'statuspage': {
      const fake = await startFakeStatuspage({mount, apiKey: field('API_KEY'), adopt: true})
      // The incident is the thread: its first update is the incident itself, later ones reply to it.
      const posts = () =>
        fake.incidents.flatMap((incident) =>
          [...incident.incident_updates].reverse().map((u, i) => ({
            id: i === 0 ? incident.id : u.id,
            text: u.body,
            reply_to: i === 0 ? null : incident.id,
            at: u.created_at,
            deleted: incident.deleted,
            title: `${incident.name} (${u.status})`,
          })),
        )
      return {handle, posts, close: () => fake.close()}
    }
  }
}

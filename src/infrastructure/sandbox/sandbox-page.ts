/**
 * The sandbox's page: each channel's posts as its public would see them, threads nested,
 * newest thread first. Rendered on the server (it works without JavaScript); a small script
 * replaces the posts when the server says they changed (Server-Sent Events on /api/events).
 * Post text is untrusted: everything is escaped.
 */
import {CHANNEL_KINDS, isChannelType} from '../../channels/registry.js'
import type {SandboxPost} from './imitations.js'
import {sandboxPostAnchor} from '../../services/publish/rehearsal.js'
import {escapeText} from '../../services/site/escape.js'

function label(type: string): string {
  return isChannelType(type) ? CHANNEL_KINDS[type].label : type
}

/** "14:03:12" in UTC, with the full time as a tooltip. */
function time(at: string): string {
  const shown = /T(\d{2}:\d{2}:\d{2})/.exec(at)?.[1] ?? at
  return `<time datetime="${escapeText(at)}" title="${escapeText(at)}">${escapeText(shown)} UTC</time>`
}

interface Node {
  post: SandboxPost
  replies: Node[]
}

/** A channel's posts as threads: a post whose `reply_to` is one of the channel's posts hangs under it. */
function threads(posts: SandboxPost[]): Node[] {
  const nodes = posts.map((post) => ({post, replies: [] as Node[]}))
  const byId = new Map<string, Node>()
  for (const n of nodes) if (!byId.has(n.post.id)) byId.set(n.post.id, n)
  const roots: Node[] = []
  for (const n of nodes) {
    const parent = n.post.reply_to === null ? undefined : byId.get(n.post.reply_to)
    if (parent && parent !== n) parent.replies.push(n)
    else roots.push(n)
  }
  return roots
}

function renderNode(node: Node): string {
  const {post} = node
  const classes = ['post', ...(post.deleted ? ['deleted'] : []), ...(post.earlier ? ['earlier'] : [])]
  const meta = [
    time(post.at),
    ...(post.deleted ? ['<span class="tag">deleted</span>'] : []),
    ...(post.earlier ? ['<span class="tag">earlier run</span>'] : []),
  ].join(' ')
  const replies =
    node.replies.length > 0 ? `<ol class="replies">${node.replies.map((r) => renderNode(r)).join('')}</ol>` : ''
  return (
    // A link target per post (what a rehearsal's "published <url>" points at); earlier runs' ids may repeat.
    `<li class="${classes.join(' ')}"${post.earlier ? '' : ` id="${escapeText(sandboxPostAnchor(post.channel, post.id))}"`} data-id="${escapeText(post.id)}">` +
    `<article>${post.title ? `<h3>${escapeText(post.title)}</h3>` : ''}` +
    `<p class="text">${escapeText(post.text)}</p><footer>${meta}</footer></article>${replies}</li>`
  )
}

/** Every channel's section (the part the script replaces). */
export function renderPosts(posts: SandboxPost[]): string {
  if (posts.length === 0) {
    return '<p class="empty">Nothing yet. Open an incident with <code>--sandbox</code> and publish: posts appear here.</p>'
  }
  const channels = new Map<string, SandboxPost[]>()
  for (const p of posts) {
    const key = `${p.channel}\u0000${p.type}`
    channels.set(key, [...(channels.get(key) ?? []), p])
  }
  return [...channels.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, list]) => {
      const {channel, type} = list[0]!
      const roots = threads(list).reverse() // newest thread first; replies read top-down
      return (
        `<section class="channel" id="channel-${escapeText(channel)}" data-channel="${escapeText(channel)}" data-type="${escapeText(type)}">` +
        `<h2>${escapeText(channel)} <small>${escapeText(label(type))}</small></h2>` +
        `<ol class="threads">${roots.map((r) => renderNode(r)).join('')}</ol></section>`
      )
    })
    .join('')
}

const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1b1f; --muted: #5f6368; --card: #f4f5f7; --line: #d0d4da;
  --accent: #1d6fd1; }
@media (prefers-color-scheme: dark) { :root { --bg: #121316; --fg: #e8e8ec; --muted: #a0a4ab; --card: #1d1f24;
  --line: #33363d; --accent: #6aa8ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, sans-serif; }
header.top { padding: 1rem; border-bottom: 1px solid var(--line); }
header.top > * { max-width: 46rem; margin-left: auto; margin-right: auto; }
header.top h1 { margin: 0; font-size: 1.25rem; }
header.top p { margin: .25rem 0 0; color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; }
.channel { margin-bottom: 2rem; }
.channel h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
.channel h2 small { color: var(--muted); font-weight: normal; }
ol { list-style: none; margin: 0; padding: 0; }
.replies { margin-left: 1rem; padding-left: .75rem; border-left: 2px solid var(--line); }
.post article { background: var(--card); border-radius: .5rem; padding: .75rem; margin: .5rem 0; }
.post h3 { margin: 0 0 .25rem; font-size: 1rem; }
.text { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: .8rem; margin-top: .25rem; }
.deleted > article .text { text-decoration: line-through; color: var(--muted); }
.tag { border: 1px solid var(--line); border-radius: .25rem; padding: 0 .3rem; }
.empty { color: var(--muted); }
code { overflow-wrap: anywhere; }
`

export function renderPage(info: {url: string; smtp: {host: string; port: number}}, posts: SandboxPost[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Candor sandbox</title>
<style>${STYLE}</style>
<script src="/sandbox.js" defer></script>
</head><body>
<header class="top"><h1>Candor sandbox</h1>
<p>Nothing here reaches a real platform. <code>candor incident open PLAYBOOK --sandbox ${escapeText(info.url)}</code>
· SMTP on ${escapeText(info.smtp.host)}:${info.smtp.port} · <a href="/api/posts">/api/posts</a></p></header>
<main id="posts" aria-live="polite">${renderPosts(posts)}</main>
</body></html>
`
}

/** Served as /sandbox.js (the page's policy allows scripts from the sandbox only). */
export const PAGE_SCRIPT = `'use strict'
;(() => {
  const main = document.getElementById('posts')
  let pending = false
  let again = false
  async function refresh() {
    if (pending) return void (again = true)
    pending = true
    try {
      const res = await fetch('/posts', {cache: 'no-store'})
      if (res.ok) main.innerHTML = await res.text()
    } catch {
      // The sandbox stopped: the event source reconnects when it is back.
    } finally {
      pending = false
      if (again) {
        again = false
        refresh()
      }
    }
  }
  const events = new EventSource('/api/events')
  events.addEventListener('change', refresh)
  // After a lost connection (the sandbox restarted), catch up once it is back.
  events.addEventListener('open', refresh)
})()
`

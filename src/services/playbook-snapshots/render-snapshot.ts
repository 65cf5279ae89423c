import path from 'node:path'
import type {Facts} from '../../domain/playbook/facts.js'
import {channelLocale, templateLocale} from '../../domain/playbook/locale.js'
import type {Phase, Playbook} from '../../domain/playbook/model.js'
import {postVersions} from '../playbook/load.js'
import {type RenderedPost, renderData, renderPost} from '../render/render-phase.js'

/**
 * The fixed clock snapshots are rendered at, so a run next week gives the same text: every
 * built-in that tells the time (`@now`, `@next_update`, `since`, `relative`) reads it.
 * The incident opened 35 minutes before, so durations read like a real first update.
 */
export const SNAPSHOT_CLOCK = {
  now: new Date('2026-01-15T14:35:00Z'),
  startedAt: new Date('2026-01-15T14:00:00Z'),
  incidentId: '2026-01-15-snapshot',
} as const

export type SnapshotClock = {now: Date; startedAt: Date; incidentId: string}

/** The separator in a post's heading: `investigating › x › en`. */
export const SECTION_SEPARATOR = ' › '

/** The snapshot file of a playbook: `__snapshots__/NAME.snap.md` in the playbook's folder. */
export function snapshotPath(playbookFile: string): string {
  const base = path.basename(playbookFile).replace(/\.ya?ml$/i, '')
  return path.join(path.dirname(playbookFile), '__snapshots__', `${base}.snap.md`)
}

/** ISO 8601 to the second: `2026-01-15T14:35:00Z`. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A fence longer than any run of backticks in the text, so a post holding ``` cannot end its block. */
function fenced(text: string, info = 'text'): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}${info}\n${text}\n${fence}`
}

function describePart(post: RenderedPost, i: number): string {
  const part = post.parts[i]
  const count = post.parts.length > 1 ? `part ${i + 1} of ${post.parts.length}` : 'post'
  const size = part.limit === null ? `${part.length} characters` : `${part.length} of ${part.limit}`
  return `${count} (${size}):`
}

function postSection(heading: string, post: RenderedPost): string {
  const blocks: string[] = [`### ${heading}`]
  for (const option of ['title', 'subject', 'link'] as const) {
    const value = post[option]
    if (value !== undefined) blocks.push(`${option}:`, fenced(value))
  }
  for (const i of post.parts.keys()) blocks.push(describePart(post, i), fenced(post.parts[i].text))
  if (post.html !== undefined) blocks.push('HTML part:', fenced(post.html, 'html'))
  if (post.errors.length > 0) blocks.push(`could not go out as is:\n${post.errors.map((e) => `- ${e}`).join('\n')}`)
  return blocks.join('\n\n')
}

/** One language's version of a phase's post: `render` fills it (it throws on a template that fails). */
export interface PostVersion {
  channel: string
  locale: string
  /** The version the channel posts in (its own locale); the others are translations. */
  own: boolean
  render(): RenderedPost
}

/**
 * Every version of every post of a phase, in the playbook's order of locales then any other a
 * post has, each once; shared by the snapshots and `candor rehearse` (every locale renders).
 */
export function postVersionsOf(
  playbook: Playbook,
  phase: Phase,
  facts: Facts,
  data: Record<string, unknown>,
): PostVersion[] {
  return phase.posts.flatMap((post) => {
    const channel = playbook.channels.get(post.channel)!
    const tag = channelLocale(playbook, channel)
    const own = templateLocale(tag, playbook.locales) ?? playbook.locales[0] ?? tag
    const versions = postVersions(post, own)
    const locales = [...new Set([...playbook.locales.filter((l) => versions.has(l)), ...versions.keys()])]
    // A channel's own language formats with its full tag (de-AT); other versions with theirs (as lint does).
    return locales.map((locale) => ({
      channel: post.channel,
      locale,
      own: locale === own,
      render: () =>
        renderPost(playbook, post, facts, data, {
          locale: locale === own ? tag : locale,
          template: versions.get(locale),
        }),
    }))
  })
}

/**
 * Every post of a playbook, in every phase, channel and locale it has, rendered with the
 * given facts at a fixed clock, as one Markdown document: a heading per post (phase ›
 * channel › locale) and each part in a fenced block, so a pull request shows what changed.
 * Pure: the same playbook, facts and clock always give the same text.
 */
export function renderSnapshot(
  playbook: Playbook,
  facts: Facts,
  opts: {factsSource: string; clock?: SnapshotClock},
): string {
  const clock = opts.clock ?? SNAPSHOT_CLOCK
  const sections: string[] = [
    `<!-- Written by \`candor playbook test --update\`: change the playbook or its templates, not this file. -->`,
    `# Snapshot of playbook ${playbook.name}`,
    [
      `Every post of \`${path.basename(playbook.file)}\` in every phase, channel and locale, as \`candor playbook test\` renders it:`,
      `- facts: ${opts.factsSource}`,
      `- clock: fixed at ${isoSeconds(clock.now)}, the incident opened at ${isoSeconds(clock.startedAt)} (id ${clock.incidentId})`,
    ].join('\n'),
  ]
  for (const [index, phase] of playbook.phases.entries()) {
    const {data, nextUpdateDue} = renderData(playbook, phase, {
      now: clock.now,
      incident: {id: clock.incidentId, startedAt: clock.startedAt},
      update: index + 1,
    })
    const promise = nextUpdateDue ? `, next update promised by ${isoSeconds(nextUpdateDue)}` : ''
    sections.push(`## ${phase.name}\n\nUpdate ${index + 1}${promise}.`)
    for (const version of postVersionsOf(playbook, phase, facts, data)) {
      const heading = [phase.name, version.channel, version.locale].join(SECTION_SEPARATOR)
      sections.push(postSection(heading, version.render()))
    }
  }
  return sections.join('\n\n') + '\n'
}

import path from 'node:path'
import type {RehearsalReport} from '../services/rehearsal/rehearse.js'
import type {Scorecard} from '../services/rehearsal/scorecard.js'
import {paint} from './style.js'

/** `14:20 UTC` from an ISO time. */
function clockTime(iso: string): string {
  return `${iso.slice(11, 16)} UTC`
}

/** Where a problem was: `phase identified, channel x (de)`. */
export function describeWhere(f: {phase?: string; channel?: string; locale?: string}): string {
  if (!f.phase) return 'the playbook'
  return `phase ${f.phase}${f.channel ? `, channel ${f.channel}${f.locale ? ` (${f.locale})` : ''}` : ''}`
}

/** The report as a tree: a line per phase, a line per channel with ✓/✗, and each problem under it. */
export function formatRehearsal(report: RehearsalReport): string[] {
  const lines = [
    paint('bold', `Rehearsal of ${report.playbook} (${shownPath(report.file)})`),
    paint('dim', `facts: ${report.facts}`),
  ]
  const width = Math.max(0, ...report.phases.flatMap((p) => p.channels.map((c) => label(c).length)))
  for (const phase of report.phases) {
    const promise = phase.next_update_due ? `, promises the next update by ${clockTime(phase.next_update_due)}` : ''
    lines.push('', `${paint('bold', phase.phase)} ${paint('dim', `at ${clockTime(phase.at)}${promise}`)}`)
    // A line per published channel; its other languages only by name, unless one of them fails.
    for (const c of phase.channels) {
      if (!c.published && c.status === 'ok') continue
      const mark = c.status === 'ok' ? paint('green', '✓') : paint('red', '✗')
      const parts = c.parts === 1 ? '1 post' : `${c.parts} posts`
      const others = c.published
        ? phase.channels
            .filter((o) => o.channel === c.channel && !o.published && o.status === 'ok')
            .map((o) => o.locale)
        : []
      const also = others.length > 0 ? `; also renders in ${others.join(', ')}` : ''
      const what = c.published ? `${c.type}, ${parts}${also}` : 'translation, not published'
      lines.push(`  ${mark} ${label(c).padEnd(width)}  ${paint('dim', what)}`)
      for (const p of c.problems) lines.push(`      ${paint('red', p.rule)}: ${p.message}`)
    }
  }
  if (report.problems.length > 0) {
    lines.push('', paint('bold', 'playbook'))
    for (const p of report.problems) lines.push(`  ${paint('red', '✗')} ${paint('red', p.rule)}: ${p.message}`)
  }
  lines.push('')
  const f = report.first_failure
  lines.push(
    f
      ? paint('red', `✗ rehearsal failed: ${describeWhere(f)}: ${f.rule}: ${f.message}`)
      : paint('green', `✓ every phase of ${report.playbook} would have gone out cleanly`),
  )
  return lines
}

function label(c: {channel: string; locale?: string}): string {
  return c.locale ? `${c.channel} (${c.locale})` : c.channel
}

/** `4m 10s`, `45s`, `1h 5m`. */
function shortDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  if (h > 0) return `${h}h ${m}m`
  return m > 0 ? `${m}m ${String(sec).padStart(2, '0')}s` : `${sec}s`
}

/** The game day's scorecard: a ✓/✗ line per check, then what was edited at approval. */
export function formatScorecard(card: Scorecard): string[] {
  const ok = (good: boolean) => (good ? paint('green', '✓') : paint('red', '✗'))
  const ended = card.ended.how === 'open' ? 'stopped while still open' : card.ended.how
  const lines = [paint('bold', `Scorecard of ${card.rehearsal ? 'rehearsal' : 'incident'} ${card.incident} (${ended})`)]
  const target = shortDuration(card.first_post.target_ms)
  lines.push(
    card.first_post.after_ms === null
      ? `  ${ok(false)} first post: none was published (target: within ${target})`
      : `  ${ok(card.first_post.ok)} first post ${shortDuration(card.first_post.after_ms)} after opening (target: within ${target})`,
  )
  for (const g of card.gaps) {
    const where = `update ${g.update} (${g.phase}) at ${clockTime(g.at)}`
    lines.push(
      !g.promised_by
        ? `  ${ok(true)} ${where}: nothing was promised`
        : g.ok
          ? `  ${ok(true)} ${where}, promised by ${clockTime(g.promised_by)}`
          : `  ${ok(false)} ${where}, ${shortDuration(g.late_ms)} after the promised ${clockTime(g.promised_by)}`,
    )
  }
  const m = card.missed_promise
  if (m)
    lines.push(
      `  ${ok(false)} update ${m.update} (${m.phase}) promised the next by ${clockTime(m.promised_by)}; none came before the game ended at ${clockTime(m.ended_at)}`,
    )
  if (card.consistency.length === 0) lines.push(`  ${ok(true)} facts consistent across channels`)
  for (const c of card.consistency)
    lines.push(
      `  ${ok(false)} update ${c.update} (${c.phase}): ${c.channel} was edited at approval and no longer says ${c.fact} "${c.value}", as ${c.others.join(', ')} do`,
    )
  lines.push(
    card.edits.length === 0
      ? `  · nothing was edited at approval`
      : `  · edited at approval: ${card.edits.map((e) => `update ${e.update} (${e.phase}): ${e.channels.join(', ')}`).join('; ')}`,
  )
  lines.push(card.ok ? paint('green', '✓ a clean game') : paint('red', '✗ not a clean game: see the ✗ lines above'))
  return lines
}

/** A file as the reader finds it from here: relative when it is under the working folder. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file)
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
}

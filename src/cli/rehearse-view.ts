import type {RehearsalReport} from '../services/rehearsal/rehearse.js'
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
    paint('bold', `Rehearsal of ${report.playbook} (${report.file})`),
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

import {describeDuration} from '../../domain/time.js'
import {deliveryStatus, RESOLVING_PHASES, type IncidentState} from './state.js'

/**
 * The complete record of one incident for a postmortem, built from its journal alone:
 * every fact change, approval, post, failure and retry in time order, how long the
 * first public word took, and each gap between updates against what was promised.
 */

export type TimelineKind =
  | 'opened'
  | 'fact'
  | 'rendered'
  | 'approved'
  | 'post'
  | 'failure'
  | 'retry'
  | 'retraction'
  | 'note'

export interface PostmortemEntry {
  at: string
  by: string
  kind: TimelineKind
  /** One line for people. */
  text: string
  update?: number
  phase?: string
  channel?: string
  part?: number
  url?: string | null
  remote_id?: string
  error?: string
  attempt?: number
  fact?: string
  from?: unknown
  to?: unknown
  channels?: string[]
  declined?: string[]
  edited?: string[]
  next_update_due?: string | null
}

export interface PostmortemUpdate {
  update: number
  phase: string
  approved_by: string | null
  approved_at: string | null
  /** When its first part went out on any channel. */
  published_at: string | null
  /** What the update promised: the next one by then. */
  next_update_due: string | null
  channels: Array<{
    channel: string
    type: string
    status: string
    published_at: string | null
    url: string | null
    attempts: number
    error: string | null
  }>
}

export interface CadenceGap {
  from_update: number
  from_phase: string
  from_at: string
  /** null: no update followed (the incident is still open, measured to `now`). */
  to_update: number | null
  to_phase: string | null
  to_at: string | null
  gap_ms: number
  promised_by: string | null
  /** The interval promised (from the earlier update's rendering to its promise). */
  promised_ms: number | null
  late: boolean
  late_by_ms: number | null
}

export interface PostmortemTimeline {
  incident: string
  /** A rehearsal (`incident open --sandbox`): every post went to a sandbox, none was public. */
  rehearsal: boolean
  /** The sandbox a rehearsal went to, else null. */
  sandbox: string | null
  playbook: string
  opened_by: string
  started_at: string
  phase: string | null
  resolved: boolean
  /** When the first resolving update was published. */
  resolved_at: string | null
  duration_ms: number | null
  /** Opened → first published delivery on any channel. */
  first_acknowledgement: {at: string; after_ms: number; update: number; channel: string; url: string | null} | null
  updates: PostmortemUpdate[]
  cadence: CadenceGap[]
  late_updates: number
  entries: PostmortemEntry[]
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '(unset)'
  if (Array.isArray(v)) return `[${v.map((x) => String(x)).join(', ')}]`
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v)
}

const ms = (iso: string) => Date.parse(iso)

/** Builds the postmortem timeline; `now` measures a gap still open. */
export function postmortemTimeline(state: IncidentState, now: Date = new Date()): PostmortemTimeline {
  const entries: PostmortemEntry[] = []
  const phaseOf = new Map(state.updates.map((u) => [u.update, u.phase]))
  const approvedUpdates = new Set<number>()
  for (const e of state.events) if (e.type === 'approved') approvedUpdates.add(e.update)
  const attempts = new Map<string, number>()

  for (const e of state.events) {
    const base = {at: e.at, by: e.by}
    switch (e.type) {
      case 'opened': {
        const facts = Object.entries(e.facts)
        entries.push({
          ...base,
          kind: 'opened',
          text: `Opened ${e.rehearsal ? 'a REHEARSAL, ' : ''}${e.incident} from playbook ${e.playbook.name}${facts.length > 0 ? ` with ${facts.map(([k, v]) => `${k} = ${show(v)}`).join(', ')}` : ''}`,
        })
        break
      }
      case 'facts_changed':
        for (const c of e.changes)
          entries.push({
            ...base,
            kind: 'fact',
            fact: c.fact,
            from: c.from ?? null,
            to: c.to ?? null,
            text: `Changed ${c.fact}: ${show(c.from)} → ${show(c.to)}`,
          })
        break
      case 'rendered':
        // Rendering and approval are written together; a rendering alone means it never went out.
        if (!approvedUpdates.has(e.update)) {
          entries.push({
            ...base,
            kind: 'rendered',
            update: e.update,
            phase: e.phase,
            channels: e.posts.map((p) => p.channel),
            text: `Update ${e.update} (${e.phase}) rendered for ${e.posts.map((p) => p.channel).join(', ')}, never approved`,
          })
        }
        break
      case 'approved': {
        const u = state.updates.find((x) => x.update === e.update)
        const edited = (u?.posts ?? []).filter((p) => p.edited).map((p) => p.channel)
        const due = u?.nextUpdateDue ?? null
        entries.push({
          ...base,
          kind: 'approved',
          update: e.update,
          phase: phaseOf.get(e.update),
          channels: e.channels,
          declined: e.declined,
          edited,
          next_update_due: due,
          text:
            `Update ${e.update} (${phaseOf.get(e.update) ?? '?'}) approved by ${e.by} for ${e.channels.join(', ') || 'no channel'}` +
            (e.declined.length > 0 ? `; declined: ${e.declined.join(', ')}` : '') +
            (edited.length > 0 ? `; edited before approval: ${edited.join(', ')}` : '') +
            (due ? `; promises the next update by ${utc(due)}` : ''),
        })
        break
      }
      case 'delivery_attempt': {
        const key = `${e.update}/${e.channel}/${e.part}`
        const n = (attempts.get(key) ?? 0) + 1
        attempts.set(key, n)
        if (n > 1) {
          entries.push({
            ...base,
            kind: 'retry',
            update: e.update,
            phase: phaseOf.get(e.update),
            channel: e.channel,
            part: e.part,
            attempt: n,
            text: `Retried update ${e.update} on ${e.channel}${partText(e.part)} (attempt ${n})`,
          })
        }
        break
      }
      case 'delivery_result':
        if (e.status === 'published') {
          entries.push({
            ...base,
            kind: 'post',
            update: e.update,
            phase: phaseOf.get(e.update),
            channel: e.channel,
            part: e.part,
            url: e.remote?.url ?? null,
            remote_id: e.remote?.id,
            text: `Posted update ${e.update} (${phaseOf.get(e.update) ?? '?'}) on ${e.channel}${partText(e.part)}: ${e.remote?.url ?? e.remote?.id ?? 'no link'}`,
          })
        } else {
          entries.push({
            ...base,
            kind: 'failure',
            update: e.update,
            phase: phaseOf.get(e.update),
            channel: e.channel,
            part: e.part,
            error: e.error ?? 'unknown error',
            text: `Failed to post update ${e.update} on ${e.channel}${partText(e.part)}: ${e.error ?? 'unknown error'}`,
          })
        }
        break
      case 'note':
        entries.push({...base, kind: 'note', text: e.text})
        break
      case 'closed':
        entries.push({...base, kind: 'note', text: `Closed without posting: ${e.reason}`})
        break
      default: {
        const r = e as {type: string; update?: number; channel?: string; part?: number; status?: string; error?: string}
        if (r.type === 'retraction') {
          entries.push({
            ...base,
            kind: 'retraction',
            update: r.update,
            phase: r.update === undefined ? undefined : phaseOf.get(r.update),
            channel: r.channel,
            part: r.part,
            ...(r.error && {error: r.error}),
            text: `${r.status === 'deleted' ? 'Deleted' : r.status === 'unsupported' ? 'Could not delete' : 'Failed to delete'} update ${r.update} on ${r.channel}${partText(r.part ?? 1)}${r.error ? `: ${r.error}` : ''}`,
          })
        }
        break
      }
    }
  }
  // Stable order by time; journal order breaks ties.
  entries.sort((a, b) => ms(a.at) - ms(b.at))

  const updates: PostmortemUpdate[] = state.updates.map((u) => {
    const channels = [...u.deliveries.values()].map((d) => {
      const published = d.parts
        .filter((p) => p.status === 'published' || p.status === 'retracted')
        .flatMap((p) => (p.at ? [p.at] : []))
        .sort()
      return {
        channel: d.channel,
        type: d.type,
        status: u.approvedAt ? deliveryStatus(d) : 'not approved',
        published_at: published[0] ?? null,
        url: d.parts.find((p) => p.remote?.url)?.remote?.url ?? null,
        attempts: d.parts.reduce((n, p) => n + p.attempts, 0),
        error: d.parts.find((p) => p.status === 'failed')?.error ?? null,
      }
    })
    const firsts = channels.flatMap((c) => (c.published_at ? [c.published_at] : [])).sort()
    return {
      update: u.update,
      phase: u.phase,
      approved_by: u.approvedBy ?? null,
      approved_at: u.approvedAt ?? null,
      published_at: firsts[0] ?? null,
      next_update_due: u.nextUpdateDue ?? null,
      channels,
    }
  })

  const published = updates
    .filter((u) => u.published_at)
    .sort((a, b) => ms(a.published_at!) - ms(b.published_at!) || a.update - b.update)
  const firstPost = entries.find((x) => x.kind === 'post')
  const first_acknowledgement = firstPost
    ? {
        at: firstPost.at,
        after_ms: ms(firstPost.at) - ms(state.startedAt),
        update: firstPost.update!,
        channel: firstPost.channel!,
        url: firstPost.url ?? null,
      }
    : null

  const resolving = published.find((u) => RESOLVING_PHASES.has(u.phase))
  const resolved_at = resolving?.published_at ?? null

  const cadence: CadenceGap[] = []
  const renderedAt = new Map(state.updates.map((u) => [u.update, u.renderedAt]))
  const gap = (from: PostmortemUpdate, to: PostmortemUpdate | null): CadenceGap => {
    const toAt = to ? to.published_at! : now.toISOString()
    const due = from.next_update_due
    const late = due !== null && ms(toAt) > ms(due)
    return {
      from_update: from.update,
      from_phase: from.phase,
      from_at: from.published_at!,
      to_update: to?.update ?? null,
      to_phase: to?.phase ?? null,
      to_at: to ? toAt : null,
      gap_ms: ms(toAt) - ms(from.published_at!),
      promised_by: due,
      promised_ms: due ? ms(due) - ms(renderedAt.get(from.update) ?? from.published_at!) : null,
      late,
      late_by_ms: late ? ms(toAt) - ms(due!) : null,
    }
  }
  for (let i = 1; i < published.length; i++) cadence.push(gap(published[i - 1], published[i]))
  const last = published.at(-1)
  // Still open and a promise outstanding: the gap so far counts too.
  if (last && !state.resolved && last.next_update_due) cadence.push(gap(last, null))

  return {
    incident: state.id,
    rehearsal: Boolean(state.rehearsal),
    sandbox: state.rehearsal?.sandbox ?? null,
    playbook: state.playbook.name,
    opened_by: state.openedBy,
    started_at: state.startedAt,
    phase: state.phase ?? null,
    resolved: state.resolved,
    resolved_at,
    duration_ms: resolved_at ? ms(resolved_at) - ms(state.startedAt) : null,
    first_acknowledgement,
    updates,
    cadence,
    late_updates: cadence.filter((c) => c.late && c.to_update !== null).length,
    entries,
  }
}

function partText(part: number): string {
  return part > 1 ? ` (part ${part})` : ''
}

/** "2026-11-25 14:02:07 UTC" */
export function utc(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** "4 minutes", "1 hour 12 minutes", "35 seconds" */
export function duration(msValue: number): string {
  if (msValue < 0) return `-${duration(-msValue)}`
  if (msValue < 60_000) {
    const s = Math.round(msValue / 1000)
    return `${s} ${s === 1 ? 'second' : 'seconds'}`
  }
  return describeDuration(msValue)
}

/** Text for a Markdown table cell: no pipes or newlines, no stray HTML. */
function cell(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
}

/** The timeline as Markdown, for pasting into a postmortem document. */
export function timelineMarkdown(t: PostmortemTimeline): string {
  const out: string[] = []
  out.push(`# ${t.rehearsal ? 'REHEARSAL ' : ''}Incident timeline: ${cell(t.incident)}`, '')
  if (t.rehearsal)
    out.push(
      `> **REHEARSAL**: every post went to the sandbox at ${cell(t.sandbox ?? '')}, none reached a real platform.`,
      '',
    )
  out.push('| | |', '| --- | --- |')
  out.push(`| Playbook | ${cell(t.playbook)} |`)
  out.push(`| Opened | ${utc(t.started_at)} by ${cell(t.opened_by)} |`)
  out.push(
    t.resolved_at
      ? `| Resolved | ${utc(t.resolved_at)}, after ${duration(t.duration_ms!)} |`
      : `| Status | ${t.resolved ? 'resolved' : `open${t.phase ? ` (${cell(t.phase)})` : ', nothing published yet'}`} |`,
  )
  out.push(
    t.first_acknowledgement
      ? `| First public acknowledgement | ${duration(t.first_acknowledgement.after_ms)} after opening: ${utc(t.first_acknowledgement.at)} on ${cell(t.first_acknowledgement.channel)} |`
      : '| First public acknowledgement | none yet |',
  )
  const publishedCount = t.updates.filter((u) => u.published_at).length
  out.push(
    `| Updates published | ${publishedCount}${t.late_updates > 0 ? `, ${t.late_updates} later than promised` : publishedCount > 1 ? ', all on time' : ''} |`,
  )
  out.push('')

  out.push('## Updates', '')
  if (t.updates.length === 0) out.push('None.', '')
  else {
    out.push('| # | phase | approved by | first published | channels |', '| --- | --- | --- | --- | --- |')
    for (const u of t.updates) {
      const channels = u.channels
        .map(
          (c) =>
            `${cell(c.channel)}: ${cell(c.status)}${c.url ? ` (${cell(c.url)})` : ''}${c.attempts > 1 ? `, ${c.attempts} attempts` : ''}${c.status === 'failed' && c.error ? ` (${cell(c.error)})` : ''}`,
        )
        .join('; ')
      out.push(
        `| ${u.update} | ${cell(u.phase)} | ${cell(u.approved_by ?? 'not approved')} | ${u.published_at ? utc(u.published_at) : '—'} | ${channels} |`,
      )
    }
    out.push('')
  }

  out.push('## Cadence', '')
  if (t.cadence.length === 0) out.push('Fewer than two updates were published: no gaps to measure.', '')
  else {
    out.push('| from | to | gap | promised | on time? |', '| --- | --- | --- | --- | --- |')
    for (const g of t.cadence) {
      const from = `update ${g.from_update} (${cell(g.from_phase)}), ${utc(g.from_at)}`
      const to =
        g.to_update === null
          ? `no update yet (as of ${utc(new Date(ms(g.from_at) + g.gap_ms).toISOString())})`
          : `update ${g.to_update} (${cell(g.to_phase)}), ${utc(g.to_at!)}`
      const promised = g.promised_by
        ? `by ${utc(g.promised_by)}${g.promised_ms !== null ? ` (${duration(g.promised_ms)})` : ''}`
        : 'no promise'
      const onTime =
        g.promised_by === null
          ? '—'
          : g.late
            ? `**LATE** by ${duration(g.late_by_ms!)}`
            : g.to_update === null
              ? 'not due yet'
              : 'on time'
      out.push(`| ${from} | ${to} | ${duration(g.gap_ms)} | ${promised} | ${onTime} |`)
    }
    out.push('')
  }

  out.push('## Timeline', '')
  out.push('| time (UTC) | who | what |', '| --- | --- | --- |')
  for (const e of t.entries) out.push(`| ${utc(e.at).replace(' UTC', '')} | ${cell(e.by)} | ${cell(e.text)} |`)
  out.push('')
  return out.join('\n')
}

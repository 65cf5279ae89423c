/**
 * The fault-injection harness behind test/reliability/fault-injection.test.ts.
 *
 * One run: start every fake, open an incident from the all-channels playbook, and for each
 * phase queue seeded random faults on every fake (429 storms, 5xx, connection resets,
 * hangs past --timeout), give the fakes a little latency, spawn `candor publish --yes` and
 * in some runs `kill -9` it after a random delay. Then clear what is left of the faults and
 * settle as a person would: publish again if the update never got approved, run
 * `candor retry` until everything is published, and where retry says a part's fate is
 * unknown on a platform that can't be asked (email, Discord, Slack incoming webhooks),
 * look at that fake and answer with --assume-sent or --assume-lost. Finally count, per
 * channel and part, the live copies on every fake: duplicates and losses must be 0, and
 * the journal must parse.
 */
import {once} from 'node:events'
import {rmSync} from 'node:fs'
import net from 'node:net'
import {deliveryStatus, type IncidentState} from '../../src/services/incident/state.js'
import {
  allChannelsWorld,
  checkExactlyOnce,
  EXAMPLE_FACTS,
  expectedParts,
  FAKE_OF,
  fakesSettled,
  liveCopies,
  OUTAGE_PHASES,
  PHASE_FACTS,
  readJournal,
  type AllChannelsWorld,
  type ExactlyOnceReport,
  type FakeName,
  type Fakes,
} from './all-channels.js'
import {mulberry32} from './random.js'
import {waitFor} from './wait.js'

export type FaultKind = 'rate-limit' | '5xx' | 'reset' | 'hang'
export const FAULT_KINDS: FaultKind[] = ['rate-limit', '5xx', 'reset', 'hang']

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!
const between = (rng: () => number, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1))

/**
 * One queued fault in the shape each fake's `fail()` takes. Rate limits reset in about a
 * second (Facebook's throttling only speaks minutes, so it always exceeds --max-wait and the
 * part fails at once, to be retried later; SMTP has no rate limit but temporary 451s).
 */
function makeFault(fake: FakeName, kind: FaultKind, rng: () => number): {fault: unknown; times: number} {
  switch (kind) {
    case 'rate-limit': {
      const times = between(rng, 1, 3)
      const fault = {
        x: {status: 429, resetInSeconds: 1},
        mastodon: {status: 429, resetInSeconds: 1},
        bluesky: {status: 429, resetInSeconds: 1},
        facebook: {kind: 'throttle', code: pick(rng, [4, 17, 32, 613, 80001] as const)},
        slack: {status: 429, retryAfter: 1},
        discord: {status: 429, retryAfter: pick(rng, [0.4, 0.75, 1])},
        webhook: {status: pick(rng, [429, 503] as const), retryAfter: 1},
        statuspage: {status: pick(rng, [420, 429] as const), retryAfter: 1},
        smtp: {status: 451},
      }[fake]
      return {fault, times}
    }
    case '5xx': {
      const times = between(rng, 1, 2)
      const fault = {
        x: {status: 503},
        mastodon: {status: pick(rng, [500, 502, 503] as const)},
        bluesky: {status: pick(rng, [500, 502, 503] as const)},
        facebook: {status: pick(rng, [500, 503] as const)},
        slack: {status: pick(rng, [500, 503] as const)},
        discord: {status: pick(rng, [500, 502, 503] as const)},
        webhook: {status: pick(rng, [500, 502, 504] as const)},
        statuspage: {status: pick(rng, [500, 502, 503] as const)},
        // SMTP's 5xx is final: the mail is refused, the delivery fails, retry sends it later.
        smtp: {status: 554},
      }[fake]
      return {fault, times}
    }
    case 'reset':
      return {fault: {kind: 'reset'}, times: 1}
    case 'hang':
      return {
        fault: fake === 'smtp' ? {kind: 'hang', at: pick(rng, ['greeting', 'data'] as const)} : {kind: 'hang'},
        times: 1,
      }
  }
}

/** What was queued on one fake for one publish, in queue order (one entry per request it hits). */
interface Queued {
  fake: FakeName
  kinds: FaultKind[]
  /** Requests (SMTP: connections) the fake had seen when the faults were queued. */
  seenBefore: number
}

function seen(fakes: Fakes, name: FakeName): number {
  return name === 'smtp' ? fakes.smtp.connections : fakes[name].requests.length
}

function queueFaults(fakes: Fakes, rng: () => number, intensity: number): Queued[] {
  const queued: Queued[] = []
  for (const name of Object.keys(fakes) as FakeName[]) {
    const entry: Queued = {fake: name, kinds: [], seenBefore: seen(fakes, name)}
    if (rng() < intensity) {
      for (let i = between(rng, 1, 3); i > 0; i--) {
        const kind = pick(rng, FAULT_KINDS)
        const {fault, times} = makeFault(name, kind, rng)
        ;(fakes[name].fail as (f: unknown, times?: number) => void)(fault, times)
        for (let t = 0; t < times; t++) entry.kinds.push(kind)
      }
    }
    // A little latency on every fake (SMTP: before answering DATA).
    fakes[name].latencyMs = between(rng, 0, 150)
    queued.push(entry)
  }
  return queued
}

/**
 * Consumes the faults no request reached (the fakes have no "clear"): every request to a
 * fake takes the next queued fault whatever it asks for, so as many throwaway requests
 * (SMTP: connections) as are left empty the queue. Returns how many each kind was hit.
 */
async function drainFaults(fakes: Fakes, queued: Queued[], hits: Record<FaultKind, number>): Promise<void> {
  await Promise.all(
    queued.map(async (q) => {
      const used = seen(fakes, q.fake) - q.seenBefore
      for (const kind of q.kinds.slice(0, used)) hits[kind]++
      // One throwaway request at a time, each waited for until the fake has taken it.
      const target = q.seenBefore + q.kinds.length
      for (let tries = 0; seen(fakes, q.fake) < target && tries < 3 * q.kinds.length + 5; tries++) {
        const before = seen(fakes, q.fake)
        const stop = new AbortController()
        let done: Promise<unknown>
        if (q.fake === 'smtp') {
          const socket = net.connect(fakes.smtp.port, '127.0.0.1')
          socket.on('error', () => {})
          stop.signal.addEventListener('abort', () => socket.destroy())
          done = Promise.resolve()
        } else {
          const base = q.fake === 'webhook' ? fakes.webhook.origin : fakes[q.fake].url
          done = fetch(`${base}/__drain`, {signal: stop.signal}).then(
            (r) => r.text(),
            () => undefined,
          )
        }
        // Not taken within 3 s: give up on this one and send another.
        await waitFor(() => seen(fakes, q.fake) !== before, {
          what: `${q.fake} to take a throwaway request`,
          timeoutMs: 3000,
        }).catch(() => undefined)
        stop.abort()
        await done
      }
      const after = seen(fakes, q.fake) - q.seenBefore
      if (after < q.kinds.length)
        throw new Error(`could not drain the faults of ${q.fake}: ${q.kinds.length} queued, ${after} consumed`)
    }),
  )
}

export interface FaultRunOptions {
  seed: number
  run: number
  /** How many of the outage phases to publish, from the first. */
  phases: number
  /** Chance that a publish is killed with SIGKILL. */
  killRate: number
  /** Chance that a fake gets faults before a publish. */
  intensity: number
  /** `--timeout` and `--max-wait` for publish and retry, in seconds. */
  timeoutS: number
  maxWaitS: number
}

export interface RunReport {
  run: number
  seed: number
  phases: string[]
  /** Whether this run's facts split posts into several parts on X, Bluesky… */
  longPosts: boolean
  publishes: number
  faultsQueued: Record<FaultKind, number>
  faultsHit: Record<FaultKind, number>
  /** Publishes that got a SIGKILL while still running. */
  kills: number
  /** Kill timers that fired after the publish had ended by itself. */
  killsTooLate: number
  /** Publishes run again because the kill came before the update was approved. */
  republished: number
  publishExits: Record<string, number>
  retries: number
  assumedSent: number
  assumedLost: number
  /** Interrupted sends settled without a person, as `retry --json` reported them (`how`). */
  settled: Record<string, number>
  /** Channels that should settle an unknown part by themselves but asked for a person. */
  askedForPerson: Array<{channel: string; update: number; part: number}>
  parts: number
  duplicates: number
  losses: number
  problems: string[]
  byChannel: ExactlyOnceReport['byChannel']
  /** Torn last lines seen right after a kill (reported, not fatal). */
  tornLines: number
  /** Journal warnings other than a torn line left by a kill. */
  journalProblems: string[]
  /** Set when settling never finished. */
  stuck?: string
  /** Things worth a look that are not failures. */
  notes: string[]
  durationMs: number
}

const LONG_IMPACT =
  'Calls to and from landlines may fail to connect, voicemail is delayed by up to an hour, and call forwarding to mobile numbers does not work for business customers on every plan'

interface Spawned {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  killed: boolean
  killTooLate: boolean
}

/**
 * When to kill a publish: `afterMs` after it starts, or `extraMs` after the fakes have
 * received `afterRequests` more requests (SMTP: connections) than before it started, so
 * kills land while parts are on the wire as well as before anything was sent.
 */
export type KillPlan = {afterMs: number} | {afterRequests: number; extraMs: number}

function totalSeen(fakes: Fakes): number {
  return (Object.keys(fakes) as FakeName[]).reduce((n, name) => n + seen(fakes, name), 0)
}

async function spawnPublish(world: AllChannelsWorld, args: string[], plan: KillPlan | undefined): Promise<Spawned> {
  const child = world.spawn(args)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  let killed = false
  let killTooLate = false
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000)
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) {
      killed = true
      child.kill('SIGKILL')
    }
  }
  let timer: NodeJS.Timeout | undefined
  let poll: NodeJS.Timeout | undefined
  if (plan && 'afterMs' in plan) timer = setTimeout(kill, plan.afterMs)
  if (plan && 'afterRequests' in plan) {
    const target = totalSeen(world.fakes) + plan.afterRequests
    poll = setInterval(() => {
      if (totalSeen(world.fakes) < target) return
      clearInterval(poll)
      timer = setTimeout(kill, plan.extraMs)
    }, 5)
  }
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
  clearTimeout(guard)
  clearTimeout(timer)
  clearInterval(poll)
  if (plan && !killed) killTooLate = true
  return {code, signal, stdout, stderr, killed, killTooLate}
}

/** Adds to a problem line what the journal says went wrong with that part's attempts. */
function explain(state: IncidentState, problem: string): string {
  const m = /^(\S+): update (\d+) \(\w+\) part (\d+)\//.exec(problem)
  if (!m) return problem
  const errors = state.events.flatMap((e) =>
    e.type === 'delivery_result' &&
    e.status === 'failed' &&
    e.channel === m[1] &&
    e.update === Number(m[2]) &&
    e.part === Number(m[3]) &&
    e.error
      ? [e.error]
      : [],
  )
  return errors.length > 0 ? `${problem}; its failed attempts: ${errors.join(' | ')}` : problem
}

function unfinished(state: IncidentState): string[] {
  const out: string[] = []
  for (const u of state.updates) {
    if (!u.approvedAt) continue
    for (const d of u.deliveries.values()) {
      const s = deliveryStatus(d)
      if (s !== 'published' && s !== 'skipped') out.push(`update ${u.update} ${d.channel}: ${s}`)
    }
  }
  return out
}

const emptyKinds = (): Record<FaultKind, number> => ({'rate-limit': 0, '5xx': 0, reset: 0, hang: 0})

export function emptyReport(run: number, seed: number): RunReport {
  return {
    run,
    seed,
    phases: [],
    longPosts: false,
    publishes: 0,
    faultsQueued: emptyKinds(),
    faultsHit: emptyKinds(),
    kills: 0,
    killsTooLate: 0,
    republished: 0,
    publishExits: {},
    retries: 0,
    assumedSent: 0,
    assumedLost: 0,
    settled: {},
    askedForPerson: [],
    parts: 0,
    duplicates: 0,
    losses: 0,
    problems: [],
    byChannel: {},
    tornLines: 0,
    journalProblems: [],
    notes: [],
    durationMs: 0,
  }
}

/** One seeded run: every phase asked for, faults and maybe a kill each time, then settle and count. */
export async function faultRun(opts: FaultRunOptions): Promise<RunReport> {
  const started = Date.now()
  const rng = mulberry32(opts.seed)
  const world = await allChannelsWorld({slackWebhook: true, prefix: `candor-fault-${opts.run}-`})
  const id = `fault-run-${opts.run}`
  const report = emptyReport(opts.run, opts.seed)
  report.phases = OUTAGE_PHASES.slice(0, opts.phases)
  report.longPosts = rng() < 0.5
  const flags = ['--incident', id, '--json', '--timeout', String(opts.timeoutS), '--max-wait', String(opts.maxWaitS)]
  try {
    const open = await world.cli([
      'incident',
      'open',
      world.playbook,
      '--facts',
      EXAMPLE_FACTS,
      '--id',
      id,
      ...(report.longPosts ? ['--set', `impact=${LONG_IMPACT}`] : []),
    ])
    if (open.code !== 0) throw new Error(`incident open failed: ${open.stderr}`)

    for (const phase of report.phases) {
      const before = (await readJournal(world, id)).state.updates.filter((u) => u.approvedAt).length
      const queued = queueFaults(world.fakes, rng, opts.intensity)
      for (const q of queued) for (const k of q.kinds) report.faultsQueued[k]++
      // Kill at a random time after the start (often before anything is sent), or mostly a
      // little after a random number of requests reached the fakes (while parts are out).
      const plan: KillPlan | undefined =
        rng() >= opts.killRate
          ? undefined
          : rng() < 0.3
            ? {afterMs: between(rng, 200, 5000)}
            : {afterRequests: between(rng, 1, 30), extraMs: between(rng, 0, 300)}
      const publishArgs = ['publish', '--phase', phase, '--yes', ...(PHASE_FACTS[phase] ?? []), ...flags]
      report.publishes++
      const run = await spawnPublish(world, publishArgs, plan)
      const exit = run.killed ? 'SIGKILL' : String(run.code)
      report.publishExits[exit] = (report.publishExits[exit] ?? 0) + 1
      if (run.killed) report.kills++
      if (run.killTooLate) report.killsTooLate++

      // Let requests a killed process left on the wire land (the fakes process them after their latency).
      await fakesSettled(world.fakes)
      if (run.killed) {
        const {warnings} = await readJournal(world, id)
        report.tornLines += warnings.filter((w) => w.includes('the last line is incomplete')).length
      }
      await drainFaults(world.fakes, queued, report.faultsHit)

      // The kill came before approval was journaled: nothing went out; publish again.
      const approved = (await readJournal(world, id)).state.updates.filter((u) => u.approvedAt).length
      if (approved === before) {
        if (!run.killed)
          throw new Error(`publish ${phase} exited ${run.code} without approving: ${run.stderr}${run.stdout}`)
        report.republished++
        const again = await world.cli(publishArgs)
        report.publishExits[`again ${again.code}`] = (report.publishExits[`again ${again.code}`] ?? 0) + 1
        if (again.code === 3) {
          const failed = (
            JSON.parse(again.stdout) as {deliveries: Array<{channel: string; status: string; error?: string}>}
          ).deliveries.filter((d) => d.status !== 'published')
          report.notes.push(
            `publish ${phase} again, with no faults left, failed on ${failed.map((d) => `${d.channel} (${d.error})`).join(', ')}`,
          )
        } else if (again.code !== 0)
          throw new Error(`publish ${phase} again exited ${again.code}: ${again.stderr}${again.stdout}`)
      }

      const stuck = await settle(world, id, flags, report)
      if (stuck) {
        report.stuck = `${phase}: ${stuck}`
        break
      }
    }

    const {state, warnings} = await readJournal(world, id)
    const torn = warnings.filter((w) => w.includes('the last line is incomplete')).length
    report.journalProblems.push(...warnings.filter((w) => !w.includes('the last line is incomplete')))
    if (torn > report.tornLines)
      report.journalProblems.push(`${torn - report.tornLines} torn line(s) not caused by a kill`)
    const seqs = state.events.map((e) => e.seq)
    if (seqs.some((s, i) => s !== i + 1))
      report.journalProblems.push(`journal seq is not 1..${seqs.length}: ${seqs.join(',')}`)
    const once = checkExactlyOnce(world, id, state, world.channels)
    Object.assign(report, {
      parts: once.parts,
      duplicates: once.duplicates,
      losses: once.losses,
      problems: once.problems.map((p) => explain(state, p)),
      byChannel: once.byChannel,
    })
    if (expectedParts(state, world.channels).length === 0) report.problems.push('nothing was approved')
  } catch (error) {
    report.stuck = (error as Error).message
  } finally {
    await world.close()
    report.durationMs = Date.now() - started
    // Keep the folder (journal, blog, site) of a run that went wrong, for a look.
    if (report.stuck || report.problems.length > 0 || report.journalProblems.length > 0)
      report.notes.push(`kept ${world.dir}`)
    else rmSync(world.dir, {recursive: true, force: true})
  }
  return report
}

/**
 * Runs `candor retry` until every approved part is published; for a part whose fate is
 * unknown on a platform that can't be asked, looks at the fake and answers as a person
 * would. Returns why it gave up, if it did.
 */
export async function settle(
  world: AllChannelsWorld,
  id: string,
  flags: string[],
  report: RunReport,
): Promise<string | undefined> {
  for (let round = 0; round < 12; round++) {
    const {state} = await readJournal(world, id)
    const open = unfinished(state)
    if (open.length === 0) return undefined
    report.retries++
    const r = await world.cli(['retry', ...flags])
    let out: {error?: {code?: string; message?: string}; resolved?: Array<{how: string}>} = {}
    try {
      out = JSON.parse(r.stdout)
    } catch {
      // not JSON: reported below
    }
    for (const s of out.resolved ?? []) report.settled[s.how] = (report.settled[s.how] ?? 0) + 1
    if (r.code === 0 || r.code === 3) continue
    if (out.error?.code !== 'delivery_unknown') return `retry exited ${r.code}: ${r.stderr}${r.stdout}`
    const m = /^update (\d+) on (\S+), part (\d+), may or may not have arrived/.exec(out.error.message ?? '')
    if (!m) return `unexpected delivery_unknown message: ${out.error.message}`
    const [update, channel, part] = [Number(m[1]), m[2]!, Number(m[3])]
    const spec = world.channels.find((c) => c.name === channel)
    if (spec?.settles !== 'manual') report.askedForPerson.push({channel, update, part})
    // Act as the person: is it on the platform?
    const expected = expectedParts(state, world.channels).find(
      (e) => e.channel === channel && e.update === update && e.part === part,
    )
    if (!expected) return `retry asked about ${channel} update ${update} part ${part}, which the journal does not have`
    if (!FAKE_OF[channel] && channel !== 'blog' && channel !== 'site') return `no way to look at ${channel}`
    const there = liveCopies(world, id, expected) > 0
    if (there) report.assumedSent++
    else report.assumedLost++
    report.retries++
    const answer = await world.cli(['retry', '--channel', channel, there ? '--assume-sent' : '--assume-lost', ...flags])
    for (const s of (JSON.parse(answer.stdout || '{}') as {resolved?: Array<{how: string}>}).resolved ?? [])
      report.settled[s.how] = (report.settled[s.how] ?? 0) + 1
    if (answer.code !== 0 && answer.code !== 3)
      return `retry --channel ${channel} --assume-${there ? 'sent' : 'lost'} exited ${answer.code}: ${answer.stderr}${answer.stdout}`
  }
  return `still unfinished after 12 rounds of retry: ${unfinished((await readJournal(world, id)).state).join('; ')}`
}

export interface FaultSummary {
  seed: number
  runs: number
  phasesPerRun: number
  publishes: number
  parts: number
  faultsQueued: Record<FaultKind, number>
  faultsHit: Record<FaultKind, number>
  faultsHitTotal: number
  kills: number
  killsTooLate: number
  republished: number
  retries: number
  assumedSent: number
  assumedLost: number
  settled: Record<string, number>
  publishExits: Record<string, number>
  duplicates: number
  losses: number
  tornLines: number
  /** Channel → how often retry asked a person about it although it should settle by itself. */
  askedForPerson: Record<string, number>
  /** Channel → duplicates and losses over all runs. */
  byChannel: Record<string, {parts: number; duplicates: number; losses: number}>
  stuck: Array<{run: number; seed: number; reason: string}>
  journalProblems: Array<{run: number; problem: string}>
  problems: Array<{run: number; seed: number; problem: string}>
  notes: Array<{run: number; note: string}>
  durationMs: number
}

export function summarize(seed: number, phasesPerRun: number, reports: RunReport[], durationMs: number): FaultSummary {
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
  }
  const s: FaultSummary = {
    seed,
    runs: reports.length,
    phasesPerRun,
    publishes: 0,
    parts: 0,
    faultsQueued: emptyKinds(),
    faultsHit: emptyKinds(),
    faultsHitTotal: 0,
    kills: 0,
    killsTooLate: 0,
    republished: 0,
    retries: 0,
    assumedSent: 0,
    assumedLost: 0,
    settled: {},
    publishExits: {},
    duplicates: 0,
    losses: 0,
    tornLines: 0,
    askedForPerson: {},
    byChannel: {},
    stuck: [],
    journalProblems: [],
    problems: [],
    notes: [],
    durationMs,
  }
  for (const r of reports) {
    s.publishes += r.publishes
    s.parts += r.parts
    add(s.faultsQueued, r.faultsQueued)
    add(s.faultsHit, r.faultsHit)
    s.kills += r.kills
    s.killsTooLate += r.killsTooLate
    s.republished += r.republished
    s.retries += r.retries
    s.assumedSent += r.assumedSent
    s.assumedLost += r.assumedLost
    add(s.settled, r.settled)
    add(s.publishExits, r.publishExits)
    s.duplicates += r.duplicates
    s.losses += r.losses
    s.tornLines += r.tornLines
    for (const a of r.askedForPerson) s.askedForPerson[a.channel] = (s.askedForPerson[a.channel] ?? 0) + 1
    for (const [channel, row] of Object.entries(r.byChannel)) {
      const into = (s.byChannel[channel] ??= {parts: 0, duplicates: 0, losses: 0})
      into.parts += row.parts
      into.duplicates += row.duplicates
      into.losses += row.losses
    }
    if (r.stuck) s.stuck.push({run: r.run, seed: r.seed, reason: r.stuck})
    for (const p of r.journalProblems) s.journalProblems.push({run: r.run, problem: p})
    for (const p of r.problems) s.problems.push({run: r.run, seed: r.seed, problem: p})
    for (const n of r.notes) s.notes.push({run: r.run, note: n})
  }
  s.faultsHitTotal = Object.values(s.faultsHit).reduce((a, b) => a + b, 0)
  return s
}

export function summaryLine(s: FaultSummary): string {
  const kinds = (r: Record<FaultKind, number>) => FAULT_KINDS.map((k) => `${k} ${r[k]}`).join(', ')
  return (
    `fault injection (seed ${s.seed}): ${s.runs} runs, ${s.publishes} publishes, ${s.parts} parts; ` +
    `faults hit ${s.faultsHitTotal} (${kinds(s.faultsHit)}) of ${Object.values(s.faultsQueued).reduce((a, b) => a + b, 0)} queued; ` +
    `kill -9 ${s.kills} (${s.republished} before approval); retries ${s.retries} (assumed sent ${s.assumedSent}, lost ${s.assumedLost}); ` +
    `duplicates: ${s.duplicates}, losses: ${s.losses}; stuck ${s.stuck.length}; torn lines ${s.tornLines}`
  )
}

/** The seed of run `run` of a series started with `seed`. */
export function runSeed(seed: number, run: number): number {
  return (seed + run * 0x9e3779b1) >>> 0
}

/** Runs `count` runs with at most `concurrency` at once; run i uses `runSeed(seed, i)`. */
export async function faultRuns(
  count: number,
  concurrency: number,
  base: Omit<FaultRunOptions, 'seed' | 'run'> & {seed: number},
  onRun?: (r: RunReport) => void,
): Promise<RunReport[]> {
  const reports: RunReport[] = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      const run = next++
      const r = await faultRun({...base, run, seed: runSeed(base.seed, run)})
      reports[run] = r
      onRun?.(r)
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, count)}, worker))
  return reports
}

import {spawn} from 'node:child_process'
import {Flags} from '@oclif/core'
import {CandorCommand, incidentFlag, stateFlags} from '../cli/base-command.js'
import {incidentPlaybookFlag, lookForPlaybooks} from '../cli/incident-choice.js'
import {paint} from '../cli/style.js'
import {rehearsalMark} from '../cli/rehearsal.js'
import {incidentPlaybook, loadIncident, resolveIncidentId} from '../services/incident/service.js'
import {incidentStatus} from '../services/incident/status.js'
import {watchIncident, type WatchIO} from '../services/incident/watch.js'
import type {Playbook} from '../domain/playbook/model.js'

const HOOK_TIMEOUT_MS = 30_000

export default class Watch extends CandorCommand {
  static override summary = 'Watch an incident: countdown to the next promised update, reminders, OVERDUE'
  static override description =
    `A live view of the incident in the terminal: the phase, the last post per channel and a countdown to the update the last one promised. Before the update is due (--remind-before, default 5 minutes) it rings the bell and shows a reminder; once the time has passed it marks the update OVERDUE and reminds again every --repeat minutes. With nothing published yet, the first update is due 5 minutes after the incident opened.

--exec runs a shell command at each reminder, for chat or pager hooks, with CANDOR_INCIDENT, CANDOR_PHASE, CANDOR_DUE (ISO 8601), CANDOR_EVENT (reminder or overdue), CANDOR_OVERDUE (1 or 0) and CANDOR_MESSAGE in its environment; for a rehearsal (\`incident open --sandbox\`) also CANDOR_REHEARSAL=1, and every message starts with REHEARSAL.

Stops when the incident is resolved (exit 0), or with Ctrl-C (exit 0). Off a terminal it prints one line per event instead of the live view; with --json, one JSON object per event.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {
      description: 'Post to a chat channel at every reminder',
      command: `<%= config.bin %> <%= command.id %> --incident 2026-11-25-acme-voice --exec 'curl -s -d "text=$CANDOR_MESSAGE" "$CHAT_HOOK"'`,
    },
    {
      description: 'Events as JSON lines, for another program',
      command: '<%= config.bin %> <%= command.id %> --json | jq -c .',
    },
  ]

  static override flags = {
    incident: incidentFlag,
    playbook: incidentPlaybookFlag,
    exec: Flags.string({
      description: 'shell command to run at each reminder (CANDOR_* variables describe it)',
      helpValue: 'CMD',
    }),
    'remind-before': Flags.integer({
      description: 'minutes before an update is due to remind',
      default: 5,
      min: 0,
      helpValue: 'MINUTES',
    }),
    repeat: Flags.integer({
      description: 'while overdue, remind again every so many minutes (0: once)',
      default: 10,
      min: 0,
      helpValue: 'MINUTES',
    }),
    ...stateFlags,
  }

  async run() {
    const {flags} = await this.parse(Watch)
    const store = await this.openStore(flags)
    lookForPlaybooks(store, flags.playbook)
    const id = await resolveIncidentId(store, flags.incident, (w) => this.warnLine(w))
    const json = this.jsonEnabled()
    const tty = Boolean(process.stdout.isTTY) && !json
    const controller = new AbortController()
    const onSigint = () => controller.abort()
    process.on('SIGINT', onSigint)

    let playbook: Playbook | null | undefined
    const load = async () => {
      const {state} = await loadIncident(store, id)
      if (playbook === undefined) {
        try {
          playbook = incidentPlaybook(state, {templatesOf: []}) // cadence only
        } catch {
          playbook = null
        }
      }
      return incidentStatus(state, new Date(), playbook)
    }

    const io: WatchIO = {
      now: () => new Date(),
      sleep: (ms) =>
        new Promise((resolve) => {
          const timer = setTimeout(done, ms)
          function done() {
            clearTimeout(timer)
            controller.signal.removeEventListener('abort', done)
            resolve()
          }
          controller.signal.addEventListener('abort', done, {once: true})
        }),
      // On a terminal the events show in the live view.
      print: (line) => {
        if (!tty && !json) this.log(line)
      },
      bell: () => process.stdout.write('\u0007'),
      exec: (command, env) => runHook(command, env),
      draw: tty
        ? (lines) => process.stdout.write('\u001b[H\u001b[2J' + lines.map(colour).join('\n') + '\n')
        : undefined,
    }

    try {
      const result = await watchIncident({
        incident: id,
        load,
        io,
        tty,
        exec: flags.exec,
        remindBeforeMs: flags['remind-before'] * 60_000,
        repeatMs: flags.repeat * 60_000,
        signal: controller.signal,
        onEvent: json ? (event) => process.stdout.write(JSON.stringify(event) + '\n') : undefined,
      })
      if (tty && result.reason === 'interrupted') process.stdout.write('\n')
    } finally {
      process.removeListener('SIGINT', onSigint)
      await (store as {close?(): Promise<void>}).close?.()
    }
    // Under --json every event was already a line of its own.
    return undefined
  }
}

function colour(line: string): string {
  const marked = line.replace(/REHEARSAL/, rehearsalMark(paint))
  if (/OVERDUE/.test(line)) return paint('red', paint('bold', marked))
  if (/UPDATE DUE/.test(line)) return paint('yellow', marked)
  if (/^Candor watch/.test(line)) return paint('bold', marked)
  return marked
}

/** Runs a hook through the shell with the reminder in its environment; its output goes to stderr. */
function runHook(command: string, env: Record<string, string>): Promise<{code: number | null; error?: string}> {
  return new Promise((resolve) => {
    const child = spawn(command, {shell: true, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stdout.on('data', (d) => process.stderr.write(d))
    child.stderr.on('data', (d) => {
      stderr += d
      process.stderr.write(d)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), HOOK_TIMEOUT_MS)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({code: null, error: error.message})
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, error: stderr.trim().split('\n').pop() || undefined})
    })
  })
}

/**
 * Shell completion: what may come next on a candor command line. Plain data in, plain
 * data out: the command list comes from oclif's manifest, and the values that depend
 * on the project (phases, channels, incident ids, playbooks) from `sources`.
 */

export interface CompletionFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  options?: readonly string[]
  multiple?: boolean
  hidden?: boolean
  summary?: string
  description?: string
}

export interface CompletionCommand {
  /** With spaces: "incident open". */
  id: string
  summary?: string
  hidden?: boolean
  flags: Record<string, CompletionFlag>
  /** Positional arguments, in order. */
  args: Array<{name: string; description?: string; options?: readonly string[]}>
}

export interface Candidate {
  value: string
  description?: string
}

/** What has been typed so far: flag values (last one wins) and positional arguments by name. */
export interface CompletionContext {
  command: string
  flags: Record<string, string>
  args: Record<string, string>
}

export interface CompletionSources {
  phases(ctx: CompletionContext): Promise<Candidate[]>
  channels(ctx: CompletionContext): Promise<Candidate[]>
  incidents(ctx: CompletionContext): Promise<Candidate[]>
  playbooks(ctx: CompletionContext): Promise<Candidate[]>
}

/** Which source completes a flag's value or an argument, by its name. */
const SOURCE_OF: Record<string, keyof CompletionSources> = {
  phase: 'phases',
  channel: 'channels',
  incident: 'incidents',
  id: 'incidents',
  playbook: 'playbooks',
}

/**
 * Candidates for the last word of `words` (the words after `candor`; the last is the one
 * being completed, possibly empty), filtered by what it starts with. Empty when
 * nothing is known: the shell then offers file names.
 */
export async function complete(
  words: string[],
  commands: CompletionCommand[],
  topics: Array<{name: string; description?: string}>,
  sources: CompletionSources,
): Promise<Candidate[]> {
  const current = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  const byPrefix = (list: Candidate[]) => list.filter((c) => c.value.startsWith(current))

  // The command: leading words that name topics, then a command.
  const path: string[] = []
  let command: CompletionCommand | undefined
  let i = 0
  for (; i < before.length && !command; i++) {
    const next = [...path, before[i]].join(' ')
    command = commands.find((c) => c.id === next)
    if (!command && !topics.some((t) => t.name === next)) return []
    path.push(before[i])
  }
  if (!command) return byPrefix(subcommands(path, commands, topics))
  if (command.id === 'help') {
    // `candor help incident o…`: the words after help name a topic, then a command.
    const rest = before.slice(i)
    const topicPath = rest.every((_, n) => topics.some((t) => t.name === rest.slice(0, n + 1).join(' ')))
    return topicPath && !current.startsWith('-') ? byPrefix(subcommands(rest, commands, topics)) : []
  }

  const ctx: CompletionContext = {command: command.id, flags: {}, args: {}}
  let pending: CompletionFlag | undefined
  const given = new Set<string>()
  const positionals: string[] = []
  for (const word of before.slice(i)) {
    if (pending) {
      ctx.flags[pending.name] = word
      pending = undefined
      continue
    }
    const flag = flagOf(word, command)
    if (flag) {
      given.add(flag.name)
      if (flag.type === 'option') {
        if (word.includes('=')) ctx.flags[flag.name] = word.slice(word.indexOf('=') + 1)
        else pending = flag
      }
      continue
    }
    if (!word.startsWith('-')) positionals.push(word)
  }
  for (const [n, arg] of command.args.entries()) if (positionals[n] !== undefined) ctx.args[arg.name] = positionals[n]

  if (pending) return byPrefix(await valuesOf(pending.name, pending.options, ctx, sources))
  if (current.startsWith('-')) {
    const flags = Object.values(command.flags).filter((f) => !f.hidden && (f.multiple || !given.has(f.name)))
    return byPrefix([
      ...flags.map((f) => ({value: `--${f.name}`, description: f.summary ?? f.description})),
      {value: '--help', description: 'show help'},
    ])
  }
  const arg = command.args[positionals.length]
  return arg ? byPrefix(await valuesOf(arg.name, arg.options, ctx, sources)) : []
}

function subcommands(
  path: string[],
  commands: CompletionCommand[],
  topics: Array<{name: string; description?: string}>,
): Candidate[] {
  const depth = path.length
  const under = (id: string) =>
    id.split(' ').length === depth + 1 && id.startsWith(path.length > 0 ? `${path.join(' ')} ` : '')
  const out = new Map<string, Candidate>()
  for (const t of topics)
    if (under(t.name)) out.set(t.name.split(' ')[depth], {value: t.name.split(' ')[depth], description: t.description})
  for (const c of commands)
    if (!c.hidden && under(c.id))
      out.set(c.id.split(' ')[depth], {value: c.id.split(' ')[depth], description: c.summary})
  return [...out.values()].sort((a, b) => a.value.localeCompare(b.value))
}

function flagOf(word: string, command: CompletionCommand): CompletionFlag | undefined {
  if (word.startsWith('--')) return command.flags[word.slice(2).split('=')[0]]
  if (/^-[A-Za-z]$/.test(word)) return Object.values(command.flags).find((f) => f.char === word[1])
  return undefined
}

async function valuesOf(
  name: string,
  options: readonly string[] | undefined,
  ctx: CompletionContext,
  sources: CompletionSources,
): Promise<Candidate[]> {
  if (options?.length) return options.map((value) => ({value}))
  const source = SOURCE_OF[name]
  if (!source) return []
  try {
    return await sources[source](ctx)
  } catch {
    return [] // a playbook that does not load, a store out of reach: no candidates, never an error
  }
}

/** One candidate a line, as each shell's script reads it. */
export function formatCandidates(shell: string, candidates: Candidate[]): string {
  const oneLine = (text?: string) => (text ?? '').split('\n')[0]
  const lines = candidates.map((c) => {
    if (shell === 'zsh')
      return c.description
        ? `${c.value.replaceAll(':', '\\:')}:${oneLine(c.description)}`
        : c.value.replaceAll(':', '\\:')
    if (shell === 'fish') return c.description ? `${c.value}\t${oneLine(c.description)}` : c.value
    return c.value
  })
  return lines.length > 0 ? lines.join('\n') + '\n' : ''
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const

/** The completion script for a shell; it calls `candor __complete SHELL -- WORDS…` for every completion. */
export function completionScript(shell: (typeof SHELLS)[number], bin = 'candor'): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}`
  if (shell === 'bash') {
    return `# ${bin} completion for bash. Install: ${bin} autocomplete bash >> ~/.bashrc (or source <(${bin} autocomplete bash))
${fn}() {
  local IFS=$'\\n'
  COMPREPLY=($(${bin} __complete bash -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F ${fn} ${bin}
`
  }
  if (shell === 'zsh') {
    return `#compdef ${bin}
# ${bin} completion for zsh. Install: ${bin} autocomplete zsh > "\${fpath[1]}/_${bin}" (or source <(${bin} autocomplete zsh) after compinit)
${fn}() {
  local -a candidates
  candidates=("\${(@f)$(${bin} __complete zsh -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if (( \${#candidates} )); then
    _describe -t values ${bin} candidates
  else
    _files
  fi
}
if [ "\${funcstack[1]}" = "${fn}" ]; then
  ${fn} "$@"
else
  compdef ${fn} ${bin}
fi
`
  }
  return `# ${bin} completion for fish. Install: ${bin} autocomplete fish > ~/.config/fish/completions/${bin}.fish
function __${fn}_complete
    set -l candidates (${bin} __complete fish -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
    if test (count $candidates) -eq 0
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $candidates
    end
end
complete -c ${bin} -f -a '(__${fn}_complete)'
`
}

import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {recordModules} from '../../bench/lib/modules.mjs'
import {BIN, ROOT, runCli, tempDir} from '../helpers/cli.js'

/** CLI conventions engineers bring from gh, git and heroku (issue 16): help, version, typos, flag errors, completion. */

const FACTS = ['--facts', 'playbooks/examples/outage.facts.yaml']

function commandModules(candorFiles: string[]): string[] {
  return candorFiles.filter((f) => f.startsWith(`commands${path.sep}`)).map((f) => f.split(path.sep).join('/'))
}

describe('help and version', () => {
  it.each([[['help']], [['-h']], [['--help']]])('candor %j shows the root help', async (args) => {
    const r = await runCli(args)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('COMMANDS')
    expect(r.stdout).toMatch(/^ {2}publish +Publish/m)
  })

  it.each([[['help', 'publish']], [['publish', '-h']], [['publish', '--help']]])(
    'candor %j shows the help of publish',
    async (args) => {
      const r = await runCli(args)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain('$ candor publish')
      expect(r.stdout).toContain('--phase')
      expect(r.stdout).not.toContain('ENVIRONMENT')
    },
  )

  it('candor help incident open shows the command, candor help incident the topic', async () => {
    const command = await runCli(['help', 'incident', 'open'])
    expect(command.code).toBe(0)
    expect(command.stdout).toContain('$ candor incident open')
    const topic = await runCli(['help', 'incident'])
    expect(topic.stdout).toContain('incident timeline')
  })

  it.each([[['-v']], [['--version']], [['version']]])('candor %j prints the version', async (args) => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
    const r = await runCli(args)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toMatch(new RegExp(`^candor/${pkg.version.replaceAll('.', '\\.')} \\S+ node-v\\d+`))
  })

  it('candor version --json says the versions as data', async () => {
    const r = await runCli(['version', '--json'])
    expect(JSON.parse(r.stdout)).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
    })
  })

  it('the root help lists the environment, the exit codes and where the documentation is', async () => {
    const r = await runCli(['--help'])
    const section = (title: string) => r.stdout.split(`\n${title}\n`)[1]?.split('\n\n')[0] ?? ''
    for (const name of ['CANDOR_STATE_DIR', 'CANDOR_STORE', 'CANDOR_USER', 'CANDOR_CACHE_DIR', 'NO_COLOR', 'DEBUG'])
      expect(section('ENVIRONMENT'), name).toMatch(new RegExp(`^ {2}${name} `, 'm'))
    expect(section('ENVIRONMENT')).toContain('--no-color')
    for (const code of ['0', '1', '2', '3', '4'])
      expect(section('EXIT CODES'), code).toMatch(new RegExp(`^ {2}${code} +\\S`, 'm'))
    expect(section('DOCUMENTATION')).toContain('README')
  })

  it('--no-color is accepted by every command and turns colour off like NO_COLOR', async () => {
    const colored = await runCli(['preview', 'outage', '-p', 'investigating', ...FACTS, '-c', 'x'], {
      env: {NO_COLOR: undefined, FORCE_COLOR: '1'},
    })
    expect(colored.stdout).toContain('\u001B[')
    const plain = await runCli(['preview', 'outage', '-p', 'investigating', ...FACTS, '-c', 'x', '--no-color'], {
      env: {NO_COLOR: undefined, FORCE_COLOR: '1'},
    })
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).not.toContain('\u001B[')
    expect(plain.stdout).toContain('Preview of outage')
  })
})

describe('typos get "did you mean", and never run the guess', () => {
  it.each([
    [['publsh'], '"publsh" is not a candor command', 'Did you mean `candor publish`?'],
    [['incident', 'opn'], '"incident opn" is not a candor command', 'Did you mean `candor incident open`?'],
    [['incdent', 'open'], '"incdent open" is not a candor command', 'Did you mean `candor incident open`?'],
  ])('candor %j', async (args, message, suggestion) => {
    const state = tempDir()
    const r = await runCli([...args, '--phase', 'investigating', '--yes'], {env: {CANDOR_STATE_DIR: state}})
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(`Error: ${message}`)
    expect(r.stderr).toContain('Code: command_not_found')
    expect(r.stderr).toContain(suggestion)
    expect(r.stderr).not.toContain('incident:opn')
    expect(readdirSync(state)).toEqual([]) // nothing ran
  })

  it('candor help with a typo', async () => {
    const r = await runCli(['help', 'publsh'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Error: "publsh" is not a candor command')
    expect(r.stderr).toContain('Did you mean `candor publish`?')
  })

  it('a mistyped flag before any command', async () => {
    const r = await runCli(['--verison'])
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toBe('Error: unknown flag --verison for `candor`')
    expect(r.stderr).toContain('Did you mean --version?')
  })

  it('an unknown command under --json is a JSON error', async () => {
    const r = await runCli(['publsh', '--json'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'command_not_found',
        message: '"publsh" is not a candor command',
        suggestions: ['Did you mean `candor publish`?', 'See the commands with `candor help`'],
        exit: 2,
      },
    })
  })

  it.each([
    [['preview', 'outage', '--jsn'], '--jsn', '--json'],
    [['publish', '--phse', 'identified'], '--phse', '--phase'],
  ])('flag %j', async (args, typo, meant) => {
    const r = await runCli(args)
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toBe(`Error: unknown flag ${typo} for \`candor ${args[0]}\``)
    expect(r.stderr).toContain('Code: unknown_flag')
    expect(r.stderr).toContain(`Did you mean ${meant}?`)
    expect(r.stderr).not.toContain('Nonexistent flag')
  })

  it('phase, channel and option values get the closest name too', async () => {
    const phase = await runCli(['preview', 'outage', '-p', 'investigatin', ...FACTS])
    expect(phase.stderr).toContain('Did you mean "investigating"?')
    expect(phase.stderr).toContain('Phases: investigating, identified')
    const channel = await runCli(['preview', 'outage', '-p', 'investigating', ...FACTS, '-c', 'mastodn'])
    expect(channel.stderr).toContain('Did you mean "mastodon"?')
    const check = await runCli(['channels', 'check', 'outage', '-c', 'blgo'])
    expect(check.stderr).toContain('Did you mean "blog"?')
    const rule = await runCli(['preview', 'outage', '-p', 'investigating', ...FACTS, '--allow', 'privat-ip'])
    expect(rule.code).toBe(2)
    expect(rule.stderr).toContain('Error: --allow "privat-ip" is not one of: private-ip, internal-host')
    expect(rule.stderr).toContain('Did you mean "private-ip"?')
  })

  it('a name nothing resembles gets no guess', async () => {
    const r = await runCli(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).not.toContain('Did you mean')
    expect(r.stderr).toContain('See the commands with `candor help`')
  })
})

describe("flag errors in Candor's format", () => {
  it('a missing --phase lists the phases of the playbook at hand', async () => {
    const preview = await runCli(['preview', 'outage', ...FACTS])
    expect(preview.code).toBe(2)
    expect(preview.stderr.split('\n')[0]).toBe(
      'Error: missing --phase; phases of outage: investigating, identified, monitoring, resolved, postmortem',
    )
    expect(preview.stderr).toContain('Code: phase_missing')

    const state = tempDir()
    await runCli(['incident', 'open', 'outage', ...FACTS, '--id', 'i1'], {env: {CANDOR_STATE_DIR: state}})
    const publish = await runCli(['publish', '--json'], {env: {CANDOR_STATE_DIR: state}})
    expect(publish.code).toBe(2)
    expect(JSON.parse(publish.stdout)).toEqual({
      error: {
        code: 'phase_missing',
        message: 'missing --phase; phases of outage: investigating, identified, monitoring, resolved, postmortem',
        suggestions: ['Pass --phase investigating'],
        exit: 2,
      },
    })
  })

  it.each([
    [['publish', '--max-wait', 'abc', '-p', 'x'], 'invalid_flag_value', '--max-wait takes a whole number, not "abc"'],
    [['publish', '--max-wait', '-3', '-p', 'x'], 'invalid_flag_value', '--max-wait must be at least 0, not -3'],
    [['publish', '--draft', 'd-1', '--phase', 'x'], 'conflicting_flags', "--draft and --phase can't be used together"],
    [['retract'], 'missing_flag', 'missing --update: update number'],
    [['preview', 'outage', '-p'], 'missing_flag_value', '--phase needs a value'],
    [['preview'], 'missing_argument', 'missing PLAYBOOK: playbook file, or a name in ./playbooks'],
    [['status', 'extra'], 'unexpected_argument', 'unexpected argument "extra" for `candor status`'],
  ])('%j: one line with a code, exit 2, also under --json', async (args, code, message) => {
    const r = await runCli(args)
    expect(r.code).toBe(2)
    const [first, second] = r.stderr.split('\n')
    expect(first).toBe(`Error: ${first.slice('Error: '.length)}`)
    expect(first).toContain(message)
    expect(second).toBe(`Code: ${code}`)
    expect(r.stderr).not.toMatch(/The following error|Parsing --|See more help with --help|\n\t/)
    const json = await runCli([...args, '--json'])
    expect(json.code).toBe(2)
    const out = JSON.parse(json.stdout)
    expect(out.error).toMatchObject({code, exit: 2})
    expect(out.error.message).toContain(message)
    expect(out.error.message).not.toContain('\n')
  })
})

describe('shell completion', () => {
  function project() {
    const dir = tempDir()
    spawnSync(process.execPath, [BIN, 'init', dir], {encoding: 'utf8'})
    const r = spawnSync(
      process.execPath,
      [BIN, 'incident', 'open', 'outage', '--facts', 'playbooks/examples/outage.facts.yaml', '--id', 'voice-1'],
      {cwd: dir, encoding: 'utf8', env: {...process.env, CANDOR_STATE_DIR: undefined, CANDOR_STORE: undefined}},
    )
    expect(r.status, r.stderr).toBe(0)
    return dir
  }
  const complete = async (dir: string, shell: string, words: string[]) => {
    const r = await runCli(['__complete', shell, '--', ...words], {
      cwd: dir,
      env: {CANDOR_STATE_DIR: undefined, CANDOR_STORE: undefined},
    })
    expect(r.code, r.stderr).toBe(0)
    return r.stdout.split('\n').filter(Boolean)
  }

  it('completes commands, subcommands, flags, phases, channels, incident ids and playbooks', async () => {
    const dir = project()
    expect(await complete(dir, 'bash', ['pub'])).toEqual(['publish'])
    expect(await complete(dir, 'bash', ['incident', ''])).toEqual(['close', 'list', 'open', 'show', 'timeline'])
    expect(await complete(dir, 'bash', ['publish', '--ph'])).toEqual(['--phase'])
    // The incident's playbook: its phases and channels.
    expect(await complete(dir, 'bash', ['publish', '--phase', ''])).toEqual([
      'investigating',
      'identified',
      'monitoring',
      'resolved',
      'postmortem',
    ])
    expect(await complete(dir, 'bash', ['publish', '-p', 'i'])).toEqual(['investigating', 'identified'])
    expect(await complete(dir, 'bash', ['publish', '--channel', ''])).toEqual([
      'x',
      'mastodon',
      'bluesky',
      'facebook',
      'blog',
    ])
    expect(await complete(dir, 'bash', ['status', '-i', ''])).toEqual(['voice-1'])
    expect(await complete(dir, 'bash', ['incident', 'show', ''])).toEqual(['voice-1'])
    // The playbook named on the command line.
    expect(await complete(dir, 'bash', ['preview', ''])).toEqual(['outage'])
    expect(await complete(dir, 'bash', ['preview', 'outage', '--phase', 'mon'])).toEqual(['monitoring'])
    expect(await complete(dir, 'bash', ['publish', '--allow', 'priv'])).toEqual(['private-ip'])
    expect(await complete(dir, 'bash', ['help', 'incident', 'o'])).toEqual(['open'])
    // Hidden commands stay hidden; files are left to the shell.
    expect(await complete(dir, 'bash', ['__'])).toEqual([])
    expect(await complete(dir, 'bash', ['publish', '--facts', ''])).toEqual([])
  })

  it('describes candidates for zsh and fish', async () => {
    const dir = project()
    expect(await complete(dir, 'zsh', ['incident', 'o'])).toEqual([
      'open:Open an incident from a playbook and print its id',
    ])
    expect(await complete(dir, 'fish', ['status', '-i', ''])).toEqual(['voice-1\toutage, opened'])
  })

  it('a broken playbook or a missing store completes nothing, without an error', async () => {
    const dir = tempDir()
    expect(await complete(dir, 'bash', ['publish', '--phase', ''])).toEqual([])
    expect(await complete(dir, 'bash', ['status', '--state-dir', 'nowhere', '-i', ''])).toEqual([])
  })

  it('candor autocomplete prints a script each shell runs, and it completes from the project', async () => {
    const dir = project()
    const bin = path.join(dir, 'bin')
    mkdirSync(bin)
    writeFileSync(path.join(bin, 'candor'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
    chmodSync(path.join(bin, 'candor'), 0o755)
    const env = {
      ...process.env,
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      CANDOR_STATE_DIR: undefined,
      CANDOR_STORE: undefined,
    }
    const script = (shell: string) => {
      const r = spawnSync(process.execPath, [BIN, 'autocomplete', shell], {cwd: dir, encoding: 'utf8'})
      expect(r.status, r.stderr).toBe(0)
      const file = path.join(dir, `candor.${shell}`)
      writeFileSync(file, r.stdout)
      return file
    }
    const run = (shell: string, code: string) =>
      spawnSync(shell, ['-c', code], {cwd: dir, env, encoding: 'utf8', timeout: 30_000})
    const has = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0

    const bash = run(
      'bash',
      `source ${script('bash')}; COMP_WORDS=(candor publish --phase i); COMP_CWORD=3; _candor; printf '%s\\n' "\${COMPREPLY[@]}"`,
    )
    expect(bash.stdout.trim().split('\n'), bash.stderr).toEqual(['investigating', 'identified'])

    if (has('zsh')) {
      // _describe and compdef come from compinit; stand-ins print what zsh would offer.
      const zsh = run(
        'zsh',
        `compdef(){}; _files(){ print FILES }; _describe(){ print -l -- "\${(@P)\${@[-1]}}" }; source ${script('zsh')}; words=(candor status -i ''); CURRENT=4; _candor`,
      )
      expect(zsh.stdout.trim().split('\n'), zsh.stderr).toEqual(['voice-1:outage, opened'])
    }
    if (has('fish')) {
      const fish = run('fish', `source ${script('fish')}; complete -C'candor incident o'`)
      expect(fish.stdout.trim().split('\n'), fish.stderr).toEqual([
        'open\tOpen an incident from a playbook and print its id',
      ])
    }
  })

  it('an unknown shell is a usage error', async () => {
    const r = await runCli(['autocomplete', 'tcsh'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Error: "tcsh" is not one of: bash, zsh, fish')
    expect(r.stderr).toContain('Code: invalid_argument')
  })
})

describe('one @oclif/core, and start-up', () => {
  it('help, version and completion are built in: no oclif plugin, so no second @oclif/core', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
      oclif: {plugins?: string[]}
    }
    expect(pkg.oclif.plugins ?? []).toEqual([])
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@oclif/'))).toEqual([])
    // The bundle holds oclif once: its Command class is defined in one file only.
    const files = readdirSync(path.join(ROOT, 'dist'), {recursive: true, withFileTypes: true}).filter(
      (e) => e.isFile() && e.name.endsWith('.js'),
    )
    const copies = files.filter((e) =>
      /^\/\/ (?:\S*\/)?node_modules\/@oclif\/core\/lib\/command\.js$/m.test(
        readFileSync(path.join(e.parentPath, e.name), 'utf8'),
      ),
    )
    expect(copies).toHaveLength(1)
  })

  it('-h, -v, help and __complete load only their own command module, and nothing a publish needs', () => {
    for (const [args, own] of [
      [['-h'], []],
      [['-v'], []],
      [['help', 'publish'], ['commands/help.js']],
      [['__complete', 'bash', '--', 'publish', '--phase', ''], ['commands/__complete.js']],
    ] as const) {
      const run = recordModules(ROOT, BIN, [...args])
      expect(run.code, run.stderr).toBe(0)
      expect(commandModules(run.candor), args.join(' ')).toEqual(own)
      expect(run.forbidden, args.join(' ')).toEqual([])
      expect(
        run.packages.filter((p) => p.startsWith('@oclif/')),
        args.join(' '),
      ).toEqual([])
    }
  })
})

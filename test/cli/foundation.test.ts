import {existsSync, lstatSync, readFileSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir, ROOT} from '../helpers/cli.js'

const SHIPPED = ['outage', 'degraded-performance', 'scheduled-maintenance']

describe('candor preview', () => {
  it('prints exactly one JSON object with every post, part, length and limit', async () => {
    const r = await runCli([
      'preview',
      'playbooks/outage.yaml',
      '--phase',
      'investigating',
      '--facts',
      'playbooks/examples/outage.facts.yaml',
      '--json',
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.playbook).toBe('outage')
    expect(out.phase).toBe('investigating')
    expect(out.posts.map((p: {channel: string}) => p.channel)).toEqual(
      expect.arrayContaining(['x', 'mastodon', 'bluesky', 'facebook', 'blog']),
    )
    for (const post of out.posts) {
      expect(post).toEqual({
        channel: expect.any(String),
        type: expect.any(String),
        target: post.type === 'markdown' || post.type === 'mastodon' ? null : expect.stringMatching(/^https:\/\//),
        parts: expect.any(Array),
        warnings: expect.any(Array),
        errors: [],
        ...(post.title && {title: post.title}),
        ...(post.type === 'mastodon' && {limit_note: expect.stringMatching(/^limit 500\b/)}),
      })
      for (const part of post.parts) {
        expect(part).toEqual({
          text: expect.any(String),
          length: expect.any(Number),
          limit: part.limit === null ? null : expect.any(Number),
        })
        if (part.limit !== null) expect(part.length).toBeLessThanOrEqual(part.limit)
      }
    }
    expect(out.posts.find((p: {channel: string}) => p.channel === 'x').parts[0].text).toContain('Acme Voice')
  })

  it('shows a human preview by default', async () => {
    const r = await runCli([
      'preview',
      'outage',
      '--phase',
      'investigating',
      '--facts',
      'playbooks/examples/outage.facts.yaml',
      '--channel',
      'x',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Preview of outage · investigating (dry run: nothing is sent)')
    expect(r.stdout).toMatch(/└ \d+\/280 weighted characters/)
    expect(r.stdout).toContain('✓ 1 post ready')
  })

  it('names every missing required fact in one line and renders nothing', async () => {
    const r = await runCli(['preview', 'playbooks/outage.yaml', '--phase', 'investigating'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('Error: missing required facts "service", "impact"')
    expect(r.stderr).toContain('Code: facts_missing')
    expect(r.stderr).not.toMatch(/\s+at .*\.js:\d+/)
  })

  it('gives one clear line for an unknown phase, channel, file or --set', async () => {
    const facts = ['--facts', 'playbooks/examples/outage.facts.yaml']
    const phase = await runCli(['preview', 'outage', '--phase', 'fixing', ...facts])
    expect(phase.code).toBe(1)
    expect(phase.stderr).toContain('Error: playbook "outage" has no phase "fixing"')
    expect(phase.stderr).toContain('Try this: Phases: investigating, identified, monitoring, resolved, postmortem')
    const channel = await runCli(['preview', 'outage', '--phase', 'investigating', '--channel', 'myspace', ...facts])
    expect(channel.stderr).toContain('Error: no channel "myspace" in playbook "outage"')
    const file = await runCli(['preview', 'nope.yaml', '--phase', 'investigating'])
    expect(file.stderr).toContain('Error: no playbook at "nope.yaml"')
    const set = await runCli(['preview', 'outage', '--phase', 'investigating', '--set', 'service'])
    expect(set.code).toBe(1)
    expect(set.stderr).toContain('Error: --set "service" is not key=value')
    for (const r of [phase, channel, file, set]) expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('prints a stack trace only with DEBUG', async () => {
    const r = await runCli(
      ['preview', 'outage', '--phase', 'fixing', '--facts', 'playbooks/examples/outage.facts.yaml'],
      {env: {DEBUG: '*'}},
    )
    expect(r.stderr).toMatch(/\n\s+at /)
  })

  it('reports errors as JSON with --json', async () => {
    const r = await runCli([
      'preview',
      'outage',
      '--phase',
      'fixing',
      '--facts',
      'playbooks/examples/outage.facts.yaml',
      '--json',
    ])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'unknown_phase',
        message: 'playbook "outage" has no phase "fixing"',
        suggestions: [expect.stringContaining('Phases:')],
        exit: 1,
      },
    })
  })

  it('exits 1 with the post in the output when a channel that cannot thread is over its limit', async () => {
    const r = await runCli([
      'preview',
      'test/fixtures/playbooks/basic/basic.yaml',
      '--phase',
      'investigating',
      '--set',
      'service=S',
      '--set',
      `impact=${'x'.repeat(2100)}`,
      '--channel',
      'chat',
      '--json',
    ])
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.posts[0].errors[0]).toContain('over the limit of 2000')
  })

  it.each(SHIPPED)('every phase of the shipped %s playbook previews cleanly with its example facts', async (name) => {
    const phases = JSON.parse((await runCli(['playbook', 'list', '--json'])).stdout).playbooks.find(
      (p: {name: string}) => p.name === name,
    ).phases as string[]
    expect(phases.length).toBeGreaterThan(2)
    for (const phase of phases) {
      const r = await runCli([
        'preview',
        `playbooks/${name}.yaml`,
        '--phase',
        phase,
        '--facts',
        `playbooks/examples/${name}.facts.yaml`,
        '--json',
      ])
      expect(r.code, `${name}/${phase}: ${r.stdout}${r.stderr}`).toBe(0)
      const out = JSON.parse(r.stdout)
      for (const post of out.posts) {
        expect(post.errors).toEqual([])
        expect(post.parts.length, `${name}/${phase}/${post.channel} should fit in one post`).toBe(1)
        expect(post.parts[0].text).not.toMatch(/undefined|null|NaN|\[object Object\]|\{\{/)
      }
    }
  })
})

describe('candor playbook validate', () => {
  it('passes every shipped playbook', async () => {
    const r = await runCli(['playbook', 'validate', ...SHIPPED.map((n) => `playbooks/${n}.yaml`)])
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('✓ 3 playbooks are valid')
    expect(r.code).toBe(0)
  })

  it('prints every problem as FILE:LINE:COL and exits 1', async () => {
    const dir = tempDir()
    writeFileSync(
      path.join(dir, 'bad.yaml'),
      'name: bad\nfacts: {}\nchannels:\n  x: { type: x }\nphases:\n  one:\n    posts:\n      x: { text: "{{service}}" }\n      y: { text: "hi" }\n',
    )
    const r = await runCli(['playbook', 'validate', 'bad.yaml'], {cwd: dir})
    expect(r.code).toBe(1)
    expect(r.stdout.trim().split('\n')).toEqual([
      'bad.yaml:8:21: post "one.x": uses fact "service", which the playbook does not declare (declared: none)',
      'bad.yaml:9:7: phase "one" posts to channel "y", which is not defined (channels: x)',
    ])
    expect(r.stderr).toContain('✗ 2 problems in 1 of 1 playbook')
    const json = await runCli(['playbook', 'validate', 'bad.yaml', '--json'], {cwd: dir})
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      problems: 2,
      files: [
        {
          file: 'bad.yaml',
          valid: false,
          problems: [
            {file: 'bad.yaml', line: 8, col: 21},
            {line: 9, col: 7},
          ],
        },
      ],
    })
  })
})

describe('candor playbook list and init', () => {
  it('lists the shipped playbooks with phases and channels', async () => {
    const r = await runCli(['playbook', 'list'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('outage')
    expect(r.stdout).toContain('phases:   investigating → identified → monitoring → resolved → postmortem')
  })

  it('scaffolds a working playbook and refuses to overwrite', async () => {
    const dir = tempDir()
    const first = await runCli(['init', dir, '--json'])
    expect(first.code).toBe(0)
    const created = JSON.parse(first.stdout).created as string[]
    expect(created).toContain(path.join(dir, 'playbooks', 'outage.yaml'))
    expect(created.some((f) => f.includes(path.join('templates', 'outage')))).toBe(true)
    const preview = await runCli(
      [
        'preview',
        'playbooks/outage.yaml',
        '--phase',
        'identified',
        '--facts',
        'playbooks/examples/outage.facts.yaml',
        '--json',
      ],
      {cwd: dir},
    )
    expect(preview.code).toBe(0)
    const before = readFileSync(path.join(dir, 'playbooks', 'outage.yaml'), 'utf8')
    writeFileSync(path.join(dir, 'playbooks', 'outage.yaml'), before + '# mine\n')
    const second = await runCli(['init', dir])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('not overwriting')
    expect(readFileSync(path.join(dir, 'playbooks', 'outage.yaml'), 'utf8')).toBe(before + '# mine\n')
    expect(existsSync(path.join(dir, 'playbooks', 'examples', 'outage.facts.yaml'))).toBe(true)
  })
})

describe('help', () => {
  it.each([
    'preview',
    'playbook validate',
    'playbook list',
    'init',
    'incident open',
    'incident list',
    'incident show',
    'status',
    'publish',
    'retry',
  ])('%s has a description and examples', async (id) => {
    const r = await runCli([...id.split(' '), '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain('USAGE')
  })

  it('candor --help lists the commands', async () => {
    const r = await runCli(['--help'])
    expect(r.stdout).toContain('preview')
    expect(r.stdout).toContain('publish')
  })
})

it('package root has the shipped content the CLI needs, as real files (npm pack leaves out symbolic links)', () => {
  expect(lstatSync(path.join(ROOT, 'playbooks', 'templates')).isDirectory()).toBe(true)
  expect(existsSync(path.join(ROOT, 'playbooks', 'templates', 'outage', 'social', 'investigating.hbs'))).toBe(true)
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {files: string[]}
  expect(pkg.files).toContain('playbooks')
})

it('the package npm would publish holds the bundle, the manifest, and every shipped playbook with its templates', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  })
  expect(r.status, r.stderr).toBe(0)
  const files = new Set((JSON.parse(r.stdout) as Array<{files: Array<{path: string}>}>)[0].files.map((f) => f.path))
  for (const f of [
    'bin/run.js',
    'dist/cli/main.js',
    'dist/commands/preview.js',
    'oclif.manifest.json',
    'playbooks/outage.yaml',
    'playbooks/examples/outage.facts.yaml',
  ])
    expect(files, f).toContain(f)
  // Every template a shipped playbook names is in the package.
  for (const playbook of ['outage', 'degraded-performance', 'scheduled-maintenance']) {
    const text = readFileSync(path.join(ROOT, 'playbooks', `${playbook}.yaml`), 'utf8')
    const templates = [...text.matchAll(/template:\s*([^\s}]+)/g)].map((m) => `playbooks/${m[1]}`)
    expect(templates.length, playbook).toBeGreaterThan(0)
    for (const t of templates) expect(files, t).toContain(t)
  }
  expect([...files].some((f) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false)
})

describe('DEBUG', () => {
  it("adds a stack trace that names the source files (through the bundle's source maps); without it, one line", async () => {
    const debug = await runCli(['preview', 'playbooks/outage.yaml'], {env: {DEBUG: '1'}})
    expect(debug.code).not.toBe(0)
    expect(debug.stderr).toMatch(/ at .*src\/commands\/preview\.ts:\d+:\d+/)
    const plain = await runCli(['preview', 'playbooks/outage.yaml'], {env: {DEBUG: undefined}})
    expect(plain.code).not.toBe(0)
    expect(plain.stderr).not.toMatch(/ at /)
  })
})

describe('secrets under DEBUG', () => {
  it('masks a store password given on the command line, even in what oclif logs before a command starts', async () => {
    const url = 'postgres://candor:hunter2-on-the-command-line@127.0.0.1:1/candor'
    const r = await runCli(['status', '--store', url], {
      env: {DEBUG: '*', CANDOR_STORE: undefined, CANDOR_STATE_DIR: tempDir()},
    })
    const everything = r.stdout + r.stderr
    expect(r.code).not.toBe(0) // nothing listens on port 1
    expect(everything).toContain('oclif') // the debug log is there
    expect(everything).toContain('postgres://candor:••••@127.0.0.1:1/candor')
    expect(everything).not.toContain('hunter2-on-the-command-line')
  })
})

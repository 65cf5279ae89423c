import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, runCli, tempDir} from '../helpers/cli.js'

const ENV = {CANDOR_STATE_DIR: undefined, CANDOR_STORE: undefined, CANDOR_USER: 'Dana'}

/** A blog-only playbook with a status page fact (no network needed to publish). */
function blogProject(statusDefault?: string) {
  const root = tempDir()
  mkdirSync(path.join(root, 'playbooks'))
  writeFileSync(
    path.join(root, 'playbooks', 'blog.yaml'),
    `name: blog
facts:
  service: { required: true }
  impact: { required: true }
  status_url: {${statusDefault ? ` default: "${statusDefault}"` : ''} }
channels:
  blog: { type: markdown, dir: posts }
phases:
  investigating:
    posts:
      blog: { text: "We are investigating problems with {{service}}: {{impact}}. {{status_url}}" }
`,
  )
  const cli = (args: string[]) => runCli(args, {cwd: root, env: ENV})
  return {root, cli}
}

describe('playbook lint: placeholders of the shipped examples, doubled punctuation', () => {
  it('warns where the playbook itself would post a placeholder, and where a fact doubles the full stop', async () => {
    const dir = tempDir()
    writeFileSync(
      path.join(dir, 'p.yaml'),
      `name: p
facts:
  service: { required: true }
  impact: { required: true }
  status_url: { default: "https://status.example.com" }
examples:
  service: Voice
  impact: Calls fail.
channels:
  x: { type: x }
  site: { type: site, dir: public, title: "Acme status" }
phases:
  investigating:
    next_update: 20m
    posts:
      x: { text: "We're investigating problems with {{service}}, and we're sorry. {{impact}}. Next update by {{time @next_update}}. {{status_url}} The Acme team" }
  resolved:
    posts:
      x: { text: "{{service}} works again. Sorry for the trouble." }
      site: { text: "{{service}} works again." }
`,
    )
    const r = await runCli(['playbook', 'lint', 'p.yaml', '--json'], {cwd: dir})
    expect(r.code, r.stderr).toBe(0)
    const findings = JSON.parse(r.stdout).findings.filter(
      (f: {rule: string}) => f.rule === 'placeholder' || f.rule === 'punctuation',
    )
    expect(findings).toEqual([
      expect.objectContaining({
        line: 5,
        rule: 'placeholder',
        message: expect.stringContaining(
          'fact "status_url" defaults to a placeholder ("https://status.example.com" is the example status page)',
        ),
      }),
      expect.objectContaining({
        line: 11,
        rule: 'placeholder',
        message: expect.stringContaining('channel "site" title: "Acme" is the example company'),
      }),
      expect.objectContaining({
        line: 16,
        rule: 'placeholder',
        message: expect.stringContaining('post "investigating.x": "Acme" is the example company'),
      }),
      expect.objectContaining({
        line: 16,
        rule: 'punctuation',
        message: expect.stringContaining(
          'fact "impact" ends with "." and the template ends the sentence too ("…Calls fail..")',
        ),
      }),
    ])
    const clean = await runCli(['playbook', 'lint', 'p.yaml', '--strict', '--facts', 'facts.yaml'], {
      cwd: dir,
      input: '',
    })
    expect(clean.code).toBe(1) // the file is missing: still an error, not a crash
    writeFileSync(path.join(dir, 'facts.yaml'), 'impact: Calls fail\n')
    const fixed = await runCli(['playbook', 'lint', 'p.yaml', '--facts', 'facts.yaml', '--json'], {cwd: dir})
    expect(JSON.parse(fixed.stdout).findings.filter((f: {rule: string}) => f.rule === 'punctuation')).toEqual([])
  })
})

describe('publish and the example status page', () => {
  it('refuses to send customers to https://status.example.com when it came with the facts; --allow placeholder overrides, journaled', async () => {
    const {root, cli} = blogProject()
    expect(
      (
        await cli([
          'incident',
          'open',
          'blog',
          '--id',
          'voice',
          '--set',
          'service=Voice',
          '--set',
          'impact=Calls fail',
          '--set',
          'status_url=https://status.example.com',
        ])
      ).code,
    ).toBe(0)
    const refused = await cli(['publish', '-p', 'investigating', '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      'policy rule "placeholder": "https://status.example.com" is the example status page, not yours',
    )
    expect(existsSync(path.join(root, 'posts'))).toBe(false)

    const allowed = await cli(['publish', '-p', 'investigating', '--yes', '--allow', 'placeholder'])
    expect(allowed.code, allowed.stderr).toBe(0)
    const journal = readFileSync(path.join(root, '.candor', 'incidents', 'voice.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(journal.find((e) => e.type === 'policy_override')).toMatchObject({by: 'Dana', rules: ['placeholder']})
  })

  it('publishes it when the playbook itself gives it as the default', async () => {
    const {root, cli} = blogProject('https://status.example.com')
    expect(
      (await cli(['incident', 'open', 'blog', '--id', 'voice', '--set', 'service=Voice', '--set', 'impact=Calls fail']))
        .code,
    ).toBe(0)
    const r = await cli(['publish', '-p', 'investigating', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(path.join(root, 'posts', readdirSync(path.join(root, 'posts'))[0]), 'utf8')).toContain(
      'https://status.example.com',
    )
  })
})

/** The shell commands of the README's "Working an incident" block, comments stripped. */
function readmeIncidentCommands(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const block = /## Working an incident\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1]
  expect(block).toBeDefined()
  return block!
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

describe('the first ten minutes', () => {
  it('candor init writes facts.yaml, prints a short list of next steps, and the README\'s "Working an incident" runs as written after it', async () => {
    const dir = tempDir()
    const init = await runCli(['init'], {cwd: dir, env: ENV})
    expect(init.code, init.stderr).toBe(0)
    const lines = init.stdout.trim().split('\n')
    expect(lines.length).toBeLessThan(12)
    expect(init.stdout).not.toMatch(/^created /m)
    expect(init.stdout).toContain('Next steps:')
    expect(init.stdout).toContain('candor preview outage --phase investigating --facts facts.yaml')
    const facts = readFileSync(path.join(dir, 'facts.yaml'), 'utf8')
    expect(facts).toMatch(/^service: /m)
    expect(facts).not.toMatch(/^status_url:/m) // left for the user to set

    // A `candor` on PATH that is this build; publishing runs as a dry run with stand-in credentials (never the network).
    const bin = path.join(dir, '.bin')
    mkdirSync(bin)
    writeFileSync(path.join(bin, 'candor'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
    chmodSync(path.join(bin, 'candor'), 0o755)
    const credentials = {
      CANDOR_X_APP_KEY: 'k',
      CANDOR_X_APP_SECRET: 's',
      CANDOR_X_ACCESS_TOKEN: 't',
      CANDOR_X_ACCESS_SECRET: 'a',
      CANDOR_MASTODON_ACCESS_TOKEN: 'm',
      CANDOR_MASTODON_INSTANCE: 'https://mastodon.example',
      CANDOR_BLUESKY_IDENTIFIER: 'b',
      CANDOR_BLUESKY_APP_PASSWORD: 'p',
      CANDOR_FACEBOOK_PAGE_TOKEN: 'f',
    }
    const env = {
      ...process.env,
      ...credentials,
      PATH: `${bin}:${process.env.PATH}`,
      NO_COLOR: '1',
      CANDOR_STATE_DIR: '',
      CANDOR_STORE: '',
      CANDOR_USER: 'Dana',
    }
    let id = ''
    const commands = readmeIncidentCommands()
    expect(commands[0]).toBe('candor init')
    expect(commands.some((c) => c.startsWith('candor incident open'))).toBe(true)
    for (const written of commands.slice(1)) {
      let command = written.replace(/2026-11-25-acme-voice/g, id)
      if (/^candor publish\b/.test(command)) command += ' --dry-run'
      const r = spawnSync('sh', ['-c', command], {cwd: dir, env, encoding: 'utf8', timeout: 30_000})
      expect(r.status, `${command}\n${r.stdout}\n${r.stderr}`).toBe(0)
      if (command.startsWith('candor incident open')) id = r.stdout.trim()
    }
    expect(id).toMatch(/^\d{4}-\d\d-\d\d-acme-voice$/)
  })

  it('the README says what an error prints: the message, its code, what to try', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
    expect(readme).not.toContain('Errors are one line')
    expect(readme).toContain('(`Error: …`, `Code: …`, `Try this: …`')
    const r = await runCli([
      'preview',
      'outage',
      '--phase',
      'fixing',
      '--facts',
      'playbooks/examples/outage.facts.yaml',
    ])
    expect(
      r.stderr
        .trim()
        .split('\n')
        .map((l) => l.split(':')[0]),
    ).toEqual(['Error', 'Code', 'Try this'])
  })

  it('ships a LICENSE (MIT, as package.json says) and keeps npm pack tarballs out of git', () => {
    expect(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).license).toBe('MIT')
    const license = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 Candor contributors\n/)
    expect(readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('*.tgz')
  })
})

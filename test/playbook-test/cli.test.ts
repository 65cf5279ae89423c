import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {INVESTIGATING, writeFile, writeProject} from './project.js'

// Runs the built CLI: `npm run build` first.

describe('candor playbook test (the CLI)', () => {
  it('passes on the shipped playbooks as committed (a fresh clone)', async () => {
    const r = await runCli([
      'playbook',
      'test',
      'playbooks/outage.yaml',
      'degraded-performance',
      'scheduled-maintenance',
    ])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('✓ playbooks/outage.yaml matches playbooks/__snapshots__/outage.snap.md')
    expect(r.stdout.trim().split('\n')).toHaveLength(3)
    // Nor does the machine's time zone change a word.
    const elsewhere = await runCli(['playbook', 'test', 'playbooks/outage.yaml'], {env: {TZ: 'Pacific/Kiritimati'}})
    expect(elsewhere.code, elsewhere.stdout).toBe(0)
  })

  it('missing snapshot: exit 1 and how to write it; --update writes it and says so; then exit 0', async () => {
    const {dir} = writeProject()
    const missing = await runCli(['playbook', 'test', 'playbooks/tiny.yaml'], {cwd: dir})
    expect(missing.code).toBe(1)
    expect(missing.stdout).toContain(
      '✗ playbooks/tiny.yaml: no snapshot at playbooks/__snapshots__/tiny.snap.md; run `candor playbook test --update playbooks/tiny.yaml` to write it',
    )
    expect(existsSync(path.join(dir, 'playbooks', '__snapshots__', 'tiny.snap.md'))).toBe(false)

    const update = await runCli(['playbook', 'test', 'tiny', '--update'], {cwd: dir})
    expect(update.code, update.stderr).toBe(0)
    expect(update.stdout.trim()).toBe('Wrote playbooks/__snapshots__/tiny.snap.md (new)')

    const pass = await runCli(['playbook', 'test', 'tiny'], {cwd: dir})
    expect(pass.code, pass.stdout).toBe(0)
  })

  it('a changed template: exit 1, the posts that changed and a unified diff', async () => {
    const {dir} = writeProject()
    await runCli(['playbook', 'test', 'tiny', '-u'], {cwd: dir})
    writeFile(dir, 'playbooks/templates/investigating.hbs', INVESTIGATING.replace('sorry', 'very sorry'))
    const r = await runCli(['playbook', 'test', 'tiny'], {cwd: dir})
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      '✗ playbooks/tiny.yaml differs from playbooks/__snapshots__/tiny.snap.md:\n  changed: investigating › x › en\n  changed: investigating › mastodon › en\n--- playbooks/__snapshots__/tiny.snap.md (snapshot)\n+++ playbooks/tiny.yaml (rendered now)\n@@ ',
    )
    expect(r.stdout).toContain("\n+We're investigating a problem with Acme Voice, very sorry. Calls fail.\n")
    expect(r.stderr).toContain(
      '✗ 1 of 1 playbook failed; if the changes are intended, run `candor playbook test --update playbooks/tiny.yaml`',
    )
    expect(r.stdout).not.toContain('\u001b[') // no colour off a terminal
  })

  it('--json: {playbooks: [{playbook, snapshot, status, diff?}]}, exit 1 when any fails', async () => {
    const {dir} = writeProject()
    writeFile(dir, 'playbooks/other.yaml', readFileSync(path.join(dir, 'playbooks/tiny.yaml'), 'utf8'))
    await runCli(['playbook', 'test', 'playbooks/tiny.yaml', '--update'], {cwd: dir})
    writeFile(dir, 'playbooks/templates/investigating.hbs', 'Down: {{service}}.')
    const r = await runCli(['playbook', 'test', 'playbooks/tiny.yaml', 'playbooks/other.yaml', '--json'], {cwd: dir})
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.ok).toBe(false)
    expect(out.playbooks).toEqual([
      {
        playbook: 'playbooks/tiny.yaml',
        snapshot: 'playbooks/__snapshots__/tiny.snap.md',
        status: 'fail',
        diff: expect.stringContaining('\n+Down: Acme Voice.\n'),
        changes: {added: [], removed: [], changed: ['investigating › x › en', 'investigating › mastodon › en']},
      },
      {playbook: 'playbooks/other.yaml', snapshot: 'playbooks/__snapshots__/other.snap.md', status: 'missing'},
    ])

    const written = await runCli(['playbook', 'test', 'playbooks/tiny.yaml', 'other', '--json', '--update'], {
      cwd: dir,
    })
    expect(written.code).toBe(0)
    expect(JSON.parse(written.stdout).playbooks.map((p: {status: string}) => p.status)).toEqual(['written', 'written'])
    const pass = await runCli(['playbook', 'test', 'playbooks/tiny.yaml', 'other', '--json'], {cwd: dir})
    expect(JSON.parse(pass.stdout)).toEqual({
      ok: true,
      playbooks: [
        {playbook: 'playbooks/tiny.yaml', snapshot: 'playbooks/__snapshots__/tiny.snap.md', status: 'pass'},
        {playbook: 'playbooks/other.yaml', snapshot: 'playbooks/__snapshots__/other.snap.md', status: 'pass'},
      ],
    })
  })

  it('bad input: a playbook that does not load, unreadable facts: one error, exit 1', async () => {
    const {dir} = writeProject({'playbooks/broken.yaml': 'name: broken\nphases: [\n'})
    const broken = await runCli(['playbook', 'test', 'tiny', 'playbooks/broken.yaml', '--update'], {cwd: dir})
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/^Error: invalid playbook: .*broken\.yaml:\d+:\d+: .*\nCode: playbook_invalid\n/)
    expect(existsSync(path.join(dir, 'playbooks', '__snapshots__'))).toBe(false) // tiny's was not written either

    const facts = await runCli(['playbook', 'test', 'tiny', '--facts', 'nope.yaml'], {cwd: dir})
    expect(facts.code).toBe(1)
    expect(facts.stderr).toMatch(/^Error: cannot read facts file nope\.yaml: no such file\nCode: facts_unreadable\n/)

    const json = await runCli(['playbook', 'test', 'nope', '--json'], {cwd: dir})
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout).error.code).toBe('playbook_not_found')

    const none = await runCli(['playbook', 'test'], {cwd: dir})
    expect(none.code).toBe(2)
  })
})

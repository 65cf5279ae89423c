import {spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import {describe, expect, it} from 'vitest'
import {playbooksWorkflowText, WORKFLOW_PATH} from '../../src/cli/scaffold.js'
import {BIN, ROOT, runCli, tempDir} from '../helpers/cli.js'

interface Step {
  name?: string
  id?: string
  uses?: string
  with?: Record<string, unknown>
  run?: string
  if?: string
}

function parseWorkflow(text: string) {
  // JSON_SCHEMA: `on` stays the key "on" (YAML 1.1 would read it as true, as GitHub does not).
  return yaml.load(text, {schema: yaml.JSON_SCHEMA}) as {
    name: string
    on: Record<string, {paths?: string[]; branches?: string[]}>
    permissions: Record<string, string>
    jobs: Record<string, {'runs-on': string; steps: Step[]}>
  }
}

/** The shell script of the step whose run line mentions `needle`. */
function stepRunning(steps: Step[], needle: string): Step {
  const step = steps.find((s) => s.run?.includes(needle))
  expect(step, `a step running ${needle}`).toBeDefined()
  return step!
}

/** A folder on PATH with a `candor` command: `script` is its body (sh). */
function candorOnPath(script: string): string {
  const bin = tempDir('candor-bin-')
  writeFileSync(path.join(bin, 'candor'), `#!/bin/sh\n${script}\n`)
  chmodSync(path.join(bin, 'candor'), 0o755)
  return bin
}

/** Runs a step's script as GitHub's runner does on Linux (`bash -e`), in `cwd`. */
function runStep(step: Step, cwd: string, bin: string) {
  return spawnSync('bash', ['-e', '-c', step.run!], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: {...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', CANDOR_STATE_DIR: '', CANDOR_STORE: ''},
  })
}

describe('the workflow candor init writes', () => {
  const text = playbooksWorkflowText('1.2.3')
  const workflow = parseWorkflow(text)
  const steps = workflow.jobs.playbooks.steps

  it('runs on pull requests that touch playbooks/, and on nothing else', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request'])
    expect(workflow.on.pull_request.paths).toContain('playbooks/**')
    expect(workflow.permissions).toEqual({contents: 'read'})
    expect(workflow.jobs.playbooks['runs-on']).toBe('ubuntu-latest')
  })

  it('sets up Node 20, installs the Candor that wrote it (saying so), then validates, lints strictly, tests and rehearses', () => {
    expect(steps[0].uses).toMatch(/^actions\/checkout@v\d+$/)
    expect(steps[1].uses).toMatch(/^actions\/setup-node@v\d+$/)
    expect(steps[1].with).toEqual({'node-version': 20})
    expect(steps[2]).toMatchObject({id: 'install', run: 'npm install --global candor@1.2.3'})
    expect(text).toMatch(/^# Assumes Candor comes from the npm registry as the package "candor", pinned/m)
    const order = [
      'candor playbook validate playbooks/*.yaml',
      'candor playbook lint --strict',
      'candor playbook test playbooks/*.yaml',
      'candor rehearse',
    ].map((needle) => steps.indexOf(stepRunning(steps, needle)))
    expect(order).toEqual([3, 4, 5, 6])
    // Every check runs even when one before it failed (one run shows every problem), never without Candor.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
    for (const step of steps.slice(3)) expect(step.if).toBe("${{ !cancelled() && steps.install.outcome == 'success' }}")
    expect(steps).toHaveLength(7)
  })

  it('lints and rehearses every playbook with its example facts file where there is one, failing if any fails', () => {
    const dir = tempDir()
    for (const name of ['a', 'b', 'c']) {
      mkdirSync(path.join(dir, 'playbooks', 'examples'), {recursive: true})
      writeFileSync(path.join(dir, 'playbooks', `${name}.yaml`), '')
    }
    writeFileSync(path.join(dir, 'playbooks', 'examples', 'a.facts.yaml'), '')
    const log = path.join(dir, 'calls.log')
    // Fails on b only; logs every call.
    const bin = candorOnPath(`echo "$*" >> "${log}"\ncase "$*" in *b.yaml*) exit 1;; esac`)
    for (const [needle, command] of [
      ['candor playbook lint --strict', 'playbook lint --strict'],
      ['candor rehearse', 'rehearse'],
    ]) {
      writeFileSync(log, '')
      const r = runStep(stepRunning(steps, needle), dir, bin)
      expect(r.status, r.stderr).toBe(1)
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
        `${command} playbooks/a.yaml --facts playbooks/examples/a.facts.yaml`,
        `${command} playbooks/b.yaml`,
        `${command} playbooks/c.yaml`, // still run after b failed
      ])
    }
    const ok = runStep(stepRunning(steps, 'candor playbook lint'), dir, candorOnPath('exit 0'))
    expect(ok.status).toBe(0)
  })
})

// Runs the built CLI: `npm run build` first.
describe('candor init', () => {
  it('scaffolds the snapshot and the workflow; the checks in it pass on the scaffolded project', async () => {
    const dir = tempDir()
    const init = await runCli(['init', '--example', 'scheduled-maintenance'], {cwd: dir})
    expect(init.code, init.stderr).toBe(0)
    expect(init.stdout).toContain(
      'and .github/workflows/playbooks.yml (checks playbooks/ on every pull request: commit it)',
    )
    expect(init.stdout).toContain('candor playbook test scheduled-maintenance')
    expect(init.stdout.trim().split('\n').length).toBeLessThan(12)
    const snapshot = path.join(dir, 'playbooks', '__snapshots__', 'scheduled-maintenance.snap.md')
    expect(readFileSync(snapshot, 'utf8')).toBe(
      readFileSync(path.join(ROOT, 'playbooks', '__snapshots__', 'scheduled-maintenance.snap.md'), 'utf8'),
    )
    expect(WORKFLOW_PATH).toBe(path.join('.github', 'workflows', 'playbooks.yml'))
    const text = readFileSync(path.join(dir, WORKFLOW_PATH), 'utf8')
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version
    expect(text).toBe(playbooksWorkflowText(version))

    // The workflow's checks, as written, with this build as `candor` (rehearse is left out: it needs the sandbox).
    const bin = candorOnPath(`exec "${process.execPath}" "${BIN}" "$@"`)
    const steps = parseWorkflow(text).jobs.playbooks.steps
    for (const needle of ['candor playbook validate', 'candor playbook lint', 'candor playbook test']) {
      const r = runStep(stepRunning(steps, needle), dir, bin)
      expect(r.status, `${needle}\n${r.stdout}\n${r.stderr}`).toBe(0)
    }

    // A changed template fails the snapshot step.
    const template = path.join(dir, 'playbooks', 'templates', 'scheduled-maintenance')
    const social = path.join(template, 'social', readdirSync(path.join(template, 'social'))[0])
    writeFileSync(social, `${readFileSync(social, 'utf8')}\nThank you for your patience.`)
    const changed = runStep(stepRunning(steps, 'candor playbook test'), dir, bin)
    expect(changed.status).toBe(1)
    expect(changed.stdout).toContain('+Thank you for your patience.')
  })

  it('writes nothing when the workflow exists already', async () => {
    const dir = tempDir()
    mkdirSync(path.join(dir, '.github', 'workflows'), {recursive: true})
    writeFileSync(path.join(dir, WORKFLOW_PATH), 'name: mine\n')
    const r = await runCli(['init', dir, '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).error.code).toBe('scaffold_exists')
    expect(JSON.parse(r.stdout).error.message).toContain(path.join(dir, WORKFLOW_PATH))
    expect(existsSync(path.join(dir, 'playbooks'))).toBe(false)
    expect(existsSync(path.join(dir, 'facts.yaml'))).toBe(false)
    expect(readFileSync(path.join(dir, WORKFLOW_PATH), 'utf8')).toBe('name: mine\n')
  })

  it('reports the snapshot and the workflow in --json', async () => {
    const dir = tempDir()
    const r = await runCli(['init', dir, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.snapshot).toBe(path.join(dir, 'playbooks', '__snapshots__', 'outage.snap.md'))
    expect(out.workflow).toBe(path.join(dir, WORKFLOW_PATH))
    expect(out.created).toEqual(expect.arrayContaining([out.snapshot, out.workflow]))
    const test = await runCli(['playbook', 'test', 'outage'], {cwd: dir})
    expect(test.code, test.stdout).toBe(0)
  })
})

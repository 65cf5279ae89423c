import {spawn} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = path.join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs the built CLI (`bin/run.js`) as a child process, the way a user or a runbook
 * does: no TTY, so no prompts and no colours.
 */
export interface RunCliOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  input?: string
  timeoutMs?: number
  /** Called with all of stderr so far each time more arrives: lets a test wait on what the command says. */
  onStderr?: (stderr: string) => void
}

export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      NO_COLOR: '1',
      FORCE_COLOR: undefined,
      DEBUG: undefined,
      ...opts.env,
    }
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      opts.onStderr?.(stderr)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr})
    })
    child.stdin.end(opts.input ?? '')
  })
}

export function tempDir(prefix = 'candor-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Writes a playbook's YAML into a new temporary folder: the folder (for its state) and the file. */
export function writePlaybook(yaml: string, name = 'incident.yaml'): {dir: string; playbook: string} {
  const dir = tempDir()
  const playbook = path.join(dir, name)
  writeFileSync(playbook, yaml)
  return {dir, playbook}
}

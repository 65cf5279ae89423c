/**
 * For `candor rehearse` tests: a copy of the shipped playbooks in a temporary folder (so a
 * test can break one), and a rehearsal run in-process against a real sandbox on a free port
 * with a store in a temporary folder.
 */
import {cpSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {startSandbox} from '../../src/infrastructure/sandbox/sandbox-server.js'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {type RehearsalReport, rehearsePlaybook} from '../../src/services/rehearsal/rehearse.js'
import type {ReceivedPost} from '../../src/services/rehearsal/threads.js'
import {ROOT, tempDir} from '../helpers/cli.js'

/** The shipped playbooks, copied: returns the folder holding `playbooks/`. */
export function copyShipped(): string {
  const dir = tempDir('candor-rehearse-')
  cpSync(path.join(ROOT, 'playbooks'), path.join(dir, 'playbooks'), {recursive: true})
  return dir
}

/** Changes a file of the copy. */
export function edit(dir: string, file: string, change: (text: string) => string): void {
  const full = path.join(dir, 'playbooks', file)
  writeFileSync(full, change(readFileSync(full, 'utf8')))
}

/** Writes a facts file into the copy and returns its path. */
export function factsFile(dir: string, yaml: string): string {
  const file = path.join(dir, 'facts.yaml')
  writeFileSync(file, yaml)
  return file
}

export interface Rehearsed {
  report: RehearsalReport
  received: ReceivedPost[]
  stateDir: string
}

/** Rehearses a playbook in-process, as the command does. */
export async function rehearse(
  playbook: string,
  opts: {factsFile?: string; start?: Date; env?: Record<string, string>} = {},
): Promise<Rehearsed> {
  const sandbox = await startSandbox({port: 0, host: '127.0.0.1'})
  const stateDir = tempDir('candor-rehearse-state-')
  try {
    const report = await rehearsePlaybook(
      {playbook, factsFile: opts.factsFile, start: opts.start, actor: 'tester', env: opts.env ?? {}},
      {sandbox: sandbox.url, received: () => sandbox.posts(), store: new FileIncidentStore(stateDir)},
    )
    return {report, received: sandbox.posts(), stateDir}
  } finally {
    await sandbox.close()
  }
}

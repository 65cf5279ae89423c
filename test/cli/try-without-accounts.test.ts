import {spawn, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {waitFor, within} from '../helpers/wait.js'
import {ROOT, tempDir} from '../helpers/cli.js'

/** The shell blocks of the README's "Try it without any accounts" section, comments stripped. */
function sectionBlocks(): string[][] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const section = /## Try it without any accounts\n([\s\S]*?)\n## /.exec(readme)?.[1]
  expect(section, 'README has a "Try it without any accounts" section').toBeDefined()
  return [...section!.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l !== ''),
  )
}

interface SandboxPost {
  channel: string
  type: string
  id: string
  text: string
  reply_to: string | null
}

let stopSandbox: (() => void) | undefined
afterEach(() => stopSandbox?.())

describe('README: try it without any accounts', () => {
  it('runs as written: the sandbox, a rehearsal, two updates threaded on the page, Ctrl-C ends it cleanly', async () => {
    const [start, work, rehearse] = sectionBlocks()
    expect(start).toHaveLength(1)
    // `npm ci && npm run build` already ran for this suite: start the last command of the line.
    const sandboxCommand = start[0].split('&&').at(-1)!.trim()
    expect(sandboxCommand).toBe('./bin/run.js sandbox')
    const env = {...process.env, NO_COLOR: '1', CANDOR_STATE_DIR: tempDir(), CANDOR_STORE: '', CANDOR_SANDBOX: ''}

    const sandbox = spawn('sh', ['-c', `exec ${sandboxCommand}`], {cwd: ROOT, env})
    stopSandbox = () => sandbox.kill('SIGKILL')
    let out = ''
    sandbox.stdout.on('data', (d) => (out += d))
    sandbox.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => sandbox.on('close', resolve))
    await waitFor(() => out.includes('Ctrl-C to stop'), {what: 'the sandbox to listen', timeoutMs: 15_000})
    expect(out).toContain('http://127.0.0.1:4477')

    expect(work.some((c) => c.includes('--sandbox'))).toBe(true)
    for (const command of work) {
      const r = spawnSync('sh', ['-c', command], {cwd: ROOT, env, encoding: 'utf8', timeout: 60_000})
      expect(r.status, `${command}\n${r.stdout}\n${r.stderr}`).toBe(0)
      if (command.includes(' status')) expect(r.stdout).toContain('REHEARSAL')
    }

    const posts = (await (await fetch('http://127.0.0.1:4477/api/posts')).json()) as SandboxPost[]
    // Every network channel of the outage playbook got both updates, the second threaded under the first.
    for (const channel of ['x', 'mastodon', 'bluesky']) {
      const own = posts.filter((p) => p.channel === channel)
      expect(own, channel).toHaveLength(2)
      const [first, second] = own
      expect(first.reply_to, channel).toBeNull()
      expect(second.reply_to, channel).toBe(first.id)
      expect(second.text).toContain('found the cause')
    }
    const page = await (await fetch('http://127.0.0.1:4477/')).text()
    expect(page).toContain('found the cause')

    sandbox.kill('SIGINT')
    expect(await within(exited, {what: 'the sandbox to stop on Ctrl-C'})).toBe(0)
    stopSandbox = undefined

    // The one-command rehearsal brings its own sandbox.
    expect(rehearse).toEqual(['./bin/run.js rehearse playbooks/outage.yaml'])
    const r = spawnSync('sh', ['-c', rehearse[0]], {cwd: ROOT, env, encoding: 'utf8', timeout: 60_000})
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).toContain('would have gone out cleanly')
  })
})

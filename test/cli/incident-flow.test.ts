import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {spawnSync} from 'node:child_process'
import {BIN, runCli, tempDir} from '../helpers/cli.js'

/** A playbook that posts only to a Markdown blog: the whole incident flow runs without network. */
const PLAYBOOK = `name: blog
facts:
  service: { required: true }
  impact: { required: true }
channels:
  blog: { type: markdown, dir: posts }
phases:
  investigating:
    next_update: 30m
    posts:
      blog: { text: "We are investigating problems with {{service}}: {{impact}}." }
  resolved:
    posts:
      blog: { text: "{{service}} works again." }
  postmortem:
    posts:
      blog: { text: "What happened to {{service}}." }
`

/** The Markdown channel's post of an incident (files are named DATE-ID.md). */
function post(root: string, id: string): string {
  const dir = path.join(root, 'posts')
  const file = existsSync(dir)
    ? readdirSync(dir).find((f) => new RegExp(`^\\d{4}-\\d\\d-\\d\\d-${id}\\.md$`).test(f))
    : undefined
  return file ? path.join(dir, file) : path.join(dir, `(no post of ${id})`)
}

/** A project folder with `playbooks/blog.yaml` (and no .candor yet); the CLI runs in `cwd` (default: the project). */
function project() {
  const root = path.join(tempDir(), 'project')
  mkdirSync(path.join(root, 'playbooks'), {recursive: true})
  writeFileSync(path.join(root, 'playbooks', 'blog.yaml'), PLAYBOOK)
  const cli = (args: string[], opts: {cwd?: string; root?: string} = {}) =>
    runCli(args, {
      cwd: opts.cwd ?? opts.root ?? root,
      env: {CANDOR_STATE_DIR: undefined, CANDOR_STORE: undefined, CANDOR_USER: 'Dana'},
    })
  const open = async (id: string, service = 'Acme Voice') => {
    const r = await cli([
      'incident',
      'open',
      'blog',
      '--id',
      id,
      '--set',
      `service=${service}`,
      '--set',
      'impact=Calls fail',
    ])
    expect(r.code, r.stderr).toBe(0)
  }
  return {root, cli, open}
}

describe('naming an incident: -i/--incident everywhere, the positional ID as shorthand', () => {
  it('incident show and incident timeline take -i, --incident and the positional ID', async () => {
    const {cli, open} = project()
    await open('one')
    await open('two', 'Acme Mail')
    for (const args of [
      ['incident', 'show', '-i', 'one'],
      ['incident', 'show', '--incident', 'one'],
      ['incident', 'show', 'one'],
      ['incident', 'timeline', '-i', 'one', '--json'],
      ['incident', 'timeline', 'one', '--json'],
    ]) {
      const r = await cli([...args, ...(args.includes('--json') ? [] : ['--json'])])
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
      expect(JSON.parse(r.stdout).incident).toBe('one')
    }
    const both = await cli(['incident', 'show', 'one', '-i', 'two'])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('two incidents named: one and --incident two')
  })
})

describe('defaults when no incident is open', () => {
  it('after publish -p resolved, status, incident show and incident timeline show the most recent incident and say which on stderr', async () => {
    const {cli, open} = project()
    await open('older')
    expect((await cli(['incident', 'close', 'older', '--reason', 'false alarm'])).code).toBe(0)
    await open('voice')
    expect((await cli(['publish', '-p', 'investigating', '--yes'])).code).toBe(0)
    const resolved = await cli(['publish', '-p', 'resolved', '--yes'])
    expect(resolved.code, resolved.stderr).toBe(0)

    const status = await cli(['status', '--json'])
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({incident: 'voice', resolved: true})
    expect(status.stderr).toMatch(/showing voice, resolved (less than a minute|\d+ minutes?) ago/)
    const show = await cli(['incident', 'show'])
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toMatch(/^voice {2}resolved/)
    expect(show.stderr).toContain('showing voice, resolved')
    const timeline = await cli(['incident', 'timeline', '--json'])
    expect(timeline.code, timeline.stderr).toBe(0)
    expect(JSON.parse(timeline.stdout).incident).toBe('voice')
    expect(timeline.stderr).toContain('showing voice, resolved')
  })

  it('publish -p postmortem goes to the most recently resolved incident; other phases still need an open incident', async () => {
    const {root, cli, open} = project()
    await open('first')
    expect((await cli(['publish', '-p', 'resolved', '--yes'])).code).toBe(0)
    await open('second', 'Acme Mail')
    expect((await cli(['publish', '-p', 'resolved', '--yes'])).code).toBe(0)

    const again = await cli(['publish', '-p', 'investigating', '--yes'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('no open incident')
    expect(again.stderr).toContain('--incident second')

    const postmortem = await cli(['publish', '-p', 'postmortem', '--yes', '--json'])
    expect(postmortem.code, postmortem.stderr).toBe(0)
    expect(postmortem.stderr).toContain('publishing to second, resolved')
    expect(JSON.parse(postmortem.stdout).incident).toBe('second')
    expect(readFileSync(post(root, 'second'), 'utf8')).toContain('What happened to Acme Mail.')
    expect(readFileSync(post(root, 'first'), 'utf8')).not.toContain('What happened')
  })

  it('retry without an id finds the most recent incident with deliveries left to send', async () => {
    const {root, cli, open} = project()
    writeFileSync(
      path.join(root, 'playbooks', 'blog.yaml'),
      PLAYBOOK.replace(
        '  blog: { type: markdown, dir: posts }',
        '  blog: { type: markdown, dir: posts }\n  mirror: { type: markdown, dir: mirror }',
      ).replaceAll(/^(      blog: (.*))$/gm, '$1\n      mirror: $2'),
    )
    await open('voice')
    writeFileSync(path.join(root, 'mirror'), 'a file where the folder should be')
    const resolved = await cli(['publish', '-p', 'resolved', '--yes'])
    expect(resolved.code, resolved.stderr).toBe(3) // resolved on the blog, failed on the mirror
    rmSync(path.join(root, 'mirror'))
    const retry = await cli(['retry', '--json'])
    expect(retry.code, retry.stderr).toBe(0)
    expect(retry.stderr).toContain('retrying voice, resolved')
    expect(JSON.parse(retry.stdout).incident).toBe('voice')
    expect(readdirSync(path.join(root, 'mirror'))).toHaveLength(1)
  })
})

describe('candor incident close', () => {
  it('ends an incident without posting, journaled with who and why; it leaves the open list and takes no more posts', async () => {
    const {root, cli, open} = project()
    await open('voice')
    await open('voice-dup')
    const close = await cli(['incident', 'close', 'voice-dup', '--reason', 'duplicate of voice', '--json'])
    expect(close.code, close.stderr).toBe(0)
    expect(JSON.parse(close.stdout)).toMatchObject({
      incident: 'voice-dup',
      closed: {by: 'Dana', reason: 'duplicate of voice'},
    })
    const journal = readFileSync(path.join(root, '.candor', 'incidents', 'voice-dup.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(journal.at(-1)).toMatchObject({type: 'closed', by: 'Dana', reason: 'duplicate of voice'})

    const list = await cli(['incident', 'list', '--json'])
    expect(JSON.parse(list.stdout).incidents.map((i: {id: string}) => i.id)).toEqual(['voice'])
    const all = await cli(['incident', 'list', '--all'])
    expect(all.stdout).toMatch(/voice-dup\s+closed/)
    // With the duplicate closed, "the only open incident" is the real one again.
    const publish = await cli(['publish', '-p', 'investigating', '--yes', '--json'])
    expect(publish.code, publish.stderr).toBe(0)
    expect(JSON.parse(publish.stdout).incident).toBe('voice')

    const refused = await cli(['publish', '-i', 'voice-dup', '-p', 'investigating', '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('incident voice-dup was closed by Dana (duplicate of voice)')
    expect(existsSync(post(root, 'voice-dup'))).toBe(false)
    const show = await cli(['incident', 'show', 'voice-dup'])
    expect(show.stdout).toContain('closed the incident without posting: duplicate of voice')

    const noReason = await cli(['incident', 'close', 'voice'])
    expect(noReason.code).toBe(2)
  })

  it('a draft waiting for a second approval is not sent once its incident is closed', async () => {
    const {root, cli, open} = project()
    writeFileSync(path.join(root, 'playbooks', 'blog.yaml'), `approval: { required: 2 }\n${PLAYBOOK}`)
    await open('voice')
    const drafted = await cli(['publish', '-p', 'investigating', '--yes', '--as', 'Dana', '--json'])
    expect(drafted.code, drafted.stderr).toBe(0)
    const draft = JSON.parse(drafted.stdout).draft as string
    expect((await cli(['incident', 'close', 'voice', '--reason', 'false alarm'])).code).toBe(0)
    const approve = await cli(['approve', draft, '--as', 'Sam', '--yes'])
    expect(approve.code).toBe(1)
    expect(approve.stderr).toContain('incident voice was closed by Dana (false alarm)')
    const send = await cli(['publish', '--draft', draft, '--yes'])
    expect(send.code).toBe(1)
    expect(send.stderr).toContain('incident voice was closed')
    expect(existsSync(path.join(root, 'posts'))).toBe(false)
  })

  it('opening a second incident for the same service from the same playbook warns on stderr off a terminal', async () => {
    const {cli} = project()
    const first = await cli(['incident', 'open', 'blog', '--set', 'service=Acme Voice', '--set', 'impact=Calls fail'])
    expect(first.code).toBe(0)
    expect(first.stderr).not.toContain('already open')
    const second = await cli(['incident', 'open', 'blog', '--set', 'service=Acme Voice', '--set', 'impact=Calls fail'])
    expect(second.code).toBe(0)
    expect(second.stderr).toContain(
      `an incident is already open for the same service: ${first.stdout.trim()} (nothing published yet)`,
    )
    expect(second.stderr).toContain('candor incident close ID --reason TEXT')
    const other = await cli(['incident', 'open', 'blog', '--set', 'service=Acme Mail', '--set', 'impact=Mail is slow'])
    expect(other.stderr).not.toContain('already open')
  })
})

describe('a second incident for the same service at a terminal', () => {
  it('asks first, and opens nothing when the answer is no (the default)', async () => {
    if (spawnSync('script', ['--version']).status !== 0) return // util-linux `script` gives the CLI a terminal
    const {root, open} = project()
    await open('voice')
    const command = `${process.execPath} ${BIN} incident open blog --set service="Acme Voice" --set impact="Calls fail"`
    const env = {...process.env, NO_COLOR: '1', CANDOR_STATE_DIR: '', CANDOR_STORE: '', CANDOR_USER: 'Dana'}
    // Enter alone takes the default answer: no.
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: root,
      env,
      input: '\r',
      encoding: 'utf8',
      timeout: 30_000,
    })
    const screen = tty.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\s+/g, ' ')
    expect(screen).toContain(
      'Already open for the same service: voice (nothing published yet). Open another incident anyway?',
    )
    expect(screen).toContain('not opened: voice is open for the same service')
    expect(tty.status).toBe(4)
    expect(readdirSync(path.join(root, '.candor', 'incidents')).filter((f) => f.endsWith('.jsonl'))).toEqual([
      'voice.jsonl',
    ])
  })
})

describe('the state directory and the project', () => {
  it('finds .candor/ in the nearest parent folder, and writes the blog relative to the project, from any folder in it', async () => {
    const {root, cli, open} = project()
    await open('voice')
    const sub = path.join(root, 'playbooks')
    const status = await cli(['status', '--json'], {cwd: sub})
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout).incident).toBe('voice')
    const publish = await cli(['publish', '-p', 'investigating', '--yes'], {cwd: sub})
    expect(publish.code, publish.stderr).toBe(0)
    expect(existsSync(post(root, 'voice'))).toBe(true)
    expect(existsSync(path.join(sub, 'posts'))).toBe(false)
    expect(existsSync(path.join(sub, '.candor'))).toBe(false)
  })

  it('takes CANDOR_USER and CANDOR_STATE_DIR from ./.env, under the environment', async () => {
    const {root} = project()
    writeFileSync(path.join(root, '.env'), 'CANDOR_USER="Robin Ops" # on call this week\nCANDOR_STATE_DIR=state\n', {
      mode: 0o600,
    })
    const env = {CANDOR_STATE_DIR: undefined, CANDOR_STORE: undefined, CANDOR_USER: undefined}
    const open = await runCli(
      ['incident', 'open', 'blog', '--id', 'voice', '--set', 'service=Voice', '--set', 'impact=Calls fail'],
      {cwd: root, env},
    )
    expect(open.code, open.stderr).toBe(0)
    const journal = path.join(root, 'state', 'incidents', 'voice.jsonl')
    expect(JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]).by).toBe('Robin Ops')
    const close = await runCli(['incident', 'close', 'voice', '--reason', 'test'], {
      cwd: root,
      env: {...env, CANDOR_USER: 'Sam'},
    })
    expect(close.code, close.stderr).toBe(0)
    expect(JSON.parse(readFileSync(journal, 'utf8').trim().split('\n').at(-1)!).by).toBe('Sam')
  })
})

describe('an incident survives a moved or different checkout', () => {
  it('records the playbook relative to the project with its hash, and finds it after the project moved', async () => {
    const {root, cli, open} = project()
    await open('voice')
    const opened = JSON.parse(
      readFileSync(path.join(root, '.candor', 'incidents', 'voice.jsonl'), 'utf8').split('\n')[0],
    )
    expect(opened.playbook).toEqual({
      name: 'blog',
      file: 'playbooks/blog.yaml',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    })

    const moved = path.join(path.dirname(root), 'moved')
    renameSync(root, moved)
    const publish = await cli(['publish', '-p', 'investigating', '--yes'], {root: moved})
    expect(publish.code, publish.stderr).toBe(0)
    expect(publish.stderr).not.toContain('changed since')
    expect(existsSync(post(moved, 'voice'))).toBe(true)

    appendFileSync(path.join(moved, 'playbooks', 'blog.yaml'), '# edited\n')
    const changed = await cli(['publish', '-p', 'resolved', '--yes'], {root: moved})
    expect(changed.code, changed.stderr).toBe(0)
    expect(changed.stderr).toContain('the playbook playbooks/blog.yaml changed since incident voice opened')
  })

  it('says where it looked when the playbook is gone, and takes --playbook FILE', async () => {
    const {root, cli, open} = project()
    await open('voice')
    renameSync(path.join(root, 'playbooks'), path.join(root, 'books'))
    const missing = await cli(['publish', '-p', 'investigating', '--yes'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('the playbook of incident voice ("blog") is not at playbooks/blog.yaml')
    expect(missing.stderr).toContain('--playbook FILE')
    const pointed = await cli(['publish', '-p', 'investigating', '--yes', '--playbook', 'books/blog.yaml'])
    expect(pointed.code, pointed.stderr).toBe(0)
    expect(existsSync(post(root, 'voice'))).toBe(true)
  })

  it('keeps working with journals that recorded an absolute path, also after the project moved', async () => {
    const {root, cli, open} = project()
    await open('voice')
    const journal = path.join(root, '.candor', 'incidents', 'voice.jsonl')
    const [first, ...rest] = readFileSync(journal, 'utf8').split('\n')
    const old = JSON.parse(first)
    old.playbook = {name: 'blog', file: path.join('/old/checkout/of/someone', 'playbooks', 'blog.yaml')}
    writeFileSync(journal, [JSON.stringify(old), ...rest].join('\n'))
    const r = await cli(['publish', '-p', 'investigating', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(post(root, 'voice'))).toBe(true)

    old.playbook = {name: 'blog', file: path.join(root, 'playbooks', 'blog.yaml')}
    writeFileSync(journal, [JSON.stringify(old), ...readFileSync(journal, 'utf8').split('\n').slice(1)].join('\n'))
    const absolute = await cli(['status', '--json'])
    expect(absolute.code, absolute.stderr).toBe(0)
    expect(JSON.parse(absolute.stdout).cadence).toBe('30m')
  })
})

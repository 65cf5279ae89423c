import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {type Sandbox, startSandbox} from '../../src/infrastructure/sandbox/sandbox-server.js'
import {runCli} from '../helpers/cli.js'
import {copyShipped} from './rehearse-world.js'

/**
 * A rehearsal's post links point at the sandbox page (each post has an anchor there), never
 * at the platform, where the same id would be someone else's post; `retry` and `retract` say
 * REHEARSAL as `publish` does. Through the built CLI (run `npm run build` first).
 */

const sandboxes: Sandbox[] = []
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()))
})

describe('a rehearsal links to the sandbox page', () => {
  it('publish prints sandbox links with an anchor the page has; retry and retract say it is a rehearsal', async () => {
    const sandbox = await startSandbox({port: 0, host: '127.0.0.1'})
    sandboxes.push(sandbox)
    const dir = copyShipped()
    const state = ['--state-dir', path.join(dir, '.candor')]
    const opts = {cwd: dir, timeoutMs: 60_000}
    const opened = await runCli(
      [
        'incident',
        'open',
        'playbooks/outage.yaml',
        '--sandbox',
        sandbox.url,
        '--id',
        'drill',
        '--facts',
        'playbooks/examples/outage.facts.yaml',
        ...state,
      ],
      opts,
    )
    expect(opened.code).toBe(0)
    const published = await runCli(['publish', '-i', 'drill', '--phase', 'investigating', '--yes', ...state], opts)
    expect(published.code).toBe(0)
    const links = Object.fromEntries(
      published.stdout
        .trim()
        .split('\n')
        .map((line) => /^(\S+): published (\S+)$/.exec(line)!.slice(1, 3)),
    )
    const x = sandbox.posts().find((p) => p.channel === 'x')!
    expect(links.x).toBe(`${sandbox.url}/#${encodeURIComponent(`post-x-${x.id}`)}`)
    const bluesky = sandbox.posts().find((p) => p.channel === 'bluesky')!
    expect(links.bluesky).toBe(`${sandbox.url}/#${encodeURIComponent(`post-bluesky-${bluesky.id}`)}`)
    for (const link of [links.x, links.mastodon, links.bluesky, links.facebook]) {
      expect(link.startsWith(`${sandbox.url}/#`)).toBe(true)
      // The page has the element the link's fragment names (a browser decodes the fragment to find it).
      const page = await (await fetch(`${sandbox.url}/`)).text()
      const anchor = decodeURIComponent(new URL(link).hash.slice(1))
      expect(page).toContain(`id="${anchor.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"`)
    }
    expect(published.stdout).not.toMatch(/x\.com|bsky\.app|facebook\.com/)

    const retried = await runCli(['retry', '-i', 'drill', ...state], opts)
    expect(retried.stderr).toContain('drill is a rehearsal: every channel goes to the sandbox at')
    const retracted = await runCli(
      ['retract', '-i', 'drill', '--update', '1', '--channel', 'x', '--yes', ...state],
      opts,
    )
    expect(retracted.code).toBe(0)
    expect(retracted.stderr).toContain('drill is a rehearsal: every channel goes to the sandbox at')
  }, 120_000)
})

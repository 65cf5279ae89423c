import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileIncidentStore} from '../../src/infrastructure/store/file-store.js'
import {buildSiteFromStore} from '../../src/infrastructure/site-files.js'
import {openIncident} from '../../src/services/incident/service.js'
import {publishUpdate} from '../../src/services/publish/publish.js'
import {writePlaybook} from '../helpers/cli.js'
import {restoreHooks, startSandboxInfo, withHook, type SandboxInfoServer} from './sandbox-world.js'

/** The status site: rehearsals never reach the real one; a rehearsal's own site is in the sandbox folder. */

const servers: SandboxInfoServer[] = []
afterEach(async () => {
  restoreHooks()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const pages = (site: string) =>
  existsSync(path.join(site, 'incidents')) ? readdirSync(path.join(site, 'incidents')).sort() : []

describe('the status site and rehearsals', () => {
  it('a rehearsal publishes its site under the sandbox folder; the real site and `site build` leave it out', async () => {
    const info = await startSandboxInfo()
    servers.push(info)
    withHook('site', (t) => ({env: {}, options: {dir: t.dir}}))
    const {dir, playbook} = writePlaybook(`name: status
facts:
  service: {}
channels:
  site: { type: site, dir: public, title: Acme Status }
phases:
  investigating:
    posts:
      site: { text: "We are looking at {{service}}." }
`)
    const realSite = path.join(dir, 'public')
    const stateDir = path.join(dir, 'state')
    const store = new FileIncidentStore(stateDir)
    const deps = {store, actor: 'dana', env: {}, reporter: {progress() {}}}
    const cwd = process.cwd()
    process.chdir(dir) // the site's `dir` is relative to where the command runs
    try {
      const facts = {service: 'Voice'}
      await openIncident(store, {playbook, id: 'real', facts, actor: 'dana'})
      await openIncident(store, {playbook, id: 'drill', facts, actor: 'dana', rehearsal: {sandbox: info.url}})
      const publish = (incident: string) =>
        publishUpdate({incident, phase: 'investigating', facts: {}, yes: true, interactive: false}, deps)
      expect((await publish('real')).deliveries[0].status).toBe('published')
      expect((await publish('drill')).deliveries[0].status).toBe('published')
      expect(pages(realSite)).toEqual(['real.html'])
      expect(pages(path.join(stateDir, 'sandbox', 'drill', 'site'))).toEqual(['drill.html'])
      await buildSiteFromStore(store, {out: realSite})
      expect(pages(realSite)).toEqual(['real.html'])
    } finally {
      process.chdir(cwd)
    }
  })
})

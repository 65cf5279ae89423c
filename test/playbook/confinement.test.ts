import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {formatProblem} from '../../src/domain/playbook/model.js'
import {previewPhase} from '../../src/services/publish/preview.js'
import {requirePlaybook} from '../../src/services/playbook/resolve.js'
import {tempDir} from '../helpers/cli.js'

const SECRET = 'CANDOR_X_APP_SECRET=s3cr3t-value-never-shown'

/** A project with a .env beside its playbooks folder, and a playbook whose template is `template`. */
function project(template: string, link?: string): {playbook: string; dir: string} {
  const dir = tempDir()
  writeFileSync(path.join(dir, '.env'), `${SECRET}\n`)
  const playbooks = path.join(dir, 'playbooks')
  mkdirSync(path.join(playbooks, 'templates'), {recursive: true})
  writeFileSync(path.join(playbooks, 'templates', 'ok.hbs'), 'Problems with {{service}}')
  if (link) symlinkSync(link, path.join(playbooks, 'templates', 'inv.hbs'))
  const playbook = path.join(playbooks, 'p.yaml')
  writeFileSync(
    playbook,
    `name: demo\nlocales: [en, de]\nfacts:\n  service: { required: true }\nchannels:\n  x: { type: x }\nphases:\n  investigating:\n    posts:\n      x: { template: ${template} }\n`,
  )
  return {playbook, dir}
}

describe('templates stay inside their playbook', () => {
  it('refuses a symlink that resolves outside the playbook folder, at validate, preview and publish, without reading it', () => {
    const {playbook} = project('templates/inv.hbs', '../../.env')
    const {problems, playbook: loaded} = loadPlaybook(playbook)
    expect(loaded).toBeUndefined()
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /p\.yaml:10:\d+: post "investigating\.x": cannot read template "templates\/inv\.hbs": it resolves to .*\.env, outside the playbook's folder/,
      ),
    ])
    expect(JSON.stringify(problems)).not.toContain('s3cr3t')
    // preview, and publish (which loads the incident's playbook with requirePlaybook)
    expect(() => previewPhase({playbook, phase: 'investigating', sets: ['service=Voice'], env: {}})).toThrow(
      /outside the playbook's folder/,
    )
    expect(() => requirePlaybook(playbook, {templatesOf: ['investigating']})).toThrow(/outside the playbook's folder/)
  })

  it('refuses a translation that is a symlink leading out', () => {
    const {playbook} = project('templates/ok.hbs')
    symlinkSync('../../.env', path.join(path.dirname(playbook), 'templates', 'ok.de.hbs'))
    const {problems} = loadPlaybook(playbook)
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /cannot read the de template "templates\/ok\.de\.hbs": it resolves to .*outside the playbook's folder/,
      ),
    ])
  })

  it('accepts a symlink that stays inside the playbook folder', () => {
    const {playbook} = project('templates/inv.hbs', 'ok.hbs')
    const {problems, playbook: loaded} = loadPlaybook(playbook)
    expect(problems).toEqual([])
    expect(loaded!.phases[0].posts[0].template.text).toBe('Problems with {{service}}')
  })
})

/** The problems of an inline template as messages with their positions. */
function templateProblems(text: string): string[] {
  const dir = tempDir()
  const file = path.join(dir, 'p.yaml')
  writeFileSync(
    file,
    `name: demo\nfacts:\n  service: { required: true }\n  regions: { type: list }\nchannels:\n  x: { type: x }\nphases:\n  investigating:\n    posts:\n      x:\n        text: |\n          ${text}\n`,
  )
  return loadPlaybook(file).problems.map((p) => `${p.line}:${p.col}: ${p.message}`)
}

describe('helpers are checked where the playbook is checked', () => {
  it('a helper called with too few arguments is a problem at its position', () => {
    expect(templateProblems('In {{plural regions}}.')).toEqual([
      expect.stringMatching(
        /^12:16: post "investigating\.x": "plural" takes 2 to 3 arguments \(count, singular, plural\), found 1/,
      ),
    ])
    expect(templateProblems('{{default service}}')).toEqual([
      expect.stringMatching(/^12:13: .*"default" takes 2 arguments/),
    ])
  })

  it('an unknown option or option value is a problem', () => {
    expect(templateProblems('At {{time @now format="bogus"}}.')).toEqual([
      expect.stringMatching(/^12:26: .*"time": unknown format "bogus" \(use time, date, datetime, iso\)/),
    ])
    expect(templateProblems('At {{time @now fromat="date"}}.')).toEqual([
      expect.stringMatching(/"time" has no option "fromat" \(options: format, tz, locale\)/),
    ])
    expect(templateProblems('At {{time @now tz="Europe/Berlinn"}}.')).toEqual([
      expect.stringMatching(/unknown time zone "Europe\/Berlinn"/),
    ])
    expect(templateProblems('In {{list regions conjunction="nor"}}.')).toEqual([
      expect.stringMatching(/unknown conjunction "nor"/),
    ])
  })

  it('block helpers are blocks, others are not', () => {
    expect(templateProblems('{{if service}}')).toEqual([expect.stringMatching(/"if" is a block helper/)])
    expect(templateProblems('{{#time @now}}x{{/time}}')).toEqual([
      expect.stringMatching(/"time" is not a block helper/),
    ])
  })

  it('{{log}} is not available in templates', () => {
    expect(templateProblems('{{log "hello"}} {{service}}')).toEqual([
      expect.stringMatching(/^12:13: .*"log" is not available in Candor templates/),
    ])
    expect(templateProblems('{{log}}')).toEqual([expect.stringMatching(/"log" is not available/)])
  })

  it('correct calls pass', () => {
    expect(
      templateProblems(
        '{{#if regions}}In {{list regions conjunction="or"}} ({{plural regions "region"}}).{{/if}} {{time @now format="date" tz="Europe/Berlin" locale="de"}} {{default service "x"}} {{#each regions}}{{this}}{{/each}} {{since @incident.started_at}}',
      ),
    ).toEqual([])
  })
})

import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {resolveFacts} from '../../src/domain/playbook/facts.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import type {Playbook} from '../../src/domain/playbook/model.js'
import {describeDuration, formatTime, joinList} from '../../src/domain/time.js'
import {renderPhase} from '../../src/services/render/render-phase.js'
import {promisedCadence} from '../../src/domain/playbook/cadence.js'
import {runTemplate} from '../../src/services/render/template.js'
import {ROOT} from '../helpers/cli.js'
import {catchCandorError} from '../helpers/candor-error.js'

const NOW = new Date('2026-11-25T14:00:00Z')

function basic(): Playbook {
  const {playbook, problems} = loadPlaybook(path.join(ROOT, 'test/fixtures/playbooks/basic/basic.yaml'))
  expect(problems).toEqual([])
  return playbook!
}

describe('facts', () => {
  it('names every missing required fact at once and renders nothing', () => {
    const e = catchCandorError(() => resolveFacts(basic(), {}))
    expect(e.code).toBe('facts_missing')
    expect(e.message).toBe('missing required facts "service", "impact"')
  })

  it('names unknown facts (typos) and fills defaults', () => {
    const e = catchCandorError(() => resolveFacts(basic(), {service: 'A', impact: 'B', servce: 'typo'}))
    expect(e.message).toBe('unknown fact "servce"')
    const facts = resolveFacts(basic(), {service: 'A', impact: 'B', regions: 'EU, US'})
    expect(facts).toMatchObject({
      service: 'A',
      impact: 'B',
      regions: ['EU', 'US'],
      status_url: 'https://status.example.com',
    })
  })
})

describe('renderPhase', () => {
  const facts = () =>
    resolveFacts(basic(), {service: 'Acme Voice', impact: 'Calls fail', regions: ['EU', 'US', 'APAC']})

  it('fills templates with facts, helpers and built-ins', () => {
    const r = renderPhase(basic(), 'investigating', facts(), {now: NOW})
    const x = r.posts.find((p) => p.channel === 'x')!
    expect(x.parts).toEqual([
      {
        text: "We're investigating problems with Acme Voice: Calls fail.\nAffected: EU, US and APAC.\nNext update by 14:30 UTC. https://status.example.com",
        length: expect.any(Number),
        limit: 280,
      },
    ])
    expect(r.nextUpdateDue).toBe('2026-11-25T14:30:00.000Z')
    expect(r.posts.map((p) => p.channel)).toEqual(['x', 'toot', 'sky', 'page', 'blog', 'web', 'chat'])
    expect(r.posts.find((p) => p.channel === 'blog')!.title).toBe('Acme Voice incident')
  })

  it('keeps plain text as written and escapes HTML outputs', () => {
    const f = resolveFacts(basic(), {service: 'AT&T <3', impact: '<script>alert(1)</script>'})
    const r = renderPhase(basic(), 'investigating', f, {now: NOW})
    expect(r.posts.find((p) => p.channel === 'page')!.parts[0].text).toBe('AT&T <3: <script>alert(1)</script>')
    expect(r.posts.find((p) => p.channel === 'x')!.parts[0].text).toContain('AT&T <3')
    expect(r.posts.find((p) => p.channel === 'web')!.parts[0].text).toBe(
      'AT&amp;T &lt;3: &lt;script&gt;alert(1)&lt;/script&gt;',
    )
  })

  it('renders Handlebars syntax inside a fact literally', () => {
    const f = resolveFacts(basic(), {service: '{{impact}}', impact: '{{#each x}}boom{{/each}}'})
    const r = renderPhase(basic(), 'investigating', f, {now: NOW, channels: ['page']})
    expect(r.posts[0].parts[0].text).toBe('{{impact}}: {{#each x}}boom{{/each}}')
  })

  it('splits an over-long post into a numbered thread on channels that thread', () => {
    const long = 'Calls fail to connect for some customers. '.repeat(12).trim()
    const r = renderPhase(basic(), 'investigating', resolveFacts(basic(), {service: 'Acme Voice', impact: long}), {
      now: NOW,
      channels: ['x', 'sky'],
    })
    for (const post of r.posts) {
      expect(post.parts.length).toBeGreaterThan(1)
      expect(post.errors).toEqual([])
      post.parts.forEach((part, i) => {
        expect(part.length).toBeLessThanOrEqual(part.limit!)
        expect(part.text.endsWith(` (${i + 1}/${post.parts.length})`)).toBe(true)
      })
      expect(post.warnings[0]).toMatch(/split into a thread of \d+ posts/)
    }
  })

  it('is an error, naming channel, length and limit, where the channel cannot thread', () => {
    const long = 'x'.repeat(2100)
    const r = renderPhase(basic(), 'investigating', resolveFacts(basic(), {service: 'S', impact: long}), {
      now: NOW,
      channels: ['chat'],
    })
    expect(r.posts[0].errors).toEqual([
      'chat (Discord): the post is 2103 characters, over the limit of 2000; shorten the template or the facts',
    ])
  })

  it('names the phases or channels that exist when asked for one that does not', () => {
    expect(catchCandorError(() => renderPhase(basic(), 'fixing', facts(), {now: NOW})).suggestions).toEqual([
      'Phases: investigating, resolved',
    ])
    const e = catchCandorError(() => renderPhase(basic(), 'resolved', facts(), {now: NOW, channels: ['toot']}))
    expect(e.message).toBe('phase "resolved" posts nothing to "toot"')
    expect(
      catchCandorError(() => renderPhase(basic(), 'resolved', facts(), {now: NOW, channels: ['nope']})).message,
    ).toBe('no channel "nope" in playbook "basic"')
  })

  it('uses the incident start for durations', () => {
    const r = renderPhase(basic(), 'resolved', facts(), {
      now: NOW,
      incident: {id: 'i1', startedAt: new Date('2026-11-25T11:55:00Z')},
    })
    expect(r.posts[0].parts[0].text).toBe('Acme Voice is working again after 2 hours 5 minutes. Sorry.')
  })
})

describe('helpers', () => {
  const data = {now: NOW, next_update: new Date('2026-11-25T14:30:00Z')}
  const render = (src: string, ctx: Record<string, unknown> = {}) => runTemplate(src, 'text', ctx, data)

  it('formats times with a time zone', () => {
    expect(render('{{time @next_update}}')).toBe('14:30 UTC')
    expect(render('{{time @next_update tz="Europe/Berlin"}}')).toBe('15:30 CET')
    expect(render('{{time @next_update format="date"}}')).toBe('25 Nov 2026')
    expect(render('{{time @next_update format="datetime" tz="America/New_York"}}')).toBe('25 Nov 2026, 09:30 EST')
    expect(render('{{time @next_update format="iso"}}')).toBe('2026-11-25T14:30:00.000Z')
    expect(formatTime(undefined)).toBe('')
  })

  it('describes durations', () => {
    expect(render('{{since t}}', {t: '2026-11-25T13:15:00Z'})).toBe('45 minutes')
    expect(describeDuration(3 * 86_400_000 + 3_600_000 + 60_000)).toBe('3 days 1 hour')
    expect(describeDuration(30_000)).toBe('less than a minute')
  })

  it('joins lists, pluralises and falls back', () => {
    expect(render('{{list r}}', {r: ['EU', 'US', 'APAC']})).toBe('EU, US and APAC')
    expect(render('{{list r conjunction="or"}}', {r: ['EU', 'US']})).toBe('EU or US')
    expect(joinList([])).toBe('')
    expect(render('{{plural r "region"}}', {r: ['EU']})).toBe('1 region')
    expect(render('{{plural n "person" "people"}}', {n: 3})).toBe('3 people')
    expect(render('{{default eta "as soon as we can"}}', {eta: ''})).toBe('as soon as we can')
    expect(render('{{default eta "later"}}', {eta: '15:00'})).toBe('15:00')
  })

  it('never reaches the prototype from a template', () => {
    expect(render('{{constructor}}{{__proto__}}{{toString}}')).toBe('')
  })
})

describe('cadence', () => {
  it('promises the slower long-incident cadence once the incident is old enough', () => {
    const phase = {
      name: 'p',
      posts: [],
      nextUpdate: {ms: 20 * 60_000, text: '20m'},
      longIncident: {after: {ms: 2 * 3_600_000, text: '2h'}, nextUpdate: {ms: 60 * 60_000, text: '60m'}},
    }
    expect(promisedCadence(phase, 119 * 60_000)).toBe(20 * 60_000)
    expect(promisedCadence(phase, 120 * 60_000)).toBe(60 * 60_000)
    expect(promisedCadence({name: 'q', posts: []}, 0)).toBeUndefined()
  })
})

describe('HTML escaping', () => {
  const evil = 'https://status.example/"><img src=x onerror=alert(1)>'

  it('escapes {{{x}}} and {{& x}} in HTML outputs too, while text keeps values as written', () => {
    for (const source of [
      '<a href="{{{status_url}}}">status</a>',
      '<a href="{{& status_url}}">status</a>',
      '<a href="{{status_url}}">status</a>',
    ]) {
      const html = runTemplate(source, 'html', {status_url: evil}, {})
      expect(html, source).toBe(`<a href="${runTemplate('{{status_url}}', 'html', {status_url: evil}, {})}">status</a>`)
      expect(html, source).not.toContain('<img')
      expect(html, source).toContain('&quot;&gt;&lt;img')
    }
    expect(runTemplate('{{{status_url}}} {{status_url}}', 'text', {status_url: evil}, {})).toBe(`${evil} ${evil}`)
  })
})

import {cpSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'
import {describe, expect, it} from 'vitest'
import {resolveFacts} from '../../src/domain/playbook/facts.js'
import {loadPlaybook, postVersions} from '../../src/services/playbook/load.js'
import {formatProblem} from '../../src/domain/playbook/model.js'
import {describeDuration, describeRelative, formatTime, intlLocale, joinList} from '../../src/domain/time.js'
import {renderPhase} from '../../src/services/render/render-phase.js'
import {runTemplate} from '../../src/services/render/template.js'
import {ROOT, tempDir} from '../helpers/cli.js'

const NOW = new Date('2026-11-25T14:00:00Z')

function write(files: Record<string, string>): string {
  const dir = tempDir()
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    writeFileSync(path.join(dir, name), text)
  }
  return dir
}

function load(files: Record<string, string>) {
  const dir = write(files)
  const result = loadPlaybook(path.join(dir, 'playbook.yaml'))
  return {
    ...result,
    lines: result.problems.map((p) => formatProblem({...p, file: path.relative(dir, path.resolve(p.file)) || p.file})),
  }
}

const BOOK = `name: intl
locales: [en, de, ja]
facts:
  service: { required: true }
  regions: { type: list, default: [] }
channels:
  x: { type: x }
  x-de: { type: x, locale: de }
  x-at: { type: x, locale: de-AT }
  x-ja: { type: x, locale: ja }
phases:
  investigating:
    next_update: 20m
    posts:
      x: { template: t/first.hbs }
      x-de: { template: t/first.hbs }
      x-at: { template: t/first.hbs }
      x-ja: { template: t/first.hbs }
  resolved:
    posts:
      x: { text: { en: "{{service}} is back.", de: "{{service}} geht wieder.", ja: "{{service}}は復旧しました。" } }
      x-de: { text: { en: "{{service}} is back.", de: "{{service}} geht wieder.", ja: "{{service}}は復旧しました。" } }
      x-at: { text: { en: "{{service}} is back.", de: "{{service}} geht wieder.", ja: "{{service}}は復旧しました。" } }
      x-ja: { text: { en: "{{service}} is back.", de: "{{service}} geht wieder.", ja: "{{service}}は復旧しました。" } }
`
const TEMPLATES = {
  't/first.hbs': 'Problems with {{service}} in {{list regions}}. Next update by {{time @next_update}}.',
  't/first.de.hbs':
    'Probleme mit {{service}} in {{list regions}}. Nächstes Update bis {{time @next_update tz="Europe/Berlin"}}.',
  't/first.ja.hbs':
    '{{service}}で障害（{{list regions}}）。次回は{{time @next_update tz="Asia/Tokyo"}}までに更新します。',
}

describe('locale resolution', () => {
  it('each channel posts its locale: NAME.LOCALE.hbs files, text mappings, de-AT served by de', () => {
    const {playbook, lines} = load({'playbook.yaml': BOOK, ...TEMPLATES})
    expect(lines).toEqual([])
    expect(playbook!.locales).toEqual(['en', 'de', 'ja'])
    const facts = resolveFacts(playbook!, {service: 'Acme', regions: ['EU', 'USA', 'APAC']})
    const first = renderPhase(playbook!, 'investigating', facts, {now: NOW})
    expect(Object.fromEntries(first.posts.map((p) => [p.channel, p.parts[0].text]))).toEqual({
      x: 'Problems with Acme in EU, USA and APAC. Next update by 14:20 UTC.',
      'x-de': 'Probleme mit Acme in EU, USA und APAC. Nächstes Update bis 15:20 MEZ.',
      'x-at': 'Probleme mit Acme in EU, USA und APAC. Nächstes Update bis 15:20 MEZ.',
      'x-ja': 'Acmeで障害（EU、USA、APAC）。次回は23:20 JSTまでに更新します。',
    })
    const last = renderPhase(playbook!, 'resolved', facts, {now: NOW})
    expect(last.posts.map((p) => p.parts[0].text)).toEqual([
      'Acme is back.',
      'Acme geht wieder.',
      'Acme geht wieder.',
      'Acmeは復旧しました。',
    ])
    // Every version stays reachable for lint.
    expect([...postVersions(playbook!.phases[0].posts[0], 'en').keys()]).toEqual(['en', 'de', 'ja'])
  })

  it('the unsuffixed template is the default locale, whichever that is', () => {
    const text = BOOK.replace('locales: [en, de, ja]', 'locales: [de, en, ja]')
    const {playbook, lines} = load({
      'playbook.yaml': text,
      't/first.hbs': 'Probleme mit {{service}}.',
      't/first.en.hbs': 'Problems with {{service}}.',
      't/first.ja.hbs': '{{service}}で障害。',
    })
    expect(lines).toEqual([])
    const r = renderPhase(playbook!, 'investigating', resolveFacts(playbook!, {service: 'Acme'}), {
      now: NOW,
      channels: ['x', 'x-de'],
    })
    expect(r.posts.map((p) => p.parts[0].text)).toEqual(['Probleme mit Acme.', 'Probleme mit Acme.'])
  })

  it('reports every phase × channel whose locale has no template, at the post, with the file it expected', () => {
    const {lines} = load({
      'playbook.yaml': BOOK.replace(', ja: "{{service}}は復旧しました。" } }\n  ', ' } }\n  ').replace(
        /, ja: "\{\{service\}\}は復旧しました。"/g,
        '',
      ),
      't/first.hbs': TEMPLATES['t/first.hbs'],
      't/first.de.hbs': TEMPLATES['t/first.de.hbs'],
    })
    expect(lines).toEqual([
      'playbook.yaml:18:25: post "investigating.x-ja": channel "x-ja" posts in ja, but there is no ja version of this post (expected the file t/first.ja.hbs)',
      'playbook.yaml:24:21: post "resolved.x-ja": channel "x-ja" posts in ja, but there is no ja version of this post (expected a "ja" entry under "text")',
    ])
  })

  it('reports a translation that uses facts the default one does not, in the translation', () => {
    const {lines} = load({
      'playbook.yaml': BOOK,
      ...TEMPLATES,
      't/first.de.hbs':
        'Probleme mit {{service}}.\nSeit {{since @incident.started_at}} in {{list regions}}, {{regions}}.',
    })
    expect(lines).toEqual([])
    const extra = load({
      'playbook.yaml': BOOK.replace(
        '  regions: { type: list, default: [] }',
        '  regions: { type: list, default: [] }\n  eta: {}',
      ),
      ...TEMPLATES,
      't/first.de.hbs': 'Probleme mit {{service}}.\nBehoben: {{eta}}. {{eta}}',
    })
    expect(extra.lines).toEqual([
      't/first.de.hbs:2:12: post "investigating.x": the de version uses fact "eta", which the en version does not; translations must use the same facts',
    ])
  })

  it('reports channel locales the playbook does not have and text for unknown locales', () => {
    const text = BOOK.replace('x-ja: { type: x, locale: ja }', 'x-ja: { type: x, locale: fr }').replace(
      'ja: "{{service}}は復旧しました。" } }\n  ',
      'fr: "x" } }\n  ',
    )
    const {lines} = load({'playbook.yaml': text, ...TEMPLATES})
    expect(lines).toEqual([
      'playbook.yaml:10:28: channel "x-ja": locale "fr" is not one of the playbook\'s locales (en, de, ja); add it to "locales" and write its templates',
      'playbook.yaml:21:80: post "resolved.x": text for locale "fr", which is not one of the playbook\'s locales (en, de, ja)',
    ])
  })

  it('checks translations like any template, even where no channel posts them', () => {
    const {lines} = load({
      'playbook.yaml': BOOK.replace(/\n  x-(de|at|ja): .*/g, '').replace(/\n      x-(de|at|ja): .*/g, ''),
      ...TEMPLATES,
      't/first.ja.hbs': '{{service}}で障害 {{#if}}',
    })
    expect(lines).toEqual([
      expect.stringMatching(/^t\/first\.ja\.hbs:1:\d+: post "investigating\.x" \(ja\): template syntax error/),
    ])
  })
})

describe('Intl helpers in en, de and ja', () => {
  const at = new Date('2026-11-25T14:30:00Z')
  const data = (locale: string) => ({now: new Date('2026-11-25T14:10:00Z'), next_update: at, locale})
  const render = (src: string, locale: string, ctx: Record<string, unknown> = {}) =>
    runTemplate(src, 'text', ctx, data(locale))

  it("formats times and dates in the post's locale", () => {
    expect(render('{{time @next_update}}', 'en')).toBe('14:30 UTC')
    expect(render('{{time @next_update tz="Europe/Berlin"}}', 'de')).toBe('15:30 MEZ')
    expect(render('{{time @next_update tz="Asia/Tokyo"}}', 'ja')).toBe('23:30 JST')
    expect(render('{{time @next_update format="date"}}', 'en')).toBe('25 Nov 2026')
    expect(render('{{time @next_update format="date"}}', 'de')).toBe('25. Nov. 2026')
    expect(render('{{time @next_update format="date"}}', 'ja')).toBe('2026年11月25日')
    expect(render('{{time @next_update format="datetime" tz="Europe/Berlin"}}', 'de')).toBe('25. Nov. 2026, 15:30 MEZ')
    expect(render('{{time @next_update format="datetime" tz="Asia/Tokyo"}}', 'ja')).toBe('2026年11月25日 23:30 JST')
    expect(render('{{time @next_update format="date"}}', 'en-US')).toBe('Nov 25, 2026')
    // A helper's own locale= wins over the post's.
    expect(render('{{time @next_update format="date" locale="de"}}', 'ja')).toBe('25. Nov. 2026')
  })

  it('says relative times: "in 20 minutes", "vor 20 Minuten", "20分後"', () => {
    expect(render('{{relative @next_update}}', 'en')).toBe('in 20 minutes')
    expect(render('{{relative @next_update}}', 'de')).toBe('in 20 Minuten')
    expect(render('{{relative @next_update}}', 'ja')).toBe('20分後')
    const past = new Date('2026-11-25T13:50:00Z')
    expect(render('{{relative t}}', 'en', {t: past})).toBe('20 minutes ago')
    expect(render('{{relative t}}', 'de', {t: past})).toBe('vor 20 Minuten')
    expect(render('{{relative t}}', 'ja', {t: past})).toBe('20分前')
    expect(describeRelative(new Date(NOW.getTime() - 3 * 3_600_000), NOW, 'de')).toBe('vor 3 Stunden')
    expect(describeRelative(new Date(NOW.getTime() + 86_400_000 * 2), NOW, 'en-GB')).toBe('in 2 days')
    expect(describeRelative(NOW, NOW, 'de')).toBe('jetzt')
    expect(describeRelative(undefined, NOW)).toBe('')
  })

  it('describes durations', () => {
    const t = '2026-11-25T12:05:00Z'
    expect(render('{{since t}}', 'en', {t})).toBe('2 hours 5 minutes')
    expect(render('{{since t}}', 'de', {t})).toBe('2 Stunden 5 Minuten')
    expect(render('{{since t}}', 'ja', {t})).toBe('2時間5分')
    expect(describeDuration(3 * 86_400_000 + 3_600_000, 'de')).toBe('3 Tage 1 Stunde')
    expect(describeDuration(10_000, 'de')).toBe('weniger als eine Minute')
    expect(describeDuration(10_000, 'ja')).toBe('1分未満')
  })

  it('joins lists: "EU, USA und APAC", "EU、USA、APAC"', () => {
    const r = {r: ['EU', 'USA', 'APAC']}
    expect(render('{{list r}}', 'en', r)).toBe('EU, USA and APAC')
    expect(render('{{list r}}', 'de', r)).toBe('EU, USA und APAC')
    expect(render('{{list r}}', 'ja', r)).toBe('EU、USA、APAC')
    expect(render('{{list r conjunction="or"}}', 'de', {r: ['EU', 'USA']})).toBe('EU oder USA')
    expect(joinList(['a', 'b'], 'and', 'ja')).toBe('a、b')
  })

  it("pluralises by the locale's rules, with the forms given", () => {
    expect(render('{{plural n "Region" "Regionen"}}', 'de', {n: 1})).toBe('1 Region')
    expect(render('{{plural n "Region" "Regionen"}}', 'de', {n: 3})).toBe('3 Regionen')
    expect(render('{{plural n "Person" "Personen"}}', 'de', {n: 1200})).toBe('1.200 Personen')
    expect(render('{{plural r "region"}}', 'en', {r: ['EU', 'US']})).toBe('2 regions')
    // Japanese has one form and writes the count next to the counter; no English "s" is added.
    expect(render('{{plural r "地域"}}', 'ja', {r: ['EU', 'US', 'APAC']})).toBe('3地域')
  })

  it('maps plain "en" to international English and ignores tags Intl refuses', () => {
    expect(intlLocale('en')).toBe('en-GB')
    expect(intlLocale('de-at')).toBe('de-AT')
    expect(intlLocale(undefined)).toBe('en-GB')
    expect(intlLocale('not a tag!')).toBe('en-GB')
    expect(formatTime(new Date('2026-11-25T14:30:00Z'), 'time', 'America/New_York', 'en-GB')).toBe('09:30 EST')
  })
})

describe('the shipped outage playbook in German and Japanese', () => {
  function outageWith(channels: Record<string, unknown>) {
    const dir = tempDir('candor-outage-')
    cpSync(path.join(ROOT, 'playbooks', 'templates'), path.join(dir, 'templates'), {recursive: true})
    const doc = yaml.load(readFileSync(path.join(ROOT, 'playbooks', 'outage.yaml'), 'utf8')) as {
      channels: Record<string, unknown>
      phases: Record<string, {posts: Record<string, unknown>}>
    }
    Object.assign(doc.channels, channels)
    for (const phase of Object.values(doc.phases))
      for (const name of Object.keys(channels)) phase.posts[name] = phase.posts[name.split('-')[0]]
    writeFileSync(path.join(dir, 'outage.yaml'), yaml.dump(doc, {lineWidth: 200}))
    const {playbook, problems} = loadPlaybook(path.join(dir, 'outage.yaml'))
    expect(problems).toEqual([])
    return playbook!
  }

  it('every phase renders in one post per channel, with no policy hits, in each language', () => {
    const playbook = outageWith({
      'x-de': {type: 'x', locale: 'de'},
      'x-ja': {type: 'x', locale: 'ja'},
      'facebook-de': {type: 'facebook', page_id: '2', locale: 'de'},
      'blog-ja': {type: 'markdown', dir: 'blog-ja', locale: 'ja'},
    })
    const facts = resolveFacts(playbook, {
      ...playbook.examples,
      cause: 'a faulty network update',
      changes: ['We now roll out network updates one data centre at a time'],
      postmortem_url: 'https://acme.example/blog/review',
    })
    for (const phase of playbook.phases) {
      const r = renderPhase(playbook, phase.name, facts, {
        now: NOW,
        incident: {id: 'i', startedAt: new Date(NOW.getTime() - 95 * 60_000)},
      })
      for (const post of r.posts) {
        expect(post.errors, `${phase.name}/${post.channel}`).toEqual([])
        expect(post.parts, `${phase.name}/${post.channel}`).toHaveLength(1)
        expect(post.parts[0].text).not.toMatch(/\{\{|undefined|\[object/)
      }
      const text = (c: string) => r.posts.find((p) => p.channel === c)!.parts[0].text
      if (phase.name === 'investigating') {
        expect(text('x-de')).toContain('Nächstes Update bis 15:20 MEZ.')
        expect(text('x-ja')).toContain('次回は23:20 JSTまでに更新します。')
        expect(text('x-de')).toContain('Regionen: EU und US.')
        expect(text('x-ja')).toContain('地域: EU、US')
      }
      if (phase.name === 'resolved') {
        expect(text('x-de')).toContain('Die Störung dauerte 1 Stunde 35 Minuten.')
        expect(text('x-ja')).toContain('障害は1時間35分続きました。')
      }
    }
  })
})

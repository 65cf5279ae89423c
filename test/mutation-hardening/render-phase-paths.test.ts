/**
 * Rendering one phase, through each of its steps in-process: the phase and channels asked for,
 * `--allow` names, the policy on every rendered text, measuring against each kind of limit (thread,
 * hard limit, advised length, bytes, a server's limit), mentions from facts, what a limit note says,
 * the built-ins and each post's options and HTML part. Written from the mutants of
 * services/render/render-phase.ts that the render tests left alive (most of it was reached only
 * through the publish and preview tests, or the CLI).
 */
import {describe, expect, it} from 'vitest'
import type {ChannelKind} from '../../src/channels/kind.js'
import {xKind} from '../../src/channels/x/kind.js'
import {ExitCode} from '../../src/domain/errors.js'
import {resolveFacts} from '../../src/domain/playbook/facts.js'
import type {ChannelConfig, Playbook} from '../../src/domain/playbook/model.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {
  checkAllowedRules,
  describeLimit,
  enforcePolicy,
  factMentions,
  findPhase,
  MAX_THREAD_PARTS,
  measurePost,
  renderData,
  renderPhase,
  renderPost,
  selectPosts,
  textToHtml,
} from '../../src/services/render/render-phase.js'
import type {PlatformLimits} from '../../src/services/render/platform-limits.js'
import {writePlaybook} from '../helpers/cli.js'
import {catchCandorError} from '../helpers/candor-error.js'

const NOW = new Date('2026-12-05T10:00:00Z')

function load(yaml: string): Playbook {
  const {playbook: file} = writePlaybook(yaml)
  const {playbook: p, problems} = loadPlaybook(file)
  expect(problems).toEqual([])
  return p!
}

function playbook(): Playbook {
  return load(`
name: paths
facts:
  service: { required: true }
  impact: { default: "" }
  regions: { type: list, default: [] }
channels:
  x: { type: x }
  sky: { type: bluesky }
  chat: { type: discord }
  team: { type: slack }
  toot: { type: mastodon, instance: "https://social.example/path" }
  tootfixed: { type: mastodon, instance: "https://social.example", max_length: 100 }
  tootbare: { type: mastodon }
  mail: { type: email, from: ops@example.com, to: [users@example.com], subject: "  {{service}} <b>down</b>  " }
  page: { type: facebook, page_id: "42", link: "https://status.acme.io/{{service}}" }
  blog: { type: markdown, dir: blog, title: " {{service}} incident " }
  web: { type: site, dir: public, title: "{{service}} status" }
phases:
  investigating:
    next_update: 30m
    long_incident: { after: 2h, next_update: 60m }
    posts:
      x: { text: "{{service}}: {{impact}}" }
      sky: { text: "{{service}}: {{impact}}" }
      chat: { text: "{{service}}: {{impact}}" }
      team: { text: "{{service}}: {{impact}}" }
      toot: { text: "{{service}}: {{impact}}" }
      tootfixed: { text: "{{service}}: {{impact}}" }
      tootbare: { text: "{{service}}: {{impact}}" }
      mail: { text: "{{service}}: {{impact}}" }
      page: { text: "{{service}}: {{impact}}" }
      blog: { text: "{{service}}: {{impact}}" }
      web: { text: "{{service}}: {{impact}}" }
  monitoring:
    posts:
      x: { text: "Watching {{service}} ({{@phase}} of {{@playbook}}, update {{@update}}, {{@incident.id}})." }
      chat: { text: "{{service}}" }
  resolved:
    posts:
      chat: { text: "{{service}} is fine" }
`)
}

const channel = (p: Playbook, name: string): ChannelConfig => p.channels.get(name)!
/** A channel of a kind made for the test (a kind the registry does not have). */
const custom = (kind: Partial<ChannelKind>, options: Record<string, unknown> = {}): ChannelConfig => ({
  name: 'custom',
  type: 'x',
  kind: {...xKind, ...kind} as ChannelKind,
  options,
})
const server = (extra: Partial<PlatformLimits> = {}): PlatformLimits => ({
  maxLength: 1000,
  source: 'https://social.example',
  readAt: '2026-12-05T09:07:42.123Z',
  ...extra,
})

describe('checkAllowedRules', () => {
  it('gives back the rules named, each once; nothing named is none', () => {
    expect(checkAllowedRules(undefined)).toEqual([])
    expect(checkAllowedRules([])).toEqual([])
    expect(checkAllowedRules(['secret', 'private-ip', 'secret'])).toEqual(['secret', 'private-ip'])
  })

  it('refuses unknown names, in the singular and the plural, listing the rules', () => {
    const one = catchCandorError(() => checkAllowedRules(['secret', 'nope']))
    expect(one.message).toBe('unknown policy rule "nope"')
    expect(one.code).toBe('unknown_policy_rule')
    expect(one.suggestions).toEqual([
      'Policy rules: private-ip, internal-host, secret, render-leftover, forbid, placeholder',
    ])
    expect(catchCandorError(() => checkAllowedRules(['a', 'credential'])).message).toBe(
      'unknown policy rules "a", "credential"',
    )
  })
})

describe('enforcePolicy', () => {
  const facts = {service: 'S'}

  it('makes each hit an error naming the channel and rule, once across all texts, skipping absent ones', () => {
    const p = playbook()
    const out = enforcePolicy(p, channel(p, 'mail'), ['down at 10.1.2.3', undefined, '', 'again 10.1.2.3'], facts)
    expect(out.violations).toHaveLength(1)
    expect(out.violations[0]).toMatchObject({rule: 'private-ip', match: '10.1.2.3', allowed: false})
    expect(out.errors).toEqual([
      `mail: policy rule "private-ip": ${out.violations[0].message}; leave it out, or pass --allow private-ip to publish it anyway`,
    ])
    expect(out.warnings).toEqual([])
  })

  it('makes an allowed hit a warning, never a credential', () => {
    const p = playbook()
    const credentials = [{name: 'CANDOR_X_ACCESS_TOKEN', value: 'tok-very-secret-value-123'}]
    const out = enforcePolicy(
      p,
      channel(p, 'x'),
      ['at 10.1.2.3 with tok-very-secret-value-123'],
      facts,
      ['private-ip', 'credential'],
      {credentials},
    )
    const ip = out.violations.find((v) => v.rule === 'private-ip')!
    const credential = out.violations.find((v) => v.rule === 'credential')!
    expect(ip.allowed).toBe(true)
    expect(credential.allowed).toBe(false)
    expect(out.warnings).toEqual([`policy rule "private-ip" overridden with --allow: ${ip.message}`])
    expect(out.errors).toEqual([
      `x: policy rule "credential": ${credential.message}; remove it from the facts or the template (no --allow overrides this)`,
    ])
  })

  it('reports nothing for clean texts', () => {
    const p = playbook()
    expect(enforcePolicy(p, channel(p, 'x'), ['all fine'], facts)).toEqual({violations: [], errors: [], warnings: []})
  })
})

describe('enforcePolicy: the language', () => {
  it("checks in the language asked for, else the channel's ('null' is a German word)", () => {
    const p = playbook()
    const german = {...channel(p, 'x'), options: {locale: 'de'}}
    expect(enforcePolicy(p, channel(p, 'x'), ['ab null Uhr'], {}).violations).toHaveLength(1)
    expect(enforcePolicy(p, channel(p, 'x'), ['ab null Uhr'], {}, [], {locale: 'de'}).violations).toEqual([])
    expect(enforcePolicy(p, german, ['ab null Uhr'], {}).violations).toEqual([])
    expect(enforcePolicy(p, german, ['ab null Uhr'], {}, [], {locale: 'en'}).violations).toHaveLength(1)
  })
})

describe('findPhase', () => {
  it('asks for --phase, naming the phases, when none is named', () => {
    const p = playbook()
    const e = catchCandorError(() => findPhase(p, undefined))
    expect(e.message).toBe('missing --phase; phases of paths: investigating, monitoring, resolved')
    expect(e.code).toBe('phase_missing')
    expect(e.exit).toBe(ExitCode.Usage)
    expect(e.suggestions).toEqual(['Pass --phase investigating'])
    const none = catchCandorError(() => findPhase({...p, phases: []}, undefined))
    expect(none.message).toBe('missing --phase; phases of paths: ')
    expect(none.suggestions).toEqual(['Pass --phase PHASE'])
  })

  it('names an unknown phase, with the closest one and all of them', () => {
    const e = catchCandorError(() => findPhase(playbook(), 'monitorin'))
    expect(e.message).toBe('playbook "paths" has no phase "monitorin"')
    expect(e.code).toBe('unknown_phase')
    expect(e.suggestions).toEqual(['Did you mean "monitoring"?', 'Phases: investigating, monitoring, resolved'])
    expect(findPhase(playbook(), 'resolved').name).toBe('resolved')
  })
})

describe('selectPosts', () => {
  it("keeps all the phase's posts when no channel is named, else the named ones in the phase's order", () => {
    const p = playbook()
    const phase = findPhase(p, 'investigating')
    expect(selectPosts(p, phase)).toBe(phase.posts)
    expect(selectPosts(p, phase, [])).toBe(phase.posts)
    expect(selectPosts(p, phase, ['mail', 'x']).map((post) => post.channel)).toEqual(['x', 'mail'])
  })

  it('names channels the playbook lacks, else the ones the phase does not post to', () => {
    const p = playbook()
    const phase = findPhase(p, 'monitoring')
    const missing = catchCandorError(() => selectPosts(p, phase, ['x', 'chta', 'nope', 'sky']))
    expect(missing.message).toBe('no channel "chta", "nope" in playbook "paths"')
    expect(missing.code).toBe('unknown_channel')
    expect(missing.suggestions).toEqual(['Did you mean "chat"?', 'Channels in phase "monitoring": x, chat'])
    const elsewhere = catchCandorError(() => selectPosts(p, phase, ['sky', 'mail']))
    expect(elsewhere.message).toBe('phase "monitoring" posts nothing to "sky", "mail"')
    expect(elsewhere.suggestions).toEqual(['Channels in phase "monitoring": x, chat'])
  })
})

describe('textToHtml', () => {
  it('makes paragraphs at blank lines (however many) and line breaks within them', () => {
    expect(textToHtml('one')).toBe('<p>one</p>')
    expect(textToHtml('a\nb\n\nc')).toBe('<p>a<br>\nb</p>\n<p>c</p>')
    expect(textToHtml('a\n\n\n\nb\nc\nd')).toBe('<p>a</p>\n<p>b<br>\nc<br>\nd</p>')
  })
})

describe('measurePost', () => {
  it('is one part at the limit exactly, and a thread one past it, with the unit and the count', () => {
    const p = playbook()
    const fits = measurePost(channel(p, 'x'), 'a'.repeat(280))
    expect(fits).toEqual({parts: [{text: 'a'.repeat(280), length: 280, limit: 280}], warnings: [], errors: []})
    const text = 'word '.repeat(60).trim()
    const over = measurePost(channel(p, 'x'), text)
    expect(over.parts.length).toBe(2)
    for (const part of over.parts) expect(part).toEqual({text: part.text, length: part.text.length, limit: 280})
    expect(over.parts.map((part) => part.text.replace(/ \(\d\/2\)$/, '')).join(' ')).toBe(text)
    expect(over.warnings).toEqual(["299 weighted characters is over X's limit of 280: split into a thread of 2 posts"])
    expect(over.errors).toEqual([])
  })

  it(`refuses a thread of more than ${MAX_THREAD_PARTS} posts, and allows one of ${MAX_THREAD_PARTS}`, () => {
    const p = playbook()
    const tooLong = measurePost(channel(p, 'x'), 'word '.repeat(1500).trim())
    expect(tooLong.parts.length).toBeGreaterThan(MAX_THREAD_PARTS)
    expect(tooLong.warnings).toEqual([])
    expect(tooLong.errors).toEqual([
      `x (X): the post is 7499 weighted characters, a thread of ${tooLong.parts.length} posts; at most ${MAX_THREAD_PARTS} are sent — shorten the facts`,
    ])
    // Find the longest text that still makes 25 posts: it is allowed, with a warning.
    let words = 1300
    while (measurePost(channel(p, 'x'), 'word '.repeat(words + 10).trim()).parts.length <= MAX_THREAD_PARTS) words += 10
    const most = measurePost(channel(p, 'x'), 'word '.repeat(words).trim())
    expect(most.parts.length).toBe(MAX_THREAD_PARTS)
    expect(most.errors).toEqual([])
    expect(most.warnings[0]).toMatch(/split into a thread of 25 posts$/)
  })

  it('says "characters" where the kind names no unit', () => {
    const over = measurePost(custom({unit: undefined, threads: true}), 'word '.repeat(60).trim())
    expect(over.warnings).toEqual(["299 characters is over X's limit of 280: split into a thread of 2 posts"])
    const many = measurePost(custom({unit: undefined, threads: true}), 'word '.repeat(1500).trim())
    expect(many.errors[0]).toMatch(/^custom \(X\): the post is 7499 characters, a thread of \d+ posts/)
    const hard = measurePost(custom({unit: undefined, threads: false}), 'a'.repeat(281))
    expect(hard.errors).toEqual([
      'custom (X): the post is 281 characters, over the limit of 280; shorten the template or the facts',
    ])
  })

  it('is an error, with the whole text as one part, where the channel does not thread', () => {
    const p = playbook()
    const text = 'b'.repeat(2001)
    expect(measurePost(channel(p, 'chat'), 'b'.repeat(2000))).toEqual({
      parts: [{text: 'b'.repeat(2000), length: 2000, limit: 2000}],
      warnings: [],
      errors: [],
    })
    expect(measurePost(channel(p, 'chat'), text)).toEqual({
      parts: [{text, length: 2001, limit: 2000}],
      warnings: [],
      errors: [
        'chat (Discord): the post is 2001 characters, over the limit of 2000; shorten the template or the facts',
      ],
    })
  })

  it('is an error when empty, with the limit or none', () => {
    const p = playbook()
    expect(measurePost(channel(p, 'x'), '')).toEqual({
      parts: [{text: '', length: 0, limit: 280}],
      warnings: [],
      errors: ['x: the post is empty'],
    })
    expect(measurePost(channel(p, 'mail'), '')).toEqual({
      parts: [{text: '', length: 0, limit: null}],
      warnings: [],
      errors: ['mail: the post is empty'],
    })
  })

  it('has no limit where the channel has none, measuring code points', () => {
    const p = playbook()
    const text = `${'😀'.repeat(3)} ${'z'.repeat(70000)}`
    expect(measurePost(channel(p, 'mail'), text)).toEqual({
      parts: [{text, length: 70004, limit: null}],
      warnings: [],
      errors: [],
    })
    // A limited kind without its own measure counts code points, not UTF-16 units.
    expect(measurePost(custom({measure: undefined, defaultLimit: 3}), '😀😀😀').parts).toEqual([
      {text: '😀😀😀', length: 3, limit: 3},
    ])
  })

  it('warns above the advised length only while within the limit', () => {
    const p = playbook()
    expect(measurePost(channel(p, 'team'), 'c'.repeat(4000)).warnings).toEqual([])
    expect(measurePost(channel(p, 'team'), 'c'.repeat(4001)).warnings).toEqual([
      '4001 characters is over the 4000 Slack advises; long messages may be truncated in notifications',
    ])
    expect(measurePost(channel(p, 'team'), 'c'.repeat(40000)).warnings).toHaveLength(1)
    const over = measurePost(channel(p, 'team'), 'c'.repeat(40001))
    expect(over.warnings).toEqual([])
    expect(over.errors).toHaveLength(1)
  })

  it('checks the bytes of every part where the kind limits them', () => {
    const p = playbook()
    const family = '👩‍👩‍👧‍👦' // one grapheme, 25 bytes
    expect(measurePost(channel(p, 'sky'), family.repeat(120)).errors).toEqual([]) // 3000 bytes
    expect(measurePost(channel(p, 'sky'), `${family.repeat(120)}1`).errors).toEqual([
      'sky (Bluesky): part 1 is 3001 bytes of UTF-8, over the limit of 3000',
    ])
    // The second part of a thread: its number counts from 1.
    const thread = measurePost(channel(p, 'sky'), `${'w '.repeat(150).trim()} ${'👩‍👩‍👧‍👦 '.repeat(200).trim()}`)
    expect(thread.parts.length).toBeGreaterThan(1)
    expect(thread.errors.length).toBeGreaterThan(0)
    for (const error of thread.errors) expect(error).toMatch(/^sky \(Bluesky\): part [2-9] is \d+ bytes of UTF-8/)
  })

  it("splits by the server's limit and URL length, and by max_length over both where the kind allows it", () => {
    const p = playbook()
    const text = `${'m'.repeat(60)} https://status.example.com/incidents/12345`
    const byServer = measurePost(channel(p, 'toot'), text, server({maxLength: 70, urlLength: 5}))
    expect(byServer.parts).toEqual([{text, length: 66, limit: 70}])
    expect(measurePost(channel(p, 'toot'), text).parts).toEqual([{text, length: 84, limit: 500}])
    const fixed = measurePost(channel(p, 'tootfixed'), 'n'.repeat(101), server({maxLength: 5000}))
    expect(fixed.parts.every((part) => part.limit === 100)).toBe(true)
    expect(fixed.parts.length).toBe(2)
    // max_length on a kind that does not allow it is no limit of its own.
    expect(measurePost(custom({}, {max_length: 10}), 'a'.repeat(20)).parts).toEqual([
      {text: 'a'.repeat(20), length: 20, limit: 280},
    ])
  })
})

describe('factMentions', () => {
  it('names each notifying mention that came from a fact, once, in any case, from lists too', () => {
    const p = playbook()
    const text =
      'Hi @Dana@Social.example and @dana@social.example, cc @ops@team.example, @kim@x.example, @me@own.example'
    const facts = {service: 'see @dana@social.example', regions: ['EU', '@OPS@team.example'], impact: null}
    expect(factMentions(channel(p, 'toot'), text, facts as never)).toEqual([
      '"@Dana@Social.example" (from fact "service") will mention and notify that account on Mastodon; write it without the leading @ if no one should be notified',
      '"@dana@social.example" (from fact "service") will mention and notify that account on Mastodon; write it without the leading @ if no one should be notified',
      '"@ops@team.example" (from fact "regions") will mention and notify that account on Mastodon; write it without the leading @ if no one should be notified',
    ])
    expect(factMentions(channel(p, 'toot'), 'nothing here', facts as never)).toEqual([])
    expect(factMentions(channel(p, 'x'), text, facts as never)).toEqual([])
  })
})

describe('describeLimit', () => {
  it('says where the limit of a channel whose server sets it came from', () => {
    const p = playbook()
    expect(describeLimit(channel(p, 'x'), server())).toBeUndefined()
    expect(describeLimit(channel(p, 'tootfixed'), server())).toBe('limit 100 from max_length in the playbook')
    expect(describeLimit(channel(p, 'toot'), server({urlLength: 0}))).toBe(
      'limit 1000, URLs count 0, as https://social.example said at 2026-12-05 09:07 UTC',
    )
    expect(describeLimit(channel(p, 'toot'), server())).toBe(
      'limit 1000, as https://social.example said at 2026-12-05 09:07 UTC',
    )
    expect(describeLimit(channel(p, 'toot'))).toBe(
      "limit 500 assumed (Mastodon's default): https://social.example has not been asked yet; publish reads its own limit",
    )
    expect(describeLimit(channel(p, 'tootbare'))).toBe(
      "limit 500 assumed (Mastodon's default): the Mastodon server has not been asked yet; publish reads its own limit",
    )
  })
})

describe('renderData', () => {
  it('fills the built-ins, for a preview and for an incident, with the cadence the incident has reached', () => {
    const p = playbook()
    const phase = findPhase(p, 'investigating')
    expect(renderData(p, phase, {now: NOW})).toEqual({
      data: {
        phase: 'investigating',
        playbook: 'paths',
        now: NOW,
        next_update: new Date('2026-12-05T10:30:00Z'),
        incident: {id: 'preview', started_at: NOW},
        update: 1,
      },
      nextUpdateDue: new Date('2026-12-05T10:30:00Z'),
    })
    const startedAt = new Date('2026-12-05T07:00:00Z') // three hours ago: the long-incident cadence
    const {data, nextUpdateDue} = renderData(p, phase, {now: NOW, incident: {id: 'inc-7', startedAt}, update: 4})
    expect(data.incident).toEqual({id: 'inc-7', started_at: startedAt})
    expect(data.update).toBe(4)
    expect(nextUpdateDue).toEqual(new Date('2026-12-05T11:00:00Z'))
    const early = renderData(p, phase, {now: NOW, incident: {id: 'inc-7', startedAt: new Date('2026-12-05T08:30:00Z')}})
    expect(early.nextUpdateDue).toEqual(new Date('2026-12-05T10:30:00Z'))
    const none = renderData(p, findPhase(p, 'monitoring'), {now: NOW})
    expect(none.nextUpdateDue).toBeUndefined()
    expect(none.data.next_update).toBeUndefined()
  })
})

describe('renderPhase', () => {
  it('refuses templates that read undeclared facts, naming all of them, only for the posts asked for', () => {
    const p = playbook()
    const without = (...names: string[]): Playbook => ({
      ...p,
      facts: new Map([...p.facts].filter(([name]) => !names.includes(name))),
    })
    const one = catchCandorError(() => renderPhase(without('impact'), 'investigating', {service: 'S'}, {now: NOW}))
    expect(one.message).toBe('templates use undeclared fact "impact"')
    expect(one.code).toBe('undeclared_facts')
    expect(one.suggestions).toEqual([
      'Declare them under "facts:" in the playbook, or run `candor playbook validate` to see where they are used',
    ])
    expect(
      catchCandorError(() => renderPhase(without('impact', 'service'), 'investigating', {}, {now: NOW})).message,
    ).toBe('templates use undeclared facts "service", "impact"')
    const monitoring = renderPhase(without('impact'), 'monitoring', {service: 'S'}, {now: NOW, channels: ['chat']})
    expect(monitoring.posts.map((post) => post.parts[0].text)).toEqual(['S'])
  })

  it('renders with the built-ins, the allowed rules, each channel its own server limits, and the credentials', () => {
    const p = playbook()
    const facts = resolveFacts(p, {service: 'Voice', impact: 'calls fail at 10.9.8.7'})
    const r = renderPhase(p, 'investigating', facts, {
      now: NOW,
      channels: ['x', 'toot', 'chat'],
      allow: ['private-ip'],
      limits: new Map([['toot', server({maxLength: 777})]]),
      credentials: [{name: 'CANDOR_CHAT_WEBHOOK_URL', value: 'Voice: calls'}],
    })
    expect(r).toMatchObject({playbook: 'paths', phase: 'investigating', nextUpdateDue: '2026-12-05T10:30:00.000Z'})
    const [x, chat, toot] = r.posts
    expect(x.channel).toBe('x')
    expect(x.warnings).toEqual([expect.stringMatching(/^policy rule "private-ip" overridden with --allow/)])
    expect(toot.parts[0].limit).toBe(777)
    expect(toot.limitNote).toBe('limit 777, as https://social.example said at 2026-12-05 09:07 UTC')
    expect(chat.errors).toEqual([expect.stringMatching(/^chat: policy rule "credential"/)])
    expect(catchCandorError(() => renderPhase(p, 'investigating', facts, {now: NOW, allow: ['nope']})).code).toBe(
      'unknown_policy_rule',
    )
    const monitoring = renderPhase(p, 'monitoring', facts, {
      now: NOW,
      update: 3,
      incident: {id: 'inc-9', startedAt: NOW},
      channels: ['x'],
    })
    expect(monitoring.nextUpdateDue).toBeUndefined()
    expect(monitoring.posts[0].parts[0].text).toBe('Watching Voice (monitoring of paths, update 3, inc-9).')
  })
})

describe('renderPost', () => {
  const base = {phase: 'investigating', playbook: 'paths'}

  it('renders the options that are templates, trimmed and unescaped, and leaves the others', () => {
    const p = playbook()
    const facts = resolveFacts(p, {service: 'A&B'})
    const post = (name: string) =>
      renderPost(p, findPhase(p, 'investigating').posts.find((x) => x.channel === name)!, facts, base)
    const mail = post('mail')
    expect(mail.subject).toBe('A&B <b>down</b>')
    expect(mail.title).toBeUndefined()
    expect(post('blog').title).toBe('A&B incident')
    expect(post('page').link).toBe('https://status.acme.io/A&B')
    expect(post('web').title).toBeUndefined() // the site's title is plain text, not a template
    expect(post('web').parts[0].text).toBe('A&amp;B:')
    expect(post('x').parts[0].text).toBe('A&B:')
    expect(post('x')).toMatchObject({channel: 'x', type: 'x'})
    expect(post('x').html).toBeUndefined()
    expect(post('x').limitNote).toBeUndefined()
    expect(post('toot').limitNote).toMatch(/^limit 500 assumed/)
  })

  it('gives email an HTML part, every value escaped, in paragraphs', () => {
    const p = playbook()
    const facts = resolveFacts(p, {service: '<i>S</i>', impact: 'a & b\nline two\n\nnext'})
    const mail = renderPost(p, findPhase(p, 'investigating').posts.find((x) => x.channel === 'mail')!, facts, base)
    expect(mail.html).toBe('<p>&lt;i&gt;S&lt;/i&gt;: a &amp; b<br>\nline two</p>\n<p>next</p>')
    expect(mail.parts[0].text).toBe('<i>S</i>: a & b\nline two\n\nnext')
  })

  it('renders another language or template when asked, with @channel and @locale', () => {
    const p = playbook()
    const spec = findPhase(p, 'investigating').posts.find((x) => x.channel === 'x')!
    const facts = resolveFacts(p, {service: 'S'})
    const template = {text: '\n  {{@channel}} {{@locale}} {{service}}  \n'} as typeof spec.template
    expect(renderPost(p, spec, facts, base, {template}).parts[0].text).toBe('x en S')
    expect(renderPost(p, spec, facts, base, {template, locale: 'de'}).parts[0].text).toBe('x de S')
  })

  it('collects the warnings and errors of measuring, mentions and the policy, in that order', () => {
    const p = playbook()
    const spec = findPhase(p, 'investigating').posts.find((x) => x.channel === 'toot')!
    const impact = `${'long words here '.repeat(40)}see @dana@social.example at 10.0.0.1 and 192.168.0.1`
    const facts = resolveFacts(p, {service: 'S', impact})
    const post = renderPost(p, spec, facts, base, {allow: ['private-ip'], server: server({maxLength: 300})})
    expect(post.parts.length).toBeGreaterThan(1)
    expect(post.warnings).toEqual([
      expect.stringMatching(/is over Mastodon's limit of 300: split into a thread/),
      expect.stringMatching(/^"@dana@social.example" \(from fact "impact"\)/),
      expect.stringMatching(/^policy rule "private-ip" overridden with --allow: "10.0.0.1"/),
      expect.stringMatching(/^policy rule "private-ip" overridden with --allow: "192.168.0.1"/),
    ])
    expect(post.violations.map((v) => [v.match, v.allowed])).toEqual([
      ['10.0.0.1', true],
      ['192.168.0.1', true],
    ])
    const empty = renderPost(p, spec, facts, base, {template: {text: '  '} as typeof spec.template})
    expect(empty.errors).toEqual(['toot: the post is empty'])
    const chat = findPhase(p, 'investigating').posts.find((x) => x.channel === 'chat')!
    const both = renderPost(p, chat, facts, base, {template: {text: `at 10.0.0.1 ${'x'.repeat(2000)}`} as never})
    expect(both.errors).toEqual([
      'chat (Discord): the post is 2012 characters, over the limit of 2000; shorten the template or the facts',
      expect.stringMatching(/^chat: policy rule "private-ip": "10.0.0.1"/),
    ])
  })

  it('trims the HTML part as it trims the text', () => {
    const p = playbook()
    const spec = findPhase(p, 'investigating').posts.find((x) => x.channel === 'mail')!
    const mail = renderPost(p, spec, {service: 'S'}, base, {template: {text: '\n  {{service}} down\n\n'} as never})
    expect(mail.parts[0].text).toBe('S down')
    expect(mail.html).toBe('<p>S down</p>')
  })

  it('runs the policy on the title, subject and link as well as the text', () => {
    const p = playbook()
    const facts = resolveFacts(p, {service: '10.3.3.3'})
    const post = (name: string) =>
      renderPost(p, findPhase(p, 'investigating').posts.find((x) => x.channel === name)!, facts, base, {
        template: {text: 'clean'} as never,
      })
    for (const name of ['mail', 'blog', 'page'])
      expect(post(name).errors, name).toEqual([expect.stringMatching(new RegExp(`^${name}: policy rule "private-ip"`))])
    expect(post('x').errors).toEqual([])
  })
})

/**
 * An approver's edit on a channel that renders HTML (the status site; email's HTML part) is
 * text like any rendered value: it goes out escaped, never as markup. Written to kill the
 * mutants of services/publish/edit.ts that drop or bypass that escaping.
 */
import {describe, expect, it} from 'vitest'
import {resolveFacts} from '../../src/domain/playbook/facts.js'
import type {Playbook} from '../../src/domain/playbook/model.js'
import type {RenderedPostRecord} from '../../src/services/incident/events.js'
import {loadPlaybook} from '../../src/services/playbook/load.js'
import {editableText, parseEdit, reviseFromEdit, unescapeHtml} from '../../src/services/publish/edit.js'
import {renderPhase} from '../../src/services/render/render-phase.js'
import {writePlaybook} from '../helpers/cli.js'

const NOW = new Date('2026-03-01T10:00:00Z')

function playbook(): Playbook {
  const {playbook: file} = writePlaybook(`
name: edit-escaping
facts:
  service: { required: true }
channels:
  site: { type: site, dir: public }
  mail: { type: email, from: ops@example.com, to: [users@example.com], subject: "{{service}} incident" }
  x: { type: x }
phases:
  investigating:
    posts:
      site: { text: "{{service}}: looking" }
      mail: { text: "{{service}}: looking" }
      x: { text: "{{service}}: looking" }
`)
  const {playbook: p, problems} = loadPlaybook(file)
  expect(problems).toEqual([])
  return p!
}

function rendered(p: Playbook, channel: string): RenderedPostRecord {
  const r = renderPhase(p, 'investigating', resolveFacts(p, {service: 'A<b> & co'}), {now: NOW})
  const post = r.posts.find((x) => x.channel === channel)!
  const {warnings: _w, errors: _e, violations: _v, ...record} = post
  return record
}

const EDIT = 'Fixed <script>alert(1)</script> & "quoted" \'single\''

describe('an approver edit on an HTML channel', () => {
  it('goes out escaped on the status site, markup and all', () => {
    const p = playbook()
    const revised = reviseFromEdit(p, rendered(p, 'site'), EDIT, resolveFacts(p, {service: 'A'}))
    const text = revised.parts.map((x) => x.text).join('')
    expect(text).toBe('Fixed &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;')
    expect(text).not.toContain('<script>')
  })

  it('goes out escaped in the HTML part of an email, as paragraphs, while its text part stays plain', () => {
    const p = playbook()
    const revised = reviseFromEdit(
      p,
      rendered(p, 'mail'),
      'Subject: New <b>subject</b>\n\nLine <i>one</i>\nline two\n\nSecond para',
      resolveFacts(p, {service: 'A'}),
    )
    expect(revised.html).toBe('<p>Line &lt;i&gt;one&lt;/i&gt;<br>\nline two</p>\n<p>Second para</p>')
    expect(revised.parts.map((x) => x.text).join('')).toBe('Line <i>one</i>\nline two\n\nSecond para')
    expect(revised.subject).toBe('New <b>subject</b>')
  })

  it('stays plain on a text channel', () => {
    const p = playbook()
    const revised = reviseFromEdit(p, rendered(p, 'x'), EDIT, resolveFacts(p, {service: 'A'}))
    expect(revised.parts.map((x) => x.text).join('')).toBe(EDIT)
    expect(revised.html).toBeUndefined()
  })

  it('is offered to the editor unescaped, so saving it unchanged does not escape it twice', () => {
    const p = playbook()
    const post = rendered(p, 'site')
    expect(post.parts[0].text).toBe('A&lt;b&gt; &amp; co: looking')
    const plain = editableText(post, p.channels.get('site')!)
    expect(plain).toBe('A<b> & co: looking')
    const again = reviseFromEdit(p, post, plain, resolveFacts(p, {service: 'A<b> & co'}))
    expect(again.parts[0].text).toBe(post.parts[0].text)
    // A text channel shows the text as it is.
    expect(editableText(rendered(p, 'x'), p.channels.get('x')!)).toBe('A<b> & co: looking')
  })

  it('the editor shows the header lines of the forms a post has', () => {
    const p = playbook()
    const mail = rendered(p, 'mail')
    expect(editableText(mail, p.channels.get('mail')!)).toBe('Subject: A<b> & co incident\n\nA<b> & co: looking')
  })
})

describe('reading an edit back', () => {
  const post = {
    channel: 'mail',
    type: 'email',
    parts: [{text: 'x', length: 1, limit: null}],
    subject: 'S',
    title: 'T',
  } as unknown as RenderedPostRecord

  it('takes known header lines, case-insensitively, then the text', () => {
    expect(parseEdit(post, 'subject:  New S \r\nTITLE:T2\n\n  body\nmore  ')).toEqual({
      text: 'body\nmore',
      fields: {subject: 'New S', title: 'T2'},
    })
  })

  it('stops at the first line that is not a known header', () => {
    expect(parseEdit(post, 'Link: http://x\nSubject: s')).toEqual({text: 'Link: http://x\nSubject: s', fields: {}})
    expect(parseEdit(post, 'Subject: s\nplain: text')).toEqual({text: 'plain: text', fields: {subject: 's'}})
  })

  it('reads no headers on a post without forms', () => {
    const bare = {channel: 'x', type: 'x', parts: [{text: 'x', length: 1, limit: 280}]} as unknown as RenderedPostRecord
    expect(parseEdit(bare, 'Subject: s')).toEqual({text: 'Subject: s', fields: {}})
  })

  it('joins the parts of a thread without their numbers', () => {
    const p = playbook()
    const thread = {
      channel: 'x',
      type: 'x',
      parts: [
        {text: 'one (1/2)', length: 9, limit: 280},
        {text: 'two (2/2)', length: 9, limit: 280},
      ],
    } as unknown as RenderedPostRecord
    expect(editableText(thread, p.channels.get('x')!)).toBe('one two')
  })
})

describe('unescapeHtml', () => {
  it('undoes every entity the renderers write, once', () => {
    expect(unescapeHtml('&amp;lt; &lt;&gt;&quot;&#39;&#x27;&#x60;&#x3D;')).toBe("&lt; <>\"''`=")
    expect(unescapeHtml('&copy; &#40;')).toBe('&copy; &#40;')
  })
})

describe('edit edge cases', () => {
  const x = () => playbook().channels.get('x')!
  const part = (text: string) => ({text, length: text.length, limit: 280})
  const xPost = (...texts: string[]) =>
    ({channel: 'x', type: 'x', parts: texts.map(part)}) as unknown as RenderedPostRecord

  it('a single part keeps a numbering-like ending; no parts is empty text', () => {
    expect(editableText(xPost('see note (1/2)'), x())).toBe('see note (1/2)')
    expect(editableText(xPost(), x())).toBe('')
  })

  it('strips only the numbering at the end of each part, with numbers of any width', () => {
    expect(editableText(xPost('a (1/2) b (10/11)', 'c (11/11)'), x())).toBe('a (1/2) b c')
  })

  it('leaves entities alone on a text channel', () => {
    expect(editableText(xPost('a &amp; b'), x())).toBe('a &amp; b')
  })

  it('puts each header on its own line', () => {
    const post = {
      channel: 'mail',
      type: 'email',
      parts: [part('body')],
      subject: 'S',
      title: 'T',
      link: 'https://l.example',
    } as unknown as RenderedPostRecord
    expect(editableText(post, playbook().channels.get('mail')!)).toBe(
      'Subject: S\nTitle: T\nLink: https://l.example\n\nbody',
    )
  })

  it('reads old Mac line ends, and takes only whole lines as headers', () => {
    const post = {channel: 'mail', type: 'email', parts: [part('x')], subject: 'S'} as unknown as RenderedPostRecord
    expect(parseEdit(post, 'Subject: s\rbody')).toEqual({text: 'body', fields: {subject: 's'}})
    expect(parseEdit(post, '- Subject: s')).toEqual({text: '- Subject: s', fields: {}})
    expect(parseEdit(post, 'Subject: a\u2028b')).toEqual({text: 'Subject: a\u2028b', fields: {}})
  })

  it('sets only the forms the post has', () => {
    const p = playbook()
    const revised = reviseFromEdit(p, rendered(p, 'x'), 'new', resolveFacts(p, {service: 'A'}))
    expect(Object.keys(revised).sort()).toEqual(['channel', 'errors', 'parts', 'type', 'violations', 'warnings'])
  })

  it('renders the HTML part for an email post, and for any post that had one', () => {
    const p = playbook()
    const facts = resolveFacts(p, {service: 'A'})
    const {html: _h, ...mailWithoutHtml} = rendered(p, 'mail')
    expect(reviseFromEdit(p, mailWithoutHtml, 'a<b', facts).html).toBe('<p>a&lt;b</p>')
    expect(reviseFromEdit(p, {...rendered(p, 'x'), html: '<p>old</p>'}, 'a<b', facts).html).toBe('<p>a&lt;b</p>')
  })

  it('runs the policy on the edit: its errors, its overrides as warnings, and the configured secrets', () => {
    const p = playbook()
    const facts = resolveFacts(p, {service: 'A'})
    const blocked = reviseFromEdit(p, rendered(p, 'x'), 'db at 10.0.0.12', facts)
    expect(blocked.errors.join('\n')).toContain('private-ip')
    expect(blocked.violations.map((v) => v.rule)).toEqual(['private-ip'])
    const allowed = reviseFromEdit(p, rendered(p, 'x'), 'db at 10.0.0.12', facts, ['private-ip'])
    expect(allowed.errors).toEqual([])
    expect(allowed.warnings.join('\n')).toContain('overridden with --allow')
    const secret = reviseFromEdit(p, rendered(p, 'x'), 'token Zq81vZ0pLmXy42', facts, [], undefined, [
      {name: 'CANDOR_X_ACCESS_TOKEN', value: 'Zq81vZ0pLmXy42'},
    ])
    expect(secret.errors.join('\n')).toContain('CANDOR_X_ACCESS_TOKEN')
  })
})

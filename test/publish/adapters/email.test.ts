import {afterEach, describe, expect, it} from 'vitest'
import {CHANNEL_KINDS} from '../../../src/channels/registry.js'
import type {RemotePost, RenderedPostRecord} from '../../../src/services/incident/events.js'
import type {ChannelAdapter, PostRequest} from '../../../src/services/publish/adapter.js'
import {addressDomain, createAdapter, parseSmtpUrl} from '../../../src/channels/email/adapter.js'
import {textToHtml} from '../../../src/services/render/render-phase.js'
import {runTemplate} from '../../../src/services/render/template.js'
import {startFakeSmtp, type FakeSmtp} from '../../../src/infrastructure/sandbox/fakes/smtp-server.js'
import {deliveryFailure, postRequest, TIMEOUT} from './requests.js'

const PASSWORD = 'smtp-pass-7f3a9c'
const FROM = 'Acme Status <status@acme.test>'
const TO = ['customers@lists.acme.test', 'ops@acme.test']
const BCC = ['exec@acme.test']

let smtp: FakeSmtp
afterEach(async () => smtp?.close())

async function start(): Promise<FakeSmtp> {
  smtp = await startFakeSmtp({user: 'status@acme.test', pass: PASSWORD})
  return smtp
}

function adapterFor(
  s: FakeSmtp,
  opts: {url?: string; options?: Record<string, unknown>; timeoutMs?: number} = {},
): ChannelAdapter {
  return createAdapter({
    channel: {
      name: 'mail',
      type: 'email',
      kind: CHANNEL_KINDS.email,
      options: {from: FROM, to: TO, bcc: BCC, ...opts.options},
    },
    credentials: {SMTP_URL: opts.url ?? s.url},
    timeoutMs: opts.timeoutMs ?? TIMEOUT,
  })
}

/** Renders a post the way the renderer does for email: text as written, HTML escaped. */
function rendered(
  template: string,
  facts: Record<string, unknown>,
  subject?: string,
): {text: string; post: RenderedPostRecord} {
  const text = runTemplate(template, 'text', facts, {}).trim()
  const html = textToHtml(runTemplate(template, 'html', facts, {}).trim())
  return {
    text,
    post: {
      channel: 'mail',
      type: 'email',
      parts: [{text, length: text.length, limit: null}],
      html,
      ...(subject && {subject}),
    },
  }
}

function request(
  update: number,
  phase: string,
  thread: {replyTo?: RemotePost; threadRoot?: RemotePost} = {},
  content = rendered('Calls on Acme Voice fail.', {}, `[Acme] Voice: ${phase}`),
): PostRequest {
  return postRequest(
    {channel: 'mail', type: 'email', text: content.text, limit: null, incident: {update, phase}, post: content.post},
    thread,
  )
}

const failure = (p: Promise<unknown>) => deliveryFailure(p, [PASSWORD, smtp.url])

describe('email adapter', () => {
  it('threads three updates: own Message-IDs, In-Reply-To the previous mail, References the first', async () => {
    await start()
    const adapter = adapterFor(smtp)
    const first = await adapter.post(request(1, 'investigating'))
    const second = await adapter.post(request(2, 'identified', {replyTo: first, threadRoot: first}))
    const third = await adapter.post(request(3, 'resolved', {replyTo: second, threadRoot: first}))

    expect([first.id, second.id, third.id]).toEqual([
      '<candor.voice-1.1.1.mail@acme.test>',
      '<candor.voice-1.2.1.mail@acme.test>',
      '<candor.voice-1.3.1.mail@acme.test>',
    ])
    const [m1, m2, m3] = smtp.messages
    expect(smtp.messages).toHaveLength(3)
    expect(m1.messageId).toBe(first.id)
    expect(m1.inReplyTo).toBeUndefined()
    expect(m1.references).toEqual([])
    expect(m2.messageId).toBe(second.id)
    expect(m2.inReplyTo).toBe(first.id)
    expect(m2.references).toEqual([first.id])
    expect(m3.messageId).toBe(third.id)
    expect(m3.inReplyTo).toBe(second.id)
    expect(m3.references).toEqual([first.id, second.id])
    expect(smtp.messages.map((m) => m.subject)).toEqual([
      '[Acme] Voice: investigating',
      '[Acme] Voice: identified',
      '[Acme] Voice: resolved',
    ])
  })

  it('sends from, to and bcc as configured: bcc only in the envelope, and authenticates', async () => {
    await start()
    await adapterFor(smtp).post(request(1, 'investigating'))
    const [m] = smtp.messages
    expect(m.envelope).toEqual({from: 'status@acme.test', to: [...TO, ...BCC]})
    expect(m.from).toBe(FROM)
    expect(m.to).toBe(TO.join(', '))
    expect(m.headers.bcc).toBeUndefined()
    expect(m.raw).not.toContain('exec@acme.test')
    expect(smtp.logins).toEqual([{user: 'status@acme.test', ok: true}])
  })

  it('sends the text as written and the HTML escaped', async () => {
    await start()
    const content = rendered(
      'We found the cause: {{cause}}.\n\nNext update by 14:00 — “soon”.',
      {cause: 'a bad <script>alert(1)</script> & "config"'},
      'Update: Störung',
    )
    await adapterFor(smtp).post(request(1, 'identified', {}, content))
    const [m] = smtp.messages
    expect(m.subject).toBe('Update: Störung')
    expect(m.text).toBe(
      'We found the cause: a bad <script>alert(1)</script> & "config".\n\nNext update by 14:00 — “soon”.',
    )
    expect(m.html).toContain('a bad &lt;script&gt;alert(1)&lt;/script&gt; &amp; ')
    expect(m.html).not.toContain('<script>')
    expect(m.html).toMatch(/^<p>We found the cause: .*<\/p>\n?<p>Next update by 14:00 — “soon”.<\/p>$/s)
  })

  it('defaults to one subject for the whole incident, so Gmail threads every update', async () => {
    await start()
    const adapter = adapterFor(smtp)
    const first = await adapter.post(request(1, 'investigating', {}, rendered('Investigating.', {})))
    await adapter.post(request(2, 'resolved', {replyTo: first, threadRoot: first}, rendered('Resolved.', {})))
    expect(smtp.messages.map((m) => m.subject)).toEqual(['[Incident voice-1]', '[Incident voice-1]'])
  })

  it('marks every mail Auto-Submitted (RFC 3834), and names the list (RFC 2919) when list_id is set', async () => {
    await start()
    await adapterFor(smtp).post(request(1, 'investigating'))
    await adapterFor(smtp, {options: {list_id: 'status.lists.acme.test'}}).post(request(1, 'investigating'))
    await adapterFor(smtp, {options: {list_id: 'Acme status <status.lists.acme.test>'}}).post(
      request(1, 'investigating'),
    )
    expect(smtp.messages.map((m) => [m.headers['auto-submitted'], m.headers['list-id']])).toEqual([
      ['auto-generated', undefined],
      ['auto-generated', '<status.lists.acme.test>'],
      ['auto-generated', 'Acme status <status.lists.acme.test>'],
    ])
  })

  it('keeps the Message-ID across a retry after a temporary failure', async () => {
    await start()
    const adapter = adapterFor(smtp)
    smtp.fail({status: 451})
    const e = await failure(adapter.post(request(1, 'investigating')))
    expect(e).toMatchObject({
      retry: 'transient',
      message: `SMTP server 127.0.0.1:${smtp.port} answered 451 (temporary): 4.3.0 Temporary local problem, please try again later`,
    })
    const remote = await adapter.post(request(1, 'investigating'))
    expect(remote.id).toBe('<candor.voice-1.1.1.mail@acme.test>')
    expect(smtp.messages.map((m) => m.messageId)).toEqual([remote.id])
  })

  it('whoami verifies the login and names user, host and port', async () => {
    await start()
    expect(await adapterFor(smtp).whoami!(new AbortController().signal)).toBe(`status@acme.test@127.0.0.1:${smtp.port}`)
    expect(smtp.logins).toEqual([{user: 'status@acme.test', ok: true}])
    expect(smtp.messages).toHaveLength(0)
    expect(adapterFor(smtp).delete).toBeUndefined()
  })

  it('describes the target without the password', async () => {
    await start()
    const target = adapterFor(smtp).describeTarget()
    expect(target).toBe(`email from ${FROM} to ${TO.join(', ')} (+1 bcc) via 127.0.0.1:${smtp.port}`)
    expect(target).not.toContain(PASSWORD)
  })

  it('reads SMTP URLs and sender domains', () => {
    expect(parseSmtpUrl('smtps://me%40x.test:p%40ss@mail.x.test')).toEqual({
      secure: true,
      host: 'mail.x.test',
      port: 465,
      user: 'me@x.test',
    })
    expect(parseSmtpUrl('smtp://mail.x.test:2525')).toEqual({secure: false, host: 'mail.x.test', port: 2525})
    expect(parseSmtpUrl('https://mail.x.test')).toBeUndefined()
    expect(addressDomain('"Acme, Inc." <Status@Acme.Example>')).toBe('acme.example')
    expect(addressDomain('status@acme.example')).toBe('acme.example')
  })

  describe('failures', () => {
    it('a wrong password: authentication failed, final, no password in the message', async () => {
      await start()
      const url = `smtp://status%40acme.test:wrong-password-123@127.0.0.1:${smtp.port}`
      const e = await failure(adapterFor(smtp, {url}).post(request(1, 'investigating')))
      expect(e).toMatchObject({
        retry: 'never',
        message: `SMTP authentication failed for status@acme.test at 127.0.0.1:${smtp.port} (535); check CANDOR_MAIL_SMTP_URL`,
      })
      expect(e.message).not.toContain('wrong-password-123')
      const w = await failure(adapterFor(smtp, {url}).whoami!(new AbortController().signal))
      expect(w.retry).toBe('never')
      expect(smtp.messages).toHaveLength(0)
    })

    it('the server refusing the login is final too', async () => {
      await start()
      smtp.fail({kind: 'auth'})
      expect((await failure(adapterFor(smtp).post(request(1, 'investigating')))).retry).toBe('never')
    })

    it('every recipient refused: final, and the addresses are not named', async () => {
      await start()
      smtp.fail({status: 550})
      const e = await failure(adapterFor(smtp).post(request(1, 'investigating')))
      expect(e).toMatchObject({
        retry: 'never',
        message: `SMTP server 127.0.0.1:${smtp.port} refused 3 recipients (550)`,
      })
      for (const address of [...TO, ...BCC]) expect(e.message).not.toContain(address)
      expect(smtp.messages).toHaveLength(0)
    })

    it('some recipients refused: the others get the mail, and the count is recorded', async () => {
      await start()
      smtp.fail({status: 550, recipients: ['ops@acme.test']})
      const remote = await adapterFor(smtp).post(request(1, 'investigating'))
      expect(remote).toEqual({id: '<candor.voice-1.1.1.mail@acme.test>', ref: {rejected_recipients: '1'}})
      expect(smtp.messages[0].envelope.to).toEqual(['customers@lists.acme.test', 'exec@acme.test'])
    })

    it('a refused message (554) is final', async () => {
      await start()
      smtp.fail({status: 554})
      const e = await failure(adapterFor(smtp).post(request(1, 'investigating')))
      expect(e).toMatchObject({
        retry: 'never',
        message: `SMTP server 127.0.0.1:${smtp.port} refused the message (554 5.7.1 Message rejected: looks like spam)`,
      })
    })

    it('a server that never greets, or never answers DATA, is transient after the timeout', async () => {
      await start()
      smtp.fail({kind: 'hang'})
      smtp.fail({kind: 'hang', at: 'data'})
      const adapter = adapterFor(smtp, {timeoutMs: 500})
      expect(await failure(adapter.post(request(1, 'investigating')))).toMatchObject({
        retry: 'transient',
        message: `SMTP server 127.0.0.1:${smtp.port} did not answer within 500 ms`,
      })
      expect(await failure(adapter.post(request(1, 'investigating')))).toMatchObject({
        retry: 'transient',
        message: `SMTP server 127.0.0.1:${smtp.port} did not answer within 500 ms`,
      })
    })

    it('a dropped connection and a closed port are transient', async () => {
      await start()
      smtp.fail({kind: 'reset'})
      const e = await failure(adapterFor(smtp).post(request(1, 'investigating')))
      expect(e.retry).toBe('transient')
      expect(e.message).toMatch(new RegExp(`^could not reach the SMTP server at 127\\.0\\.0\\.1:${smtp.port} \\(`))
      expect(e.notSent).toBe(false) // cut off after connecting: the mail may have arrived
      const port = smtp.port
      await smtp.close()
      const refused = await failure(adapterFor(smtp).post(request(1, 'investigating')))
      // Refused: nothing was sent, so sending again is safe.
      expect(refused).toMatchObject({
        retry: 'transient',
        message: `could not reach the SMTP server at 127.0.0.1:${port} (connection refused)`,
        notSent: true,
        mayHaveArrived: false,
      })
    })

    it('an SMTP_URL that is not smtp:// is final, before connecting', async () => {
      await start()
      const adapter = adapterFor(smtp, {url: 'https://user:secret@mail.example.test'})
      const e = await failure(adapter.post(request(1, 'investigating')))
      expect(e).toMatchObject({retry: 'never', message: 'CANDOR_MAIL_SMTP_URL is not an smtp:// or smtps:// URL'})
      expect(adapter.describeTarget()).not.toContain('secret')
      expect(smtp.connections).toBe(0)
    })

    it('an aborted publish is not retried', async () => {
      await start()
      smtp.fail({kind: 'hang'})
      const controller = new AbortController()
      const pending = adapterFor(smtp).post({...request(1, 'investigating'), signal: controller.signal})
      setTimeout(() => controller.abort(), 50)
      expect((await failure(pending)).retry).toBe('never')
    })
  })
})

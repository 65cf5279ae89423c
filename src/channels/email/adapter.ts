import nodemailer, {type NodemailerError, type SendMailOptions, type Transporter} from 'nodemailer'
import type {RemotePost} from '../../services/incident/events.js'
import {
  DeliveryError,
  describeTimeout,
  type AdapterFactory,
  type ChannelAdapter,
} from '../../services/publish/adapter.js'
import {envPrefix} from '../env-prefix.js'
import {networkCause} from '../../infrastructure/http.js'
import {optionsOf} from '../kind.js'
import type {emailKind} from './kind.js'

/** What Candor shows of an SMTP_URL: never the password. */
export interface SmtpServer {
  secure: boolean
  host: string
  port: number
  user?: string
}

/** Reads `smtp://user:pass@host:port` / `smtps://…` (port defaults as nodemailer's: 587, or 465 for smtps). */
export function parseSmtpUrl(value: string | undefined): SmtpServer | undefined {
  let url: URL
  try {
    url = new URL(value ?? '')
  } catch {
    return undefined
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return undefined
  const secure = url.protocol === 'smtps:'
  return {
    secure,
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    ...(url.username && {user: decodeURIComponent(url.username)}),
  }
}

/** The domain of an address such as `Acme Status <status@acme.com>` (for Message-IDs). */
export function addressDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from
  return (
    address
      .slice(address.lastIndexOf('@') + 1)
      .trim()
      .toLowerCase() || 'localhost'
  )
}

/** Characters allowed on the left of a Message-ID (RFC 5322 dot-atom text); others become `-`. */
const idPart = (s: string | number) => String(s).replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]/g, '-')

/**
 * This part's own Message-ID, the same on every retry so a resend is recognisably the same
 * mail. The channel name keeps two email channels of one playbook from sharing ids.
 */
export function messageIdFor(
  incident: {id: string; update: number},
  part: number,
  channel: string,
  domain: string,
): string {
  return `<candor.${idPart(incident.id)}.${incident.update}.${part}.${idPart(channel)}@${domain}>`
}

/** A server reply without its code, and without addresses: which recipients were refused is not ours to print. */
const withoutAddresses = (text: string | undefined) =>
  (text ?? '')
    .replace(/^\d{3}[ -]/, '')
    .replace(/<?[^\s<>@]+@[^\s<>@]+>?/g, '<address>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)

/** Maps nodemailer's errors onto what the publisher needs to decide, without secrets or addresses. */
export function classifyEmailError(
  error: unknown,
  server: SmtpServer,
  urlVar: string,
  timeoutMs: number,
): DeliveryError {
  const e = error as NodemailerError
  const code = e?.responseCode
  const reply = withoutAddresses(e?.response)
  const where = `${server.host}:${server.port}`
  if (e?.code === 'EABORT')
    return new DeliveryError(`interrupted while talking to the SMTP server ${where}`, {retry: 'never'})
  // 4xx replies are temporary by definition (greylisting, rate limits, full mailboxes).
  if (code && code >= 400 && code < 500)
    return new DeliveryError(`SMTP server ${where} answered ${code} (temporary)${reply ? `: ${reply}` : ''}`, {
      retry: 'transient',
    })
  if (e?.code === 'EAUTH' || code === 535) {
    return new DeliveryError(
      `SMTP authentication failed for ${server.user ?? '(no user)'} at ${where}${code ? ` (${code})` : ''}; check ${urlVar}`,
      {retry: 'never'},
    )
  }
  if (e?.code === 'ENOAUTH')
    return new DeliveryError(`SMTP server ${where} needs a user and password in ${urlVar}`, {retry: 'never'})
  if (e?.code === 'EENVELOPE') {
    const what = /MAIL FROM/i.test(e.command ?? '')
      ? 'the sender address'
      : e.rejected?.length
        ? `${e.rejected.length} recipient${e.rejected.length === 1 ? '' : 's'}`
        : 'the envelope'
    return new DeliveryError(`SMTP server ${where} refused ${what}${code ? ` (${code})` : ''}`, {retry: 'never'})
  }
  if (code && code >= 500)
    return new DeliveryError(`SMTP server ${where} refused the message (${code}${reply ? ` ${reply}` : ''})`, {
      retry: 'never',
    })
  if (e?.code === 'ETIMEDOUT')
    return new DeliveryError(`SMTP server ${where} did not answer within ${describeTimeout(timeoutMs)}`, {
      retry: 'transient',
      mayHaveArrived: true,
    })
  if (e?.code === 'ECONFIG') return new DeliveryError(`the SMTP settings in ${urlVar} are not valid`, {retry: 'never'})
  // nodemailer wraps socket errors: code ESOCKET, originalCode ECONNREFUSED.
  const cause = networkCause({code: e?.originalCode ?? e?.code, message: withoutAddresses(e?.message)})
  return new DeliveryError(`could not reach the SMTP server at ${where} (${cause.what})`, {
    retry: 'transient',
    mayHaveArrived: !cause.notSent,
    notSent: cause.notSent,
  })
}

export const createAdapter: AdapterFactory = ({channel, credentials, timeoutMs}): ChannelAdapter => {
  const urlVar = `${envPrefix(channel.name)}SMTP_URL`
  const server = parseSmtpUrl(credentials.SMTP_URL)
  const options = optionsOf(channel.kind as typeof emailKind, channel.options)
  const {from, to} = options
  const bcc = options.bcc ?? []
  const listId = options.list_id?.trim()
  let transporter: Transporter | undefined

  function connect(): {transporter: Transporter; server: SmtpServer} {
    if (!server) throw new DeliveryError(`${urlVar} is not an smtp:// or smtps:// URL`, {retry: 'never'})
    // One connection per mail (no pool): a publish sends one mail per update.
    transporter ??= nodemailer.createTransport({
      url: credentials.SMTP_URL,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
    })
    return {transporter, server}
  }

  return {
    describeTarget() {
      const shown = to.length > 3 ? `${to.slice(0, 3).join(', ')} and ${to.length - 3} more` : to.join(', ')
      const via = server ? `${server.host}:${server.port}` : `${urlVar} (not an smtp:// URL)`
      return `email from ${from} to ${shown}${bcc.length > 0 ? ` (+${bcc.length} bcc)` : ''} via ${via}`
    },

    async post({text, part, parts, post, incident, replyTo, threadRoot, signal}): Promise<RemotePost> {
      const {transporter, server} = connect()
      const messageId = messageIdFor(incident, part, channel.name, addressDomain(from))
      // Every later mail replies to the previous one and references the first, so mail
      // clients file the whole incident as one thread.
      const references = [...new Set([threadRoot?.id, replyTo?.id].filter((id): id is string => !!id))]
      const mail: SendMailOptions = {
        from,
        to,
        ...(bcc.length > 0 && {bcc}),
        // The same subject for every update: Gmail threads only mails whose subjects match.
        subject: post.subject || `[Incident ${incident.id}]`,
        text,
        // The rendered HTML is the whole update; a split update (not expected for email) sends text only.
        ...(post.html && parts === 1 && {html: post.html}),
        messageId,
        // RFC 3834: an automatic message, so out-of-office replies and autoresponders stay quiet;
        // RFC 2919: the list it goes to, so readers can filter it.
        headers: {
          'Auto-Submitted': 'auto-generated',
          ...(listId && {'List-Id': listId.includes('<') ? listId : `<${listId}>`}),
        },
        ...(replyTo && {inReplyTo: replyTo.id}),
        ...(references.length > 0 && {references}),
        signal,
      }
      try {
        const info = await transporter.sendMail(mail)
        // Some recipients may be refused while others get the mail: count them, never name them.
        const rejected = (info as {rejected?: unknown[]}).rejected?.length ?? 0
        return {id: messageId, ...(rejected > 0 && {ref: {rejected_recipients: String(rejected)}})}
      } catch (error) {
        throw classifyEmailError(error, server, urlVar, timeoutMs)
      }
    },

    async whoami(signal) {
      const {transporter, server} = connect()
      // verify() takes no signal: stop waiting on abort (its own timeouts end the connection).
      let onAbort: (() => void) | undefined
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(Object.assign(new Error('aborted'), {code: 'EABORT'}))
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, {once: true})
      })
      try {
        await Promise.race([transporter.verify(), aborted])
      } catch (error) {
        throw classifyEmailError(error, server, urlVar, timeoutMs)
      } finally {
        signal.removeEventListener('abort', onAbort!)
      }
      return `${server.user ? `${server.user}@` : ''}${server.host}:${server.port}`
    },
  }
}

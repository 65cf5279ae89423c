import {channelKind, commonOptions, list, template, text, type OptionsOf} from '../kind.js'

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
const DOTTED = `${ATOM}(?:\\.${ATOM})+`

const options = {
  locale: commonOptions.locale,
  from: text({required: true, description: 'Sender address'}),
  to: list({required: true, description: 'Recipients'}),
  bcc: list({description: 'Blind-copy recipients'}),
  subject: template({
    description: 'Subject template (keep it the same for the whole incident: Gmail threads by subject)',
  }),
  list_id: text({
    description: 'Sending to a mailing list: its List-Id (RFC 2919), e.g. "Acme status <status.lists.acme.com>"',
    pattern: {
      regex: new RegExp(`^(?:[^<>\\r\\n]*<${DOTTED}>|${DOTTED})$`),
      hint: 'a list id like status.lists.acme.com, or "Acme status <status.lists.acme.com>"',
    },
  }),
}
export type EmailOptions = OptionsOf<typeof options>

/** Email over SMTP: a text part and an HTML part, threaded by headers. */
export const emailKind = channelKind({
  type: 'email',
  label: 'Email',
  threads: false,
  linksUpdates: () => true,
  format: 'text',
  htmlPart: true,
  http: false,
  audience: 'customers',
  options,
  credentials: () => [['SMTP_URL']],
  credentialFields: {SMTP_URL: 'secret'},
  // The SMTP user name is the channel's name: the sandbox files the message under it.
  sandbox: (target) => ({
    env: {
      SMTP_URL: `smtp://${encodeURIComponent(target.channel)}:${SANDBOX_SMTP_PASSWORD}@${target.smtp.host}:${target.smtp.port}`,
    },
  }),
})

/** The SMTP password `candor sandbox` accepts, with any channel's name as the user name. */
export const SANDBOX_SMTP_PASSWORD = 'sandbox-smtp-rehearsal'

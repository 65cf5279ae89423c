/**
 * What the `secret` policy rule looks for: credential formats that their issuers
 * document as recognisable (a fixed prefix, a fixed URL shape). Data only, one entry per
 * format, each with where the format is documented, so the list can be checked against
 * its sources and extended without touching the rule. Kept deliberately to formats with
 * a distinctive shape: a post is ordinary prose, and a pattern that fires on ordinary
 * words would teach people to pass --allow secret.
 *
 * Reviewed against the issuers' documentation on 2026-12-05 (see docs/playbooks.md,
 * "Where the secret patterns come from").
 */
export interface SecretPattern {
  /** What it is, as in "looks like a GitLab token". */
  what: string
  pattern: RegExp
  /** Where the issuer documents the format. */
  source: string
  /** false: the match is shown in full (it is a marker, not the secret itself). */
  mask?: false
}

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    what: 'a cloud access key (AWS)',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b/g,
    source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids',
  },
  {
    what: 'a Google API key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    source: 'https://cloud.google.com/docs/authentication/api-keys',
  },
  {
    what: 'a Slack token',
    pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g,
    source: 'https://api.slack.com/concepts/token-types',
  },
  {
    what: 'a Slack app-level token',
    pattern: /\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{20,}/g,
    source: 'https://api.slack.com/concepts/token-types#app-level',
  },
  {
    what: 'a Slack webhook URL',
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/g,
    source: 'https://api.slack.com/messaging/webhooks',
  },
  {
    what: 'a Discord webhook URL',
    pattern: /https:\/\/(?:(?:canary|ptb)\.)?discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/\d+\/[A-Za-z0-9_-]{20,}/g,
    source: 'https://discord.com/developers/docs/resources/webhook#execute-webhook',
  },
  {
    what: 'a GitHub token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    source: 'https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/',
  },
  {
    what: 'a GitLab token',
    pattern: /\b(?:glpat|gldt|glrt|glcbt|glptt|glft|glimt|glagent|glsoat|gloas)-[A-Za-z0-9_-]{20,}/g,
    source: 'https://docs.gitlab.com/security/tokens/#token-prefixes',
  },
  {
    what: 'an OpenAI API key',
    pattern: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b/g,
    source: 'https://platform.openai.com/docs/api-reference/authentication',
  },
  {
    what: 'an Anthropic API key',
    pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,}/g,
    source: 'https://docs.anthropic.com/en/api/getting-started',
  },
  {what: 'a Stripe live key', pattern: /\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b/g, source: 'https://docs.stripe.com/keys'},
  {what: 'an npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, source: 'https://docs.npmjs.com/about-access-tokens'},
  {
    what: 'a PyPI token',
    pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/g,
    source: 'https://pypi.org/help/#apitoken',
  },
  {
    what: 'a SendGrid API key',
    pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g,
    source: 'https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys',
  },
  {
    what: 'a Hugging Face token',
    pattern: /\bhf_[A-Za-z0-9]{34,}\b/g,
    source: 'https://huggingface.co/docs/hub/security-tokens',
  },
  {
    what: 'a Telegram bot token',
    pattern: /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g,
    source: 'https://core.telegram.org/bots/api#authorizing-your-bot',
  },
  {
    what: 'a private key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
    source: 'https://www.rfc-editor.org/rfc/rfc7468',
    mask: false,
  },
  {
    what: 'a JSON Web Token',
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g,
    source: 'https://www.rfc-editor.org/rfc/rfc7519',
  },
  // user:password@ in a URL (RFC 3986 userinfo); `user@host` alone (a mail address, an SSH login) is not a secret.
  {
    what: 'a URL with a password in it',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]+:[^\s/?#@]+@[^\s/?#]+/gi,
    source: 'https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1',
  },
]

/**
 * Standard Webhooks signing secrets: `whsec_` + base64 of the key (the prefix is optional).
 * Standard Webhooks asks for keys of 24 to 64 random bytes; anything shorter is guessable.
 */

const SECRET_FORMAT = /^(?:whsec_)?(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
export const MIN_SECRET_BYTES = 24
/** The command that makes a good secret, quoted in every refusal. */
export const MAKE_SECRET = 'echo "whsec_$(openssl rand -base64 32)"'

/** Why `secret` (held in `variable`) cannot sign webhooks; undefined when it can. */
export function webhookSecretProblem(secret: string, variable: string): string | undefined {
  if (!secret || !SECRET_FORMAT.test(secret))
    return `${variable} is not a Standard Webhooks secret (whsec_ followed by base64); make one with: ${MAKE_SECRET}`
  const bytes = Buffer.from(secret.replace(/^whsec_/, ''), 'base64').length
  if (bytes < MIN_SECRET_BYTES)
    return `${variable} holds ${bytes} bytes after whsec_, fewer than the ${MIN_SECRET_BYTES} a signing secret needs; make one with: ${MAKE_SECRET} (and give the receiver the same)`
  return undefined
}

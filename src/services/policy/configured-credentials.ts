/** A secret Candor was given, by the variable that holds it. */
export interface ConfiguredCredential {
  /** The variable, e.g. CANDOR_X_ACCESS_TOKEN: what messages name instead of the value. */
  name: string
  value: string
}

// Variables that hold secrets: keys, tokens, secrets, passwords, and URLs that carry one
// (webhook and SMTP URLs, the team store). Not the API endpoints, instances, handles or
// page ids, which are public: a post may well name them.
const SECRET_NAME = /^CANDOR_(?:[A-Z0-9_]*_)?(?:KEY|SECRET|TOKEN|PASSWORD|URL)$|^CANDOR_STORE$/
const PUBLIC_NAME = /_API_URL$|^CANDOR_TRUSTED_HOSTS$/
// Shorter values would match ordinary words; no platform issues credentials this short.
const MIN_LENGTH = 8

/**
 * Every credential value in the environment Candor reads (`CANDOR_*` secrets), and the
 * password inside any URL among them: what no post may ever contain.
 */
export function configuredCredentials(env: Record<string, string | undefined>): ConfiguredCredential[] {
  const out: ConfiguredCredential[] = []
  for (const [name, value] of Object.entries(env)) {
    if (!value || !SECRET_NAME.test(name) || PUBLIC_NAME.test(name)) continue
    if (value.length >= MIN_LENGTH) out.push({name, value})
    const password = urlPassword(value)
    if (password && password.length >= MIN_LENGTH) out.push({name: `the password in ${name}`, value: password})
  }
  return out
}

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined
  try {
    const url = new URL(value)
    return url.password ? decodeURIComponent(url.password) : undefined
  } catch {
    return undefined
  }
}

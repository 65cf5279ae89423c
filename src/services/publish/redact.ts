/**
 * Masks known secret values wherever they appear, also URL-encoded (a token echoed
 * back inside a URL or a platform's error body). For diagnostics only (messages, errors,
 * logs): never for posts, journal events or site output, which must say what was approved.
 */
export class Redactor {
  private readonly needles: string[]

  constructor(secrets: readonly string[]) {
    const all = new Set<string>()
    for (const s of secrets) {
      if (!s || s.length < 4) continue
      all.add(s)
      all.add(encodeURIComponent(s))
    }
    // Longest first, so a secret that contains another is masked whole.
    this.needles = [...all].sort((a, b) => b.length - a.length)
  }

  text(input: string): string {
    let out = input
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join('••••')
    return out
  }
}

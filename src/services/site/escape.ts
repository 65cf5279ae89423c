/** Characters XML 1.0 forbids (C0 controls but tab/newline/return, U+FFFE/FFFF, lone surrogates). */
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Drops characters no HTML or XML document may contain. */
export function clean(text: string): string {
  return text.replace(FORBIDDEN, '')
}

const ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

/** Escapes text for HTML or XML content and quoted attributes. */
export function escapeText(value: unknown): string {
  return clean(String(value ?? '')).replace(/[&<>"']/g, (c) => ENTITIES[c])
}

const BLOCK = /<(p|ul|ol|div|h[1-6]|table|blockquote|pre|section)[\s>]/i

/**
 * Turns a rendered site post (already escaped by the renderer, possibly with markup
 * the template author wrote) into HTML: blank lines become paragraphs, single newlines
 * line breaks, and bare http(s) URLs links. Text that already has block markup is
 * kept as it is.
 */
export function postToHtml(escaped: string): string {
  const html = clean(escaped).trim()
  if (BLOCK.test(html)) return html
  return html
    .split(/\n{2,}/)
    .map((para) => `<p>${linkify(para.trim()).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n')
}

const URL = /\bhttps?:\/\/[^\s<>"']+/g

/** Links bare URLs in escaped text, leaving tags and the insides of existing links alone. */
export function linkify(escaped: string): string {
  let inLink = 0
  return escaped
    .split(/(<[^>]*>)/)
    .map((chunk) => {
      if (chunk.startsWith('<')) {
        if (/^<a[\s>]/i.test(chunk)) inLink++
        else if (/^<\/a\s*>/i.test(chunk)) inLink = Math.max(0, inLink - 1)
        return chunk
      }
      if (inLink > 0) return chunk
      return chunk.replace(URL, (match) => {
        // Sentence punctuation after a URL is not part of it; nor is a half entity.
        const url = match.replace(/(?:[.,;:!?)\]]|&#39;|&quot;|&#x27;|&#x60;)+$/, '').replace(/&[a-z0-9#]*$/i, '')
        if (!url || /^https?:\/\/$/.test(url)) return match
        return `<a href="${url}">${url}</a>${match.slice(url.length)}`
      })
    })
    .join('')
}

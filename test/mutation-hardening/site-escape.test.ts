/**
 * The status site's escaping and markup (services/site/escape.ts), case by case: each
 * character class of the forbidden set, each entity, each block tag, and the edges of linking.
 */
import {describe, expect, it} from 'vitest'
import {clean, escapeText, linkify, postToHtml} from '../../src/services/site/escape.js'

describe('clean', () => {
  it('drops each forbidden control character and keeps tab, newline and carriage return', () => {
    for (const code of [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x0e, 0x10, 0x1f])
      expect(clean(`a${String.fromCharCode(code)}b`)).toBe('ab')
    expect(clean('a\tb\nc\rd')).toBe('a\tb\nc\rd')
    expect(clean('a\u0020b\u007fc')).toBe('a b\u007fc')
  })

  it('drops U+FFFE, U+FFFF and lone surrogates, every one of them, but keeps pairs', () => {
    expect(clean('a\uFFFEb\uFFFFc')).toBe('abc')
    expect(clean('\uD800x\uD800')).toBe('x')
    expect(clean('\uDC00x\uDFFF')).toBe('x')
    expect(clean('smile \uD83D\uDE00 ok')).toBe('smile \uD83D\uDE00 ok')
    expect(clean('\uD83D\uD83D\uDE00')).toBe('\uD83D\uDE00')
    expect(clean('\uFFFD\uFFFC')).toBe('\uFFFD\uFFFC')
  })
})

describe('escapeText', () => {
  it('escapes each of the five characters', () => {
    expect(escapeText(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f')
    expect(escapeText('<<&&')).toBe('&lt;&lt;&amp;&amp;')
  })

  it('turns a missing value into nothing and other values into their text', () => {
    expect(escapeText(undefined)).toBe('')
    expect(escapeText(null)).toBe('')
    expect(escapeText(0)).toBe('0')
    expect(escapeText(false)).toBe('false')
    expect(escapeText('x\u0000<')).toBe('x&lt;')
  })
})

describe('postToHtml', () => {
  it('keeps text with block markup as it is, for every block tag, in any case', () => {
    for (const tag of ['p', 'ul', 'ol', 'div', 'h1', 'h6', 'table', 'blockquote', 'pre', 'section', 'P', 'DiV']) {
      expect(postToHtml(`<${tag}>x</${tag}>`)).toBe(`<${tag}>x</${tag}>`)
      expect(postToHtml(`<${tag} class="c">x</${tag}>`)).toBe(`<${tag} class="c">x</${tag}>`)
    }
  })

  it('trims text with block markup', () => {
    expect(postToHtml('  <p>x</p>\n')).toBe('<p>x</p>')
  })

  it('wraps text whose tags are not block tags', () => {
    expect(postToHtml('<b>bold</b>')).toBe('<p><b>bold</b></p>')
    expect(postToHtml('<pref>x')).toBe('<p><pref>x</p>')
    expect(postToHtml('<h7>x')).toBe('<p><h7>x</p>')
    // A block tag anywhere counts, not only at the start.
    expect(postToHtml('<span>x</span> then <p>')).toBe('<span>x</span> then <p>')
  })

  it('makes paragraphs of blank-line blocks and line breaks of single newlines, trimmed', () => {
    expect(postToHtml('  one\ntwo\n\n\n  three  \n\nfour\n ')).toBe('<p>one<br>\ntwo</p>\n<p>three</p>\n<p>four</p>')
    expect(postToHtml('a\n\nb')).toBe('<p>a</p>\n<p>b</p>')
  })

  it('links bare URLs inside the paragraphs, and cleans forbidden characters first', () => {
    expect(postToHtml('See https://a.example/x\u0001.')).toBe(
      '<p>See <a href="https://a.example/x">https://a.example/x</a>.</p>',
    )
  })
})

describe('linkify', () => {
  it('links http and https URLs, and leaves other schemes and words alone', () => {
    expect(linkify('http://a.example and https://b.example')).toBe(
      '<a href="http://a.example">http://a.example</a> and <a href="https://b.example">https://b.example</a>',
    )
    expect(linkify('ftp://a.example xhttps://a.example')).toBe('ftp://a.example xhttps://a.example')
  })

  it('ends a URL at whitespace, tags and quotes', () => {
    expect(linkify('https://a.example/x y')).toBe('<a href="https://a.example/x">https://a.example/x</a> y')
    expect(linkify('https://a.example/x<br>')).toBe('<a href="https://a.example/x">https://a.example/x</a><br>')
  })

  it('leaves sentence punctuation and escaped quotes after a URL out of it', () => {
    for (const tail of [
      '.',
      ',',
      ';',
      ':',
      '!',
      '?',
      ')',
      ']',
      '&#39;',
      '&quot;',
      '&#x27;',
      '&#x60;',
      '.)',
      '!?&quot;',
    ]) {
      expect(linkify(`https://a.example/p${tail}`)).toBe(`<a href="https://a.example/p">https://a.example/p</a>${tail}`)
    }
  })

  it('leaves a half entity at the end out of it, and keeps whole entities inside', () => {
    expect(linkify('https://a.example/?a&#x3D;1&amp;b&am')).toBe(
      '<a href="https://a.example/?a&#x3D;1&amp;b">https://a.example/?a&#x3D;1&amp;b</a>&am',
    )
    expect(linkify('https://a.example/?q&')).toBe('<a href="https://a.example/?q">https://a.example/?q</a>&')
  })

  it('does not link a scheme with nothing after it', () => {
    expect(linkify('https://')).toBe('https://')
    expect(linkify('https://.')).toBe('https://.')
    expect(linkify('http://.')).toBe('http://.')
  })

  it('leaves the insides of links alone, also nested or with attributes, and links again after them', () => {
    expect(linkify('<a href="https://a.example">https://a.example</a> https://b.example')).toBe(
      '<a href="https://a.example">https://a.example</a> <a href="https://b.example">https://b.example</a>',
    )
    expect(linkify('<A>https://a.example</A >https://b.example')).toBe(
      '<A>https://a.example</A ><a href="https://b.example">https://b.example</a>',
    )
    expect(linkify('<a>x<a>https://in.example</a>https://still.example</a>https://out.example')).toBe(
      '<a>x<a>https://in.example</a>https://still.example</a><a href="https://out.example">https://out.example</a>',
    )
  })

  it('is not thrown by a stray closing tag or tags that only start with a', () => {
    expect(linkify('</a>https://a.example')).toBe('</a><a href="https://a.example">https://a.example</a>')
    expect(linkify('</a></a><a>https://in.example</a>')).toBe('</a></a><a>https://in.example</a>')
    expect(linkify('<abbr>https://a.example</abbr>')).toBe(
      '<abbr><a href="https://a.example">https://a.example</a></abbr>',
    )
    expect(linkify('<a>x</abbr>https://in.example')).toBe('<a>x</abbr>https://in.example')
    // Only a tag that is itself a link opens or closes one, not one that mentions it in an attribute.
    expect(linkify('<b title="<a b">https://a.example')).toBe(
      '<b title="<a b"><a href="https://a.example">https://a.example</a>',
    )
    expect(linkify('<a>x<b title="</a>">https://in.example')).toBe('<a>x<b title="</a>">https://in.example')
  })
})

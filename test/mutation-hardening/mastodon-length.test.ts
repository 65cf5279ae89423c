import {describe, expect, it} from 'vitest'
import {codePointLength, mastodonLength, mastodonRemoteMentions} from '../../src/domain/text/length.js'

// Mastodon's StatusLengthValidator and Account::MENTION_RE, and code points: written from the
// mutants of length.ts that survived the text tests.
describe('mastodonLength', () => {
  it('counts graphemes, every http(s) URL as the instance says, a remote mention as its local part', () => {
    expect(mastodonLength('')).toBe(0)
    expect(mastodonLength('plain words')).toBe(11)
    expect(mastodonLength('see https://status.example.com/incidents/42 now')).toBe(4 + 23 + 4)
    expect(mastodonLength('see https://status.example.com/incidents/42 now', 10)).toBe(4 + 10 + 4)
    expect(mastodonLength('see https://a.co now', 30)).toBe(4 + 30 + 4)
    expect(mastodonLength('at ftp://files.example.com/x')).toBe('at ftp://files.example.com/x'.length)
    expect(mastodonLength('cc @ops@social.example.com ok')).toBe('cc @ops ok'.length)
    expect(mastodonLength('cc @ops ok')).toBe(10)
    expect(mastodonLength('mail ops@social.example.com')).toBe('mail ops@social.example.com'.length)
    expect(mastodonLength('time 14:30 utc')).toBe(14)
    expect(mastodonLength('👩‍🚀 https://a.co/x')).toBe(1 + 1 + 23)
  })

  it('a mention directly followed by @ or :// is no mention; a URL wins over a mention inside it', () => {
    expect(mastodonLength('@ops@social.example.com@x')).toBe('@ops@social.example.com@x'.length)
    expect(mastodonLength('https://example.com/@ops@social.example.com')).toBe(23)
    expect(mastodonLength('@a@b.example.com @c@d.example.com')).toBe('@a @c'.length)
  })
})

describe('mastodonRemoteMentions', () => {
  it('lists each @user@domain, and nothing else', () => {
    expect(mastodonRemoteMentions('no mentions here')).toEqual([])
    expect(mastodonRemoteMentions('cc @ops and @dev@social.example.com, @qa@x.example.org.')).toEqual([
      '@dev@social.example.com',
      '@qa@x.example.org',
    ])
    expect(mastodonRemoteMentions('@ops@social.example.com@x')).toEqual([])
    expect(mastodonRemoteMentions('mail ops@social.example.com')).toEqual([])
  })
})

describe('codePointLength', () => {
  it('counts a surrogate pair once, a lone surrogate as one', () => {
    expect(codePointLength('a😀b')).toBe(3)
    expect(codePointLength('\ud83d')).toBe(1)
    expect(codePointLength('\ud83da')).toBe(2)
    expect(codePointLength('\ude00\ud83d')).toBe(2)
    expect(codePointLength('😀😀')).toBe(2)
    expect(codePointLength('')).toBe(0)
  })
})

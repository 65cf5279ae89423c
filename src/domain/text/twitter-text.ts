// The three parts of twitter-text Candor uses, imported one by one: its index loads the
// whole library (auto-linking, hit highlighting, every extractor and validator), about
// twice the code a preview needs at start-up.
import type {ParseTweetOptions, ParsedTweet, UrlWithIndices} from 'twitter-text'
import configsModule from 'twitter-text/dist/configs.js'
import extractUrlsModule from 'twitter-text/dist/extractUrlsWithIndices.js'
import parseTweetModule from 'twitter-text/dist/parseTweet.js'
import endMentionMatchModule from 'twitter-text/dist/regexp/endMentionMatch.js'
import validCCTLDModule from 'twitter-text/dist/regexp/validCCTLD.js'
import validGTLDModule from 'twitter-text/dist/regexp/validGTLD.js'

export type {ParseTweetOptions}

/** twitter-text's configuration v3: what X counts today (URLs 23, emoji 2, CJK 2, 280). */
export const X_CONFIG: ParseTweetOptions = (configsModule as {version3: ParseTweetOptions}).version3

export const parseTweet = parseTweetModule as (text: string, options?: ParseTweetOptions) => ParsedTweet
export const extractUrlsWithIndices = extractUrlsModule as (
  text: string,
  options?: {extractUrlsWithoutProtocol: boolean},
) => UrlWithIndices[]
/** What may not directly follow a mention (another @, an accented latin letter, ://). */
export const endMentionMatch = endMentionMatchModule as RegExp
/** A whole string that is a top-level domain twitter-text knows (lower case, as IANA lists them). */
export const TOP_LEVEL_DOMAIN = new RegExp(
  `^(?:${(validGTLDModule as RegExp).source}|${(validCCTLDModule as RegExp).source})$`,
)

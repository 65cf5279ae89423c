// twitter-text's per-function modules (CommonJS, `module.exports` is the export);
// typed where they are re-exported, in twitter-text.ts.
declare module 'twitter-text/dist/configs.js' {
  const value: unknown
  export default value
}
declare module 'twitter-text/dist/extractUrlsWithIndices.js' {
  const value: unknown
  export default value
}
declare module 'twitter-text/dist/parseTweet.js' {
  const value: unknown
  export default value
}
declare module 'twitter-text/dist/regexp/endMentionMatch.js' {
  const value: unknown
  export default value
}
declare module 'twitter-text/dist/regexp/validCCTLD.js' {
  const value: unknown
  export default value
}
declare module 'twitter-text/dist/regexp/validGTLD.js' {
  const value: unknown
  export default value
}

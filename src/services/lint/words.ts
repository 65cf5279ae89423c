/**
 * The word lists `playbook lint` reads posts with, per language (the part of a locale
 * before any dash). Every entry is a regular expression, matched case-insensitively.
 * `candor playbook lint --words FILE` replaces any list for any language.
 */
export interface WordLists {
  /** The first phase says there is a problem: "investigating", "Störung", "障害". */
  acknowledge: Record<string, string[]>
  /** The first phase says sorry. */
  apology: Record<string, string[]>
  /** Pointing at someone: a person, a vendor. */
  blame: Record<string, string[]>
  /** Promises nobody can keep: fix times, guarantees, "never again". */
  promise: Record<string, string[]>
}

export const WORD_LIST_NAMES = ['acknowledge', 'apology', 'blame', 'promise'] as const

export const DEFAULT_WORDS: WordLists = {
  acknowledge: {
    en: [
      'investigat',
      'looking into',
      '\\baware\\b',
      '\\bproblems?\\b',
      '\\bissues?\\b',
      '\\bdisruption\\b',
      '\\boutage\\b',
      'not working',
      'slower than',
      'less reliabl',
    ],
    de: [
      'untersuch',
      '\\bprüfen\\b',
      'bekannt',
      'problem',
      'störung',
      'gestört',
      'ausfall',
      'funktioniert nicht',
      'langsamer',
    ],
    ja: ['調査', '確認', '障害', '問題', '不具合', '遅延'],
  },
  apology: {
    en: ['\\bsorry\\b', '\\bapologi[sz]e', '\\bapolog(?:y|ies)\\b'],
    de: ['entschuldig', 'tut uns (?:sehr )?leid', 'bedauern'],
    ja: ['申し訳', 'お詫び', 'すみません'],
  },
  blame: {
    en: [
      '\\bblame[sd]?\\b',
      '\\b(?:their|his|her|its|not our) fault\\b',
      '\\bhuman error\\b',
      '\\b(?:an?|one of our|our|the) (?:engineer|employee|intern|developer|admin(?:istrator)?|operator|contractor)s? (?:made|caused|broke|deleted|forgot|ran|pushed|misconfigured)\\b',
      "\\b(?:vendor|supplier|provider|partner|contractor)(?:'s|s')? (?:fault|error|mistake|negligence)\\b",
      '\\bcareless(?:ness)?\\b',
    ],
    de: [
      '\\bschuld\\b',
      'verschuldet',
      'menschliches versagen',
      'fehler (?:eines|unseres|des|unserer|der) (?:mitarbeiter|techniker|dienstleister|anbieter|partner|zulieferer)',
      'fahrlässig',
    ],
    ja: [
      '人為的(?:な)?ミス',
      '担当者の(?:ミス|過失|不注意)',
      '(?:委託先|業者|ベンダー|取引先)の(?:ミス|過失|責任)',
      '責任は.{0,10}(?:に|が)あり',
      'せいで',
    ],
  },
  promise: {
    en: [
      "\\b(?:will|should|is going to|are going to|'ll) be (?:fixed|resolved|restored|back|up|working|online|sorted)\\b[^.!?\\n]{0,30}?\\b(?:in|within) (?:\\d+|an?|one|two|a few|few) ?(?:seconds?|minutes?|mins?|hours?|hrs?)\\b",
      "\\b(?:will|should|'ll) be (?:fixed|resolved|restored|back)\\b[^.!?\\n]{0,30}?\\bby \\d{1,2}(?::\\d{2})?",
      '\\bguarantee[ds]?\\b',
      '\\b(?:will|can) never happen again\\b',
      "\\bwon't happen again\\b",
    ],
    de: [
      '(?:wird|werden|ist|sind)\\b[^.!?\\n]{0,40}?\\b(?:in|innerhalb(?: von)?) (?:\\d+|einer|einem|wenigen) (?:sekunden|minuten?|stunden?)\\b[^.!?\\n]{0,30}?(?:behoben|wieder|gelöst|verfügbar)',
      'garantier',
      'nie wieder (?:passieren|vorkommen)',
    ],
    ja: [
      '\\d+\\s*(?:分|時間)(?:以内|後)に(?:は)?(?:必ず)?(?:復旧|解決|回復|修正|解消)(?:します|いたします|する|できます)',
      '必ず(?:復旧|解決|回復|解消)',
      '保証',
      '二度と(?:発生|起こ|起き)',
    ],
  },
}

/** The lists with `overrides` laid over them, one language's list at a time. */
export function mergeWords(
  overrides: Partial<Record<keyof WordLists, Record<string, string[]>>> | undefined,
): WordLists {
  const out = structuredClone(DEFAULT_WORDS)
  for (const name of WORD_LIST_NAMES) Object.assign(out[name], overrides?.[name] ?? {})
  return out
}

import path from 'node:path'
import yaml from 'js-yaml'
import {CandorError} from '../../domain/errors.js'
import {mergeFacts, resolveFacts} from '../../domain/playbook/facts.js'
import {loadFactsFile} from '../playbook/facts-file.js'
import {readUtf8} from '../playbook/files.js'
import {requirePlaybook} from '../playbook/resolve.js'
import {lintPlaybook, type LintReport} from './lint.js'
import {WORD_LIST_NAMES, type WordLists} from './words.js'

export interface LintRequest {
  playbook: string
  factsFile?: string
  wordsFile?: string
  strict?: boolean
  now?: Date
}

/** `playbook lint` from files: loads the playbook, the example facts and any word lists, then lints. */
export function lintPlaybookFile(req: LintRequest): LintReport {
  const playbook = requirePlaybook(req.playbook)
  const given = mergeFacts({...playbook.examples}, req.factsFile ? loadFactsFile(req.factsFile) : {})
  if (!playbook.examples && !req.factsFile) {
    throw new CandorError(`playbook "${playbook.name}" has no example facts to lint with`, {
      code: 'lint_needs_facts',
      suggestions: ['Pass --facts FILE, or add an "examples:" block to the playbook (fact name → example value)'],
    })
  }
  const facts = resolveFacts(playbook, given)
  return lintPlaybook(playbook, {
    facts,
    strict: req.strict,
    now: req.now,
    words: req.wordsFile ? loadWords(req.wordsFile) : undefined,
  })
}

/** A YAML file of word lists: `{apology: {fr: ["désolé", "excuses"]}}`; every entry a regular expression. */
export function loadWords(file: string): Partial<WordLists> {
  const {text, error} = readUtf8(path.resolve(file))
  const bad = (why: string) =>
    new CandorError(`word lists ${file}: ${why}`, {
      code: 'bad_words',
      suggestions: [`Write it like:  apology: { fr: ["désolé", "excuses"] }  (lists: ${WORD_LIST_NAMES.join(', ')})`],
    })
  if (text === undefined) throw bad(`cannot read it: ${error}`)
  let doc: unknown
  try {
    doc = yaml.load(text, {schema: yaml.CORE_SCHEMA})
  } catch (e) {
    throw bad((e as Error).message.split('\n')[0])
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw bad('must be a mapping of list name to { language: [words] }')
  const out: Partial<WordLists> = {}
  for (const [name, byLang] of Object.entries(doc)) {
    if (!(WORD_LIST_NAMES as readonly string[]).includes(name)) throw bad(`unknown list "${name}"`)
    if (!byLang || typeof byLang !== 'object' || Array.isArray(byLang))
      throw bad(`"${name}" must map languages to lists`)
    const lists: Record<string, string[]> = {}
    for (const [lang, words] of Object.entries(byLang)) {
      if (!Array.isArray(words) || !words.every((w) => typeof w === 'string' && w !== ''))
        throw bad(`"${name}.${lang}" must be a list of words or regular expressions`)
      for (const w of words) {
        try {
          new RegExp(w, 'iu')
        } catch (e) {
          throw bad(
            `"${name}.${lang}": ${JSON.stringify(w)} is not a valid regular expression: ${(e as Error).message}`,
          )
        }
      }
      lists[lang] = words
    }
    out[name as keyof WordLists] = lists
  }
  return out
}

import path from 'node:path'
import {CandorError} from '../../domain/errors.js'
import {parseFactsText, type Facts} from '../../domain/playbook/facts.js'
import {readUtf8} from './files.js'

/** Reads a facts file (YAML or JSON) that maps fact names to values. */
export function loadFactsFile(file: string): Facts {
  const {text, error} = readUtf8(path.resolve(file))
  if (text === undefined) {
    throw new CandorError(`cannot read facts file ${file}: ${error}`, {
      code: 'facts_unreadable',
      suggestions: ['Pass a YAML or JSON file of fact values with --facts FILE'],
    })
  }
  return parseFactsText(text, file)
}

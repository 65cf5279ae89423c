// Module customization hooks for record-modules.mjs: append each resolved URL to a file.
import {appendFileSync} from 'node:fs'

let out

export function initialize(data) {
  out = data.out
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context)
  if (out && !result.url.startsWith('node:')) appendFileSync(out, result.url + '\n')
  return result
}

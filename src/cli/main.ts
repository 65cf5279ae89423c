import {execute} from '@oclif/core'
import {secretValues} from '../services/publish/credentials.js'
import {processEnvironment} from '../infrastructure/env.js'
import {storeSecrets} from '../infrastructure/store/url.js'
import {installOutputRedaction} from './redact-output.js'

/**
 * The CLI's entry, run by bin/run.js (a module of its own so that the bundle puts oclif
 * in the chunk every command shares). Secrets are masked in all output from the first
 * write: under DEBUG, oclif logs the command line, a store URL's password included,
 * before any command starts.
 */
export async function run(bin: string): Promise<void> {
  const env = processEnvironment()
  installOutputRedaction([...secretValues(env), ...storeSecrets(process.argv.slice(2), env)])
  await execute({dir: bin})
}

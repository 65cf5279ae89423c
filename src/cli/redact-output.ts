import {Redactor} from '../services/publish/redact.js'

let installed: Redactor | undefined

/**
 * The one redaction layer every output path goes through: human output, --json,
 * errors, spinners and debug logs all end in process.stdout/stderr writes, so the
 * writes themselves mask every known secret value.
 */
export function installOutputRedaction(secrets: readonly string[]): void {
  if (installed || secrets.length === 0) return
  const redactor = new Redactor(secrets)
  installed = redactor
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return write(redactor.text(chunk), ...rest)
      if (chunk instanceof Uint8Array) return write(redactor.text(Buffer.from(chunk).toString('utf8')), ...rest)
      return write(chunk, ...rest)
    }) as typeof stream.write
  }
}

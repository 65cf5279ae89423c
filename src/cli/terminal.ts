/**
 * Whether a person can be asked at this terminal: stdin to read the answer and stdout
 * to show the question must both be terminals, and --json means a program reads the
 * output. When not, `reason` says which of these it is, as the error will say it.
 */
export function canPrompt(
  json: boolean,
  streams: {stdin: {isTTY?: boolean}; stdout: {isTTY?: boolean}} = process,
): {interactive: boolean; reason?: string} {
  if (json) return {interactive: false, reason: '--json output is for programs, which cannot answer prompts'}
  const stdin = Boolean(streams.stdin.isTTY)
  const stdout = Boolean(streams.stdout.isTTY)
  if (stdin && stdout) return {interactive: true}
  if (!stdin && !stdout) return {interactive: false, reason: 'neither stdin nor stdout is a terminal'}
  return {
    interactive: false,
    reason: stdin
      ? 'stdout is not a terminal (it is redirected), so the question cannot be shown'
      : 'stdin is not a terminal, so no answer can be read',
  }
}

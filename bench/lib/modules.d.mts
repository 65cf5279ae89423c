export interface ModuleRecord {
  code: number
  stdout: string
  stderr: string
  /** Every file or URL the run loaded, sorted. */
  files: string[]
  count: number
  /** npm packages among them. */
  packages: string[]
  /** Candor's own modules, relative to dist/. */
  candor: string[]
  /** Names of the forbidden groups (adapters, SDKs, prompts, spinners, mail) that were loaded. */
  forbidden: string[]
}

export const FORBIDDEN: Array<{name: string; test(file: string): boolean}>

/** Runs `node bin ...args` from `root` with the module recorder and reports what it loaded. */
export function recordModules(
  root: string,
  bin: string,
  args: string[],
  env?: Record<string, string | undefined>,
): ModuleRecord

/** Writes `<stateDir>/incidents/<id>.jsonl` with exactly `events` realistic journal events; returns the file. */
export function writeIncidentJournal(
  stateDir: string,
  opts: {id: string; events: number; playbookFile: string; start?: Date},
): string

/** Who holds an incident's lock, as the lock records it (a file lock's content, a PostgreSQL lock's row). */
export interface LockOwner {
  pid: number
  host: string
  since: string
  command: string
  by: string
}

export function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'another command holds its lock'
  return `${owner.by} is running \`candor ${owner.command}\` (pid ${owner.pid} on ${owner.host}, since ${owner.since})`
}

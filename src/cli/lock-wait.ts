import {describeOwner, type LockOwner} from '../services/incident/lock-owner.js'
import {paintErr} from './style.js'

/**
 * Tells the person why nothing is happening while another command holds the incident.
 * (A module of its own: only the commands that take an incident's lock load lock.ts.)
 */
export function announceLockWait(incident: string) {
  return (owner: LockOwner | undefined) => {
    process.stderr.write(`${paintErr('yellow', '…')} waiting: ${describeOwner(owner)} on incident ${incident}\n`)
  }
}

import type {Phase} from './model.js'

/**
 * How long until the next update a phase promises, for an incident of the given age:
 * `long_incident` slows the cadence once the incident is older than its `after`.
 */
export function promisedCadence(phase: Phase, incidentAgeMs: number): number | undefined {
  if (phase.longIncident && incidentAgeMs >= phase.longIncident.after.ms) return phase.longIncident.nextUpdate.ms
  return phase.nextUpdate?.ms
}

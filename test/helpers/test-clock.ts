/**
 * A clock the test moves (satisfies the publish deps' Clock): sleeping just moves it, so an
 * approver or a backoff "takes" as long as it is told to, at once.
 */
export function testClock(start: number) {
  let now = start
  return {
    now: () => new Date(now),
    sleep: async (ms: number) => {
      now += ms
    },
    advance: (ms: number) => {
      now += ms
    },
    set: (at: number) => {
      now = at
    },
  }
}

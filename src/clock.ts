// Time as an injected dependency, so latency metrics, log timestamps and timeouts can be
// driven by fake clocks in tests instead of real sleeps.

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (for log timestamps). */
  now(): number;
  /** Monotonic milliseconds with sub-millisecond resolution (for durations). */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

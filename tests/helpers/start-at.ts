// Two helper processes (a burst and a probe) start their clocks together: each boots, then
// waits for the same wall-clock instant, so their windows overlap whatever each boot took.

/** Resolves at `epochMs` (at once if it has passed). */
export function untilTime(epochMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));
}

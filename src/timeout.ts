// Bounding a promise by a deadline with setTimeout (which fake timers control in tests);
// the work itself is not cancelled, the caller just stops waiting for it.

export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  // The guard keeps this portable: Workers' clearTimeout takes number | null, not undefined.
  return Promise.race([promise, deadline]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

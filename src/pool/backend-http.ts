// What every call from the router to a backend needs: a deadline whose timer never
// outlives the call, and the `error` fields of the backend's JSON error bodies.

export class AttemptTimeout extends Error {
  override readonly name = "AttemptTimeout";
}

/** Runs `fn` with a signal that aborts after `ms`; the timer never outlives the call. */
export async function withAbort<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptTimeout(`no answer within ${ms} ms`)), ms);
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `err` is our deadline or fetch's abort error for it. */
export function isTimeout(err: unknown): boolean {
  return err instanceof AttemptTimeout || (err instanceof Error && err.name === "AbortError");
}

/** The `error.type` of a JSON error body, when it has one. */
export function errorType(body: unknown): string | undefined {
  const error = errorField(body);
  return error !== undefined && "type" in error && typeof error.type === "string" ? error.type : undefined;
}

/** The `error.message` of a JSON error body, when it has one. */
export function errorMessage(body: unknown): string | undefined {
  const error = errorField(body);
  return error !== undefined && "message" in error && typeof error.message === "string" ? error.message : undefined;
}

function errorField(body: unknown): object | undefined {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const { error } = body;
  return typeof error === "object" && error !== null ? error : undefined;
}

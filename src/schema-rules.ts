// The error messages of the request schemas (src/schemas.ts, src/jobs/schema.ts): one rule
// per parameter, so every check of it says the same thing, names the parameter and its
// bounds, and shows what the client sent.

/** Shows what the client sent, briefly, inside an error message. */
export function shown(input: unknown): string {
  if (input === undefined) return "nothing";
  const text = JSON.stringify(input);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** An error function for every check of one parameter: "<param> must be <bounds>; got x". */
export function rule(param: string, bounds: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined
        ? `${param} is required: ${bounds}`
        : `${param} must be ${bounds}; got ${shown(issue.input)}`,
  };
}

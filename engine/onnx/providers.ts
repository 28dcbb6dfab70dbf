// Execution providers as configured (EXECUTION_PROVIDERS, in preference order), the order
// in which they are given up when one cannot start, and their names in ORT's profiles.

export const EXECUTION_PROVIDERS = ["cuda", "cpu"] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** How onnxruntime names each provider in profiles and logs. */
const ORT_NAMES: Readonly<Record<string, ExecutionProvider>> = {
  CUDAExecutionProvider: "cuda",
  CPUExecutionProvider: "cpu",
};

export function isExecutionProvider(name: string): name is ExecutionProvider {
  return (EXECUTION_PROVIDERS as readonly string[]).includes(name);
}

/** "cuda, CPU" -> ["cuda", "cpu"]; problems name each unknown or repeated entry. */
export function parseProviders(raw: string): { providers: ExecutionProvider[]; problems: string[] } {
  const providers: ExecutionProvider[] = [];
  const problems: string[] = [];
  for (const part of raw.split(",").map((p) => p.trim().toLowerCase())) {
    if (part === "") continue;
    if (!isExecutionProvider(part)) problems.push(`"${part}" is not one of ${EXECUTION_PROVIDERS.join(", ")}`);
    else if (providers.includes(part)) problems.push(`"${part}" is listed twice`);
    else providers.push(part);
  }
  if (providers.length === 0 && problems.length === 0) problems.push("no execution provider given");
  return { providers, problems };
}

/**
 * The provider lists to try, in order: all of them, then without the first, and so on.
 * ORT refuses a whole session when one listed provider cannot load (no CUDA libraries,
 * no device), so falling back means asking again without it.
 */
export function fallbackChain(providers: readonly ExecutionProvider[]): ExecutionProvider[][] {
  return providers.map((_, i) => providers.slice(i));
}

/** Our name for an ORT provider name; undefined for providers we never ask for. */
export function fromOrtName(name: string): ExecutionProvider | undefined {
  return ORT_NAMES[name];
}

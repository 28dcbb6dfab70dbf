// The router's public API as the page uses it: the model list and POST /v1/samples. An
// error's message and `param` come from the service's JSON error body.

export interface ModelClass {
  index: number;
  name: string;
  slug: string;
}

export interface ModelInfo {
  id: string;
  version: string;
  description: string;
  image: { channels: number; height: number; width: number };
  classes: ModelClass[];
  null_class: number;
  guidance: { min: number; max: number; default: number };
  placements: string[];
}

export interface ServerSample {
  seed: number;
  /** The sample's immutable on-demand URL. */
  url: string;
  /** sampler=jacobi: the iterations this image ran in each flow block (block 0 first); else null. */
  iterations_run: number[] | null;
}

export interface ServerSamples {
  /** The request seed the server used. */
  seed: number;
  sampler: string;
  /** sampler=jacobi: the schedule the server ran (the model's default when none was asked); else null. */
  iterations: number[] | null;
  samples: ServerSample[];
}

/** The sampler fields of POST /v1/samples; absent: G's one pass. */
export interface SampleSamplerFields {
  sampler?: "g" | "exact" | "jacobi";
  iterations?: number | number[];
}

export interface SampleRequest extends SampleSamplerFields {
  model: string;
  n: number;
  class: number | null;
  seed: number;
  guidance: number;
}

export class ApiRequestError extends Error {
  override readonly name = "ApiRequestError";
  constructor(
    message: string,
    readonly status: number,
    readonly param: string | null,
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The body as JSON; a non-2xx answer becomes an ApiRequestError with the service's message. */
export async function readJson(res: Response): Promise<unknown> {
  const body: unknown = await res.json().catch(() => undefined);
  if (res.ok) return body;
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const message = typeof error.message === "string" ? error.message : `HTTP ${res.status}`;
  throw new ApiRequestError(message, res.status, typeof error.param === "string" ? error.param : null);
}

/** The fields the page relies on; the full shape is ModelInfoSchema in src/schemas.ts. */
function isModelInfo(value: unknown): value is ModelInfo {
  return (
    isRecord(value) &&
    typeof value.id === "string" &&
    typeof value.version === "string" &&
    isRecord(value.image) &&
    Array.isArray(value.classes) &&
    typeof value.null_class === "number" &&
    isRecord(value.guidance) &&
    Array.isArray(value.placements)
  );
}

const isCounts = (value: unknown): value is number[] | null =>
  value === null || (Array.isArray(value) && value.every((k) => typeof k === "number"));

function isServerSample(value: unknown): value is ServerSample {
  return (
    isRecord(value) && typeof value.seed === "number" && typeof value.url === "string" && isCounts(value.iterations_run)
  );
}

export async function listModels(): Promise<ModelInfo[]> {
  const body = await readJson(await fetch("/v1/models", { headers: { accept: "application/json" } }));
  if (!isRecord(body) || !Array.isArray(body.models) || !body.models.every(isModelInfo)) {
    throw new Error("GET /v1/models answered without a model list");
  }
  return body.models;
}

export async function createServerSamples(request: SampleRequest): Promise<ServerSamples> {
  const res = await fetch("/v1/samples", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(request),
  });
  const body = await readJson(res);
  if (
    !isRecord(body) ||
    typeof body.seed !== "number" ||
    typeof body.sampler !== "string" ||
    !isCounts(body.iterations) ||
    !Array.isArray(body.samples) ||
    !body.samples.every(isServerSample)
  ) {
    throw new Error("POST /v1/samples answered without samples");
  }
  return { seed: body.seed, sampler: body.sampler, iterations: body.iterations, samples: body.samples };
}

/** A browser-placed model's reverse.onnx, from the router's immutable, versioned URL. */
export async function fetchReverseModel(path: string): Promise<Uint8Array> {
  const res = await fetch(path);
  if (!res.ok) await readJson(res);
  return new Uint8Array(await res.arrayBuffer());
}

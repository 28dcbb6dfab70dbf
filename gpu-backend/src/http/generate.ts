// POST /v1/generate (contracts 1-3): checks the request against the loaded model, queues its
// images for batching, writes the PNGs to S3 under the sample keys (first writer wins)
// and/or returns them inline, with the timings of each stage and the batch size they ran in.
// Contract 3 brings the images' noise (the edits): decoded as given, answered inline, no keys.

import { strongEtag, toBase64 } from "../../../src/bytes.js";
import type { Clock } from "../../../src/clock.js";
import type { GenerateRequest, GenerateResponse } from "../../../src/contract/backend-v1.js";
import {
  ITERATIONS_TEXT_KEY,
  parseIterations,
  resolveSamplerSpec,
  type SamplerKind,
} from "../../../src/flow/samplers.js";
import { noiseFromWire } from "../../../src/contract/noise-wire.js";
import { readPngText } from "../../../src/png/text.js";
import { DEFAULT_SAMPLER, type SamplerSpec } from "../../../src/samples/canonical.js";
import { ApiError, invalidParam } from "../../../src/errors.js";
import { sampleKey } from "../../../src/keys.js";
import { resolveGuidance } from "../../../src/samples/params.js";
import { IMMUTABLE_CACHE_CONTROL, PNG_CONTENT_TYPE } from "../../../src/samples/http.js";
import type { ObjectStore } from "../../../src/storage/object-store.js";
import type { Batcher } from "../../../engine/batching/batcher.js";
import type { ServedModel } from "../models.js";
import type { BackendTelemetry } from "../telemetry.js";

export interface GenerateDeps {
  models: ReadonlyMap<string, ServedModel>;
  /** Execution provider per model ref, as measured at start. */
  providers: ReadonlyMap<string, string>;
  /** The samplers each model ref runs here (its worker sessions' report); absent: G only. */
  samplers?: ReadonlyMap<string, readonly SamplerKind[]>;
  batcher: Batcher;
  store: ObjectStore | undefined;
  telemetry: BackendTelemetry;
  clock: Clock;
}

function servedModel(deps: GenerateDeps, request: GenerateRequest): ServedModel {
  const served = deps.models.get(request.model);
  if (served === undefined || served.entry.manifest.version !== request.version) {
    throw new ApiError("model_not_found", `model ${request.model}@${request.version} is not served here`, {
      param: "model",
    });
  }
  return served;
}

/**
 * Writes each PNG unless its key is already stored (first writer wins), and returns what
 * the store holds for each key: a key another writer stored first answers with that object,
 * so the inline PNG and the stored one never differ.
 */
async function upload(store: ObjectStore, keys: readonly string[], pngs: readonly Uint8Array[]): Promise<Uint8Array[]> {
  try {
    return await Promise.all(
      keys.map(async (key, i) => {
        const png = pngs[i] ?? new Uint8Array(0);
        const outcome = await store.put(key, png, {
          contentType: PNG_CONTENT_TYPE,
          cacheControl: IMMUTABLE_CACHE_CONTROL,
          etag: await strongEtag(png),
        });
        return outcome === "created" ? png : ((await store.get(key))?.bytes ?? png);
      }),
    );
  } catch (err) {
    throw new ApiError("storage_unavailable", "the object store is unavailable", { cause: err });
  }
}

/**
 * The request's sampler, checked against what this backend runs for the model (a router
 * only sends one that the readiness answer announced; a stale announcement gets a 422).
 */
function requestSampler(deps: GenerateDeps, entry: ServedModel["entry"], request: GenerateRequest): SamplerSpec {
  const wire = request.sampler ?? DEFAULT_SAMPLER;
  const runs = deps.samplers?.get(entry.ref) ?? ["g"];
  if (!runs.includes(wire.kind)) {
    throw new ApiError(
      "sampler_not_available",
      `this backend does not run sampler=${wire.kind} for ${entry.ref}; it runs ${runs.join(", ")}`,
      {
        param: "sampler",
      },
    );
  }
  if (wire.kind !== "jacobi") return wire;
  // The same bounds as the router's (one count or one per block, each 1..tokens).
  return resolveSamplerSpec(entry.manifest, { kind: "jacobi", iterations: wire.iterations, tolerance: wire.tolerance });
}

/** Contract 3's noise, checked against the model's image size; undefined for seeds. */
function givenNoise(manifest: ServedModel["entry"]["manifest"], request: GenerateRequest): Float32Array | undefined {
  if (request.noise === undefined) return undefined;
  const { channels, height, width } = manifest.image;
  const values = request.seeds.length * channels * height * width;
  const noise = noiseFromWire(request.noise, values);
  if (noise === undefined) {
    throw invalidParam(
      "noise",
      `noise must be base64 of ${values} finite little-endian float32 values (${request.seeds.length} x ${channels}x${height}x${width})`,
    );
  }
  return noise;
}

export async function generate(
  deps: GenerateDeps,
  request: GenerateRequest,
  receivedAt: number,
): Promise<GenerateResponse> {
  const { entry } = servedModel(deps, request);
  const { manifest } = entry;
  if (request.class !== null && request.class >= manifest.classes.length) {
    throw invalidParam(
      "class",
      `class must be an index 0..${manifest.classes.length - 1} or null; got ${request.class}`,
    );
  }
  const guidance = resolveGuidance(manifest, request.guidance);
  const toStore = request.output !== "inline";
  if (toStore && deps.store === undefined) {
    throw invalidParam("output", "this backend has no object store (S3_ENDPOINT); ask for output inline");
  }
  const sampler = requestSampler(deps, entry, request);
  const noise = givenNoise(manifest, request);
  const keys = request.seeds.map((seed) =>
    noise === undefined
      ? sampleKey({
          modelId: manifest.id,
          version: manifest.version,
          classIndex: request.class,
          seed,
          guidance,
          sampler,
        })
      : "",
  );
  const result = await deps.batcher.submit({
    ref: entry.ref,
    seeds: request.seeds,
    ...(noise === undefined ? {} : { noise }),
    classInput: request.class ?? manifest.null_class,
    guidance,
    ...(sampler.kind === "g" ? {} : { sampler }),
    timeoutMs: request.timeout_ms,
  });
  const uploadStart = deps.clock.monotonic();
  const pngs = toStore && deps.store !== undefined ? await upload(deps.store, keys, result.pngs) : result.pngs;
  const now = deps.clock.monotonic();
  const timings = {
    queue: result.queueMs,
    inference: result.inferenceMs,
    encode: result.encodeMs,
    upload: now - uploadStart,
    total: now - receivedAt,
  };
  for (const [stage, ms] of Object.entries(timings)) deps.telemetry.stage(stage as keyof typeof timings, ms);
  deps.telemetry.images.inc({ model: manifest.id }, request.seeds.length);
  const inline = request.output !== "s3";
  return {
    contract: request.contract,
    model: manifest.id,
    version: manifest.version,
    execution_provider: deps.providers.get(entry.ref) ?? "unknown",
    batch_size: Math.max(...result.batchSizes),
    batches: result.batchSizes.length,
    stored: toStore,
    timings_ms: timings,
    samples: request.seeds.map((seed, i) => {
      const png = pngs[i];
      const iterations = png === undefined ? undefined : parseIterations(readPngText(png)[ITERATIONS_TEXT_KEY]);
      return {
        seed,
        key: keys[i] ?? "",
        ...(iterations === undefined ? {} : { iterations }),
        ...(inline && png !== undefined ? { png: toBase64(png) } : {}),
      };
    }),
  };
}

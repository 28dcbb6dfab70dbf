// Computing samples: one sampler call for a request's misses, on the sampler the routing
// policy picks among those that run the requested kind, bounded by the sample deadline
// (the batch is cancelled there), with its calls, images and seconds counted.

import type { Clock } from "../clock.js";
import { ApiError } from "../errors.js";
import type { SamplerKind } from "../flow/samplers.js";
import type { Logger } from "../logger.js";
import type { ModelEntry } from "../models/registry.js";
import { pickSampler, runsKind, type ChooseSampler, type SampledImage, type Sampler } from "../sampler.js";
import type { Telemetry } from "../telemetry.js";
import { withTimeout } from "../timeout.js";
import type { SampleTarget } from "./target.js";

/** Where exact and Jacobi sampling run (docs/samplers.md), for a server that runs neither. */
export const SAMPLER_HOME =
  "F's exact inverse and Jacobi decoding run on the Node router (npm start), on GPU backends that announce them, " +
  "and in the browser playground; see docs/samplers.md";

export interface ComputeDeps {
  samplers: readonly Sampler[];
  telemetry: Telemetry;
  logger: Logger;
  clock: Clock;
  sampleTimeoutMs: number;
  /** The routing policy; by default the first of `samplers` that accepts the batch. */
  choose?: ChooseSampler;
  /** Retry-After (seconds) of the 503 when no sampler can take a batch now. */
  retryAfterSeconds?: number;
  /** Where the samplers this server does not run can be found (the 422's message). */
  samplerHome?: string;
}

/** The images of `seeds` (in order) and the name of the sampler that drew them. */
export async function computeSamples(
  deps: ComputeDeps,
  target: SampleTarget,
  seeds: number[],
): Promise<{ sampler: string; images: SampledImage[] }> {
  const { model } = target;
  const kind = target.sampler?.kind ?? "g";
  const choose = deps.choose ?? ((m: ModelEntry, n: number, k?: SamplerKind) => pickSampler(deps.samplers, m, n, k));
  // A sampler that does not say it runs this kind never gets it (it would draw G's image
  // under another sampler's key).
  const picked = choose(model, seeds.length, kind);
  const sampler = picked !== undefined && runsKind(picked, model, kind) ? picked : undefined;
  if (sampler === undefined && !deps.samplers.some((s) => runsKind(s, model, kind))) {
    throw new ApiError(
      "sampler_not_available",
      `sampler=${kind} is not run here for model ${model.manifest.id}: ${deps.samplerHome ?? SAMPLER_HOME}`,
      { param: "sampler" },
    );
  }
  if (sampler === undefined) {
    throw new ApiError("sampler_unavailable", `no sampler can serve model ${model.manifest.id} now`, {
      headers: { "retry-after": String(deps.retryAfterSeconds ?? 5) },
    });
  }
  const labels = { sampler: sampler.name, model: model.manifest.id };
  const started = deps.clock.monotonic();
  const classInput = target.classIndex ?? model.manifest.null_class;
  // Aborted at the deadline: the sampler drops whatever of this batch has not started, so
  // a timed-out request leaves no queued work behind for its retries to stack up on.
  const cancel = new AbortController();
  try {
    const images = await withTimeout(
      sampler.sample({
        model,
        classInput,
        seeds,
        guidance: target.guidance,
        ...(target.sampler === undefined || target.sampler.kind === "g" ? {} : { sampler: target.sampler }),
        signal: cancel.signal,
        ...(target.requestId === undefined ? {} : { requestId: target.requestId }),
      }),
      deps.sampleTimeoutMs,
      () => {
        cancel.abort();
        return new ApiError("sampler_timeout", `sampling took longer than ${deps.sampleTimeoutMs} ms`);
      },
    );
    if (images.length !== seeds.length || images.some((img, i) => img.seed !== seeds[i])) {
      throw new Error(`sampler ${sampler.name} returned images that do not match the seeds`);
    }
    deps.telemetry.samplerCalls.inc({ ...labels, outcome: "ok" });
    deps.telemetry.samplerImages.inc(labels, images.length);
    return { sampler: sampler.name, images };
  } catch (err) {
    const outcome = err instanceof ApiError && err.type === "sampler_timeout" ? "timeout" : "error";
    deps.telemetry.samplerCalls.inc({ ...labels, outcome });
    // Shedding is the plan working, not a fault: one short line, no stack, per refusal.
    if (err instanceof ApiError && err.type === "overloaded") deps.logger.debug("compute shed", labels);
    else deps.logger.error("sampler failed", { ...labels, outcome, error: err });
    throw err;
  } finally {
    deps.telemetry.samplerSeconds.observe(labels, (deps.clock.monotonic() - started) / 1000);
  }
}

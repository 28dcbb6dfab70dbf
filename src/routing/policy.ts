// The router's sampling policy (docs/architecture.md, "The routing policy"): small batches of small
// edge-placed models run in-process on WASM; everything else goes to the GPU pool; with
// no healthy backend, edge-eligible models fall back to WASM and the rest get 503.

import { kindCost } from "../flow/cost.js";
import type { ModelEntry } from "../models/registry.js";
import type { RoutingConfig } from "../pool/config.js";
import type { ChooseSampler, Sampler } from "../sampler.js";

export interface RoutingSamplers {
  /** The in-process sampler (WASM); it accepts edge-placed models up to its batch limit. */
  edge?: Sampler | undefined;
  /** The GPU backend pool; it accepts GPU-placed models while a backend can take them. */
  gpu?: Sampler | undefined;
}

/** The reverse model's parameter count from the manifest; unknown counts as too large. */
function reverseParameters(model: ModelEntry): number {
  return model.manifest.parameters.reverse ?? Number.POSITIVE_INFINITY;
}

/** Whether a batch is small enough, of a small enough model, to stay on the edge. */
export function prefersEdge(model: ModelEntry, count: number, config: RoutingConfig): boolean {
  return (
    model.manifest.placements.includes("edge") &&
    count <= config.edgeMaxBatch &&
    reverseParameters(model) <= config.edgeMaxParameters
  );
}

/**
 * A batch is weighed by its sampler's cost (src/flow/cost.ts) against EDGE_MAX_BATCH: one
 * exact-inverse image weighs as much as a G batch of 36, so with a backend that announces
 * the sampler it goes to the GPU pool, and stays in-process only when none can take it.
 */
export function createRoutingPolicy(samplers: RoutingSamplers, config: RoutingConfig): ChooseSampler {
  const { edge, gpu } = samplers;
  return (model, count, kind = "g") => {
    const edgeTakes = edge?.accepts(model, count, kind) === true;
    if (edgeTakes && prefersEdge(model, count * kindCost(kind), config)) return edge;
    if (gpu?.accepts(model, count, kind) === true) return gpu;
    // No backend can take it: any batch the edge sampler accepts is better than a 503.
    return edgeTakes ? edge : undefined;
  };
}

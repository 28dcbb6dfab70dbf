// The routing policy: small batches of small edge models stay in-process, the rest go to
// the GPU pool; with no healthy backend edge models fall back and others get 503 with
// Retry-After; samplers that stored their PNGs save the router's upload.

import { beforeAll, describe, expect, it } from "vitest";
import type { ModelEntry } from "../../src/models/registry.js";
import { createRoutingPolicy, prefersEdge } from "../../src/routing/policy.js";
import type { Sampler } from "../../src/sampler.js";
import { FakeSampler, fixtureRegistry, makeTestApp, postJson } from "../helpers/fixtures.js";

const ROUTING = { edgeMaxBatch: 4, edgeMaxParameters: 10_000, retryAfterSeconds: 7 };

let tiny: ModelEntry;
beforeAll(async () => {
  const found = (await fixtureRegistry()).get("tiny-biflow");
  if (found === undefined) throw new Error("fixture model missing");
  tiny = found;
});

/** A sampler whose acceptance is a switch: stands for the pool with or without healthy backends. */
class SwitchSampler extends FakeSampler {
  constructor(
    readonly label: string,
    public available = true,
  ) {
    super();
  }
  override accepts(model: ModelEntry): boolean {
    return this.available && model.manifest.placements.includes(this.label === "edge" ? "edge" : "gpu");
  }
}

function withPlacements(model: ModelEntry, placements: ("edge" | "gpu" | "browser")[], reverse?: number): ModelEntry {
  const parameters: Record<string, number> = reverse === undefined ? {} : { reverse };
  return { ...model, manifest: { ...model.manifest, placements, parameters } };
}

describe("createRoutingPolicy", () => {
  it("keeps small batches of small edge models on the edge, larger ones go to the GPU", () => {
    const edge = new SwitchSampler("edge");
    const gpu = new SwitchSampler("gpu");
    const choose = createRoutingPolicy({ edge, gpu }, ROUTING);
    expect(choose(tiny, 4)).toBe(edge);
    expect(choose(tiny, 5)).toBe(gpu);
    expect(choose(withPlacements(tiny, ["edge", "gpu"], 10_001), 1)).toBe(gpu);
    expect(choose(withPlacements(tiny, ["gpu"]), 1)).toBe(gpu);
  });

  it("falls back to the edge for edge models when no backend is healthy; others get nothing", () => {
    const edge = new SwitchSampler("edge");
    const gpu = new SwitchSampler("gpu", false);
    const choose = createRoutingPolicy({ edge, gpu }, ROUTING);
    expect(choose(tiny, 64)).toBe(edge);
    expect(choose(withPlacements(tiny, ["gpu"]), 1)).toBeUndefined();
  });

  it("counts a model without a parameter count as too large for the edge", () => {
    expect(prefersEdge(withPlacements(tiny, ["edge"]), 1, ROUTING)).toBe(false);
    expect(prefersEdge(withPlacements(tiny, ["edge"], 10), 1, ROUTING)).toBe(true);
    expect(prefersEdge(withPlacements(tiny, ["gpu"], 10), 1, ROUTING)).toBe(false);
  });

  it("works without a pool (edge only) and without an edge sampler (pool only)", () => {
    const edge = new SwitchSampler("edge");
    const gpu = new SwitchSampler("gpu");
    expect(createRoutingPolicy({ edge }, ROUTING)(tiny, 64)).toBe(edge);
    expect(createRoutingPolicy({ gpu }, ROUTING)(tiny, 1)).toBe(gpu);
  });
});

describe("the app with the routing policy", () => {
  it("answers 503 with Retry-After when no sampler can take the batch, computing nothing", async () => {
    const gpu = new SwitchSampler("gpu", false);
    const { app } = await makeTestApp({
      samplers: [gpu],
      choose: createRoutingPolicy({ gpu }, ROUTING),
      retryAfterSeconds: ROUTING.retryAfterSeconds,
    });
    const res = await postJson(app, "/v1/samples", { model: "tiny-biflow", n: 2, seed: 1 });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("sampler_unavailable");
    expect(gpu.calls).toBe(0);
  });

  it("skips the router's upload for images a sampler already stored", async () => {
    class StoringSampler extends FakeSampler {
      override async sample(...args: Parameters<Sampler["sample"]>) {
        return (await super.sample(...args)).map((image) => ({ ...image, stored: true }));
      }
    }
    const sampler = new StoringSampler();
    const { app, store } = await makeTestApp({ samplers: [sampler] });
    const res = await postJson(app, "/v1/samples", { model: "tiny-biflow", n: 2, seed: 1 });
    expect(res.status).toBe(200);
    expect(sampler.calls).toBe(1);
    expect(store.keys()).toEqual([]);
  });
});

// Resolving a sample URL against the loaded manifest: defaults of the current version only,
// canonical or not, and what a version no longer loaded may and may not be asked.

import { beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors.js";
import type { ModelManifest } from "../../src/models/manifest.js";
import { parseSampleUrl } from "../../src/samples/canonical.js";
import { resolveSampleUrl } from "../../src/samples/sample-url.js";
import { fixtureRegistry } from "../helpers/fixtures.js";

let manifest: ModelManifest;
beforeAll(async () => {
  const entry = (await fixtureRegistry()).get("tiny-biflow");
  if (entry === undefined) throw new Error("tiny-biflow fixture missing");
  manifest = entry.manifest;
});

function resolve(pathAndQuery: string) {
  return resolveSampleUrl(parseSampleUrl(new URL(pathAndQuery, "http://edge.test")), manifest);
}

function failure(pathAndQuery: string): { type: string; status: number; param: string | null; message: string } {
  try {
    resolve(pathAndQuery);
  } catch (err) {
    if (err instanceof ApiError) return { type: err.type, status: err.status, param: err.param, message: err.message };
    throw err;
  }
  throw new Error(`${pathAndQuery} resolved`);
}

// The fixture's manifest, as committed: version 0.0.1-fixture, class 7 "Sneaker", default guidance 1.0.
const CANONICAL = "/v1/samples/tiny-biflow@0.0.1-fixture/sneaker/42.png?guidance=1.00";

describe("resolveSampleUrl", () => {
  it("knows the canonical URL when it sees it", () => {
    const r = resolve(CANONICAL);
    expect(r).toMatchObject({ canonical: CANONICAL, isCanonical: true, current: true, classLabel: "sneaker" });
    expect(r.id).toEqual({
      modelId: "tiny-biflow",
      version: "0.0.1-fixture",
      variant: null,
      classIndex: 7,
      seed: 42,
      guidance: 1,
      sampler: { kind: "g" },
    });
    expect(resolve(`${CANONICAL}&exp=1&sig=x`).isCanonical).toBe(true);
  });

  it.each([
    "/v1/samples/tiny-biflow/sneaker/42.png?guidance=1.00",
    "/v1/samples/tiny-biflow/sneaker/42.png",
    "/v1/samples/tiny-biflow@0.0.1-fixture/7/42.png?guidance=1.00",
    "/v1/samples/tiny-biflow@0.0.1-fixture/Sneaker/42.png?guidance=1",
    "/v1/samples/tiny-biflow@0.0.1-fixture/sneaker/42.png",
    "/v1/samples/tiny-biflow@0.0.1-fixture/sneaker/42.png?guidance=1.001",
    "/v1/samples/tiny-biflow@0.0.1-fixture/sneaker/42.png?guidance=1.00&sampler=g",
  ])("sends %s to the canonical URL", (url) => {
    expect(resolve(url)).toMatchObject({ canonical: CANONICAL, isCanonical: false, current: true });
  });

  it("checks the current version's guidance range, samplers and variants", () => {
    expect(failure("/v1/samples/tiny-biflow/sneaker/42.png?guidance=9")).toMatchObject({
      status: 400,
      param: "guidance",
    });
    expect(failure("/v1/samples/tiny-biflow/sneaker/42.png?sampler=exact")).toMatchObject({
      status: 400,
      param: "sampler",
    });
    expect(failure("/v1/samples/tiny-biflow/sneaker/42.png?variant=int8")).toMatchObject({
      status: 400,
      param: "variant",
    });
    expect(failure("/v1/samples/tiny-biflow/hat/42.png")).toMatchObject({ status: 400, param: "class" });
  });

  it("resolves a version no longer loaded without defaults, for the store to answer", () => {
    const old = resolve("/v1/samples/tiny-biflow@0.0.0/7/42.png?guidance=5&sampler=exact");
    expect(old).toMatchObject({ current: false, isCanonical: false });
    expect(old.canonical).toBe("/v1/samples/tiny-biflow@0.0.0/sneaker/42.png?guidance=5.00&sampler=exact");
    const gone = failure("/v1/samples/tiny-biflow@0.0.0/sneaker/42.png");
    expect(gone).toMatchObject({ type: "version_gone", status: 410, param: "version" });
    expect(gone.message).toContain("the current version is 0.0.1-fixture");
  });
});

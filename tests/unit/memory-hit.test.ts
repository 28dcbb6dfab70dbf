// src/samples/memory-hit.ts over the app: a canonical sample URL counts as answered from
// memory exactly when a request for it has put the image in the in-memory cache (the app
// itself says so with x-sample-source: cache); other forms of the URL (redirects), other
// seeds, unknown models and paths that are not sample URLs do not.

import { describe, expect, it } from "vitest";
import { inMemorySample } from "../../src/samples/memory-hit.js";
import { fixtureRegistry, makeTestApp } from "../helpers/fixtures.js";

const CANONICAL = "/v1/samples/tiny-biflow@0.0.1-fixture/t-shirt-top/9.png?guidance=1.00";

describe("inMemorySample", () => {
  it("is true for a canonical URL once its image is cached, and only then", async () => {
    const t = await makeTestApp();
    const answers = inMemorySample(await fixtureRegistry(), t.cache);
    expect(answers(CANONICAL)).toBe(false);
    const first = await t.app.request(CANONICAL);
    expect(first.headers.get("x-sample-source")).toBe("computed");
    expect(answers(CANONICAL)).toBe(true);
    // The app agrees: the next request for it is a cache hit.
    expect((await t.app.request(CANONICAL)).headers.get("x-sample-source")).toBe("cache");

    expect(answers(CANONICAL.replace("/9.png", "/10.png"))).toBe(false);
    // The same image by a non-canonical form: the app redirects it, so it is not a memory answer.
    const shortForm = "/v1/samples/tiny-biflow/t-shirt-top/9.png?guidance=1";
    expect((await t.app.request(shortForm)).status).toBe(302);
    expect(answers(shortForm)).toBe(false);
    expect(answers("/v1/samples/no-such-model@1.0.0/0/9.png?guidance=1.00")).toBe(false);
    expect(answers("/v1/samples/tiny-biflow@0.0.1-fixture/t-shirt-top/%zz.png")).toBe(false);
    expect(answers("/health/live")).toBe(false);
  });
});

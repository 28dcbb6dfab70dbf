// The fuzz suites' request generator and error-shape check: one seed is one stream of
// requests (so a failure replays), every kind is drawn, and a wrong error body is caught.

import { describe, expect, it } from "vitest";
import { greyPng, hostilePngs } from "../helpers/hostile-png.js";
import { errorShapeProblem, hostileRequest, type FuzzTarget } from "../helpers/hostile-requests.js";

const target: FuzzTarget = {
  model: { id: "tiny-biflow", version: "0.0.1", classes: ["A", "B"], width: 28, height: 28 },
  maxBodyBytes: 16_384,
  maxImageBytes: 1_048_576,
  goodPng: greyPng(28, 28),
  hostilePngs: Object.values(hostilePngs()),
};

describe("hostileRequest", () => {
  it("gives the same request for the same seed and index, and others for other seeds", () => {
    const strip = (i: number, seed: number) => {
      const { body, ...rest } = hostileRequest(seed, i, target);
      return { ...rest, body: body === undefined ? null : Buffer.from(body).toString("base64") };
    };
    for (let i = 0; i < 50; i++) expect(strip(i, 1)).toEqual(strip(i, 1));
    const differs = Array.from({ length: 50 }, (_, i) => JSON.stringify(strip(i, 1)) !== JSON.stringify(strip(i, 2)));
    expect(differs.filter(Boolean).length).toBeGreaterThan(40);
  });

  it("draws every kind within 2,000 requests, oversized bodies really over the limits", () => {
    const kinds = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const req = hostileRequest(7, i, target);
      kinds.add(req.kind);
      if (req.kind.startsWith("oversized") && req.kind.endsWith("json")) {
        expect(req.body?.length).toBeGreaterThan(target.maxBodyBytes);
      }
      if (req.kind.startsWith("oversized") && req.kind.endsWith("png")) {
        expect(req.body?.length).toBeGreaterThan(target.maxImageBytes);
      }
    }
    expect([...kinds].sort()).toEqual(
      [
        "bad json",
        "bit-flipped png",
        "hostile fields",
        "hostile png",
        "odd path",
        "oversized chunked json",
        "oversized chunked png",
        "oversized json",
        "oversized png",
        "sample path",
        "sampler params",
        "truncated png",
        "valid encode",
        "valid sample",
        "wrong content type",
        "wrong method",
      ].sort(),
    );
  });
});

describe("errorShapeProblem", () => {
  const json = "application/json; charset=UTF-8";
  it("accepts the documented error body", () => {
    expect(errorShapeProblem(400, json, '{"error":{"type":"invalid_json","message":"bad","param":null}}')).toBeNull();
    expect(errorShapeProblem(413, json, '{"error":{"type":"payload_too_large","message":"big"}}')).toBeNull();
  });
  it("names what is wrong otherwise", () => {
    expect(errorShapeProblem(400, "text/plain", "Bad Request")).toMatch(/content-type/);
    expect(errorShapeProblem(400, json, "<html>")).toMatch(/not JSON/);
    expect(errorShapeProblem(400, json, '{"message":"x"}')).toMatch(/no error object/);
    expect(errorShapeProblem(404, json, '{"error":{"type":"invalid_json","message":"x"}}')).toMatch(/type/);
    expect(errorShapeProblem(400, json, '{"error":{"type":"made_up","message":"x"}}')).toMatch(/type/);
    expect(errorShapeProblem(400, json, '{"error":{"type":"invalid_json","message":""}}')).toMatch(/message/);
  });
});

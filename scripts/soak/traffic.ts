// The soak's steady mixed load: what one request of each kind is, drawn by a seeded random
// stream, and what statuses each kind may answer (docs/api.md). Cached URLs come from the
// warm-up; uncached ones use seeds no earlier request used.

import type { HostileRequest } from "../../tests/helpers/hostile-requests.js";

export interface SoakTarget {
  origin: string;
  model: string;
  version: string;
  classSlugs: readonly string[];
  /** Canonical sample paths computed during the warm-up: the cached share of the load. */
  warmPaths: readonly string[];
  /** Their PNGs: bodies for encode and reconstruct. */
  warmPngs: readonly Uint8Array<ArrayBuffer>[];
  /** The canonical path of `seed` under class `slug` (as the warm-up's redirects wrote them). */
  canonicalPath(slug: string, seed: number): string;
}

export interface PlannedRequest {
  kind: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
  /** Statuses this kind of request may answer. */
  expect: readonly number[];
  /** Hostile requests go through the raw client (exact paths, chunked bodies). */
  hostile?: HostileRequest;
}

/** Share of the load per kind (they sum to 1). */
export const MIX: readonly (readonly [kind: string, share: number])[] = [
  ["cached", 0.34],
  ["redirect", 0.08],
  ["uncached", 0.16],
  ["post-samples", 0.1],
  ["encode", 0.1],
  ["reconstruct", 0.06],
  ["hostile", 0.08],
  ["live", 0.04],
  ["models", 0.04],
];

/** Computes may be shed under load; everything else has one answer. */
const COMPUTE = [200, 503] as const;
const JSON_HEADERS = { "content-type": "application/json" };
const PNG_HEADERS = { "content-type": "image/png" };

export class Traffic {
  /** Seeds above every warm-up seed and every job's seeds: each uncached request is a miss. */
  private nextSeed = 500_000_000;
  private hostileIndex = 0;

  constructor(
    private readonly target: SoakTarget,
    private readonly random: () => number,
    private readonly hostile: (index: number) => HostileRequest,
  ) {}

  private pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.random() * items.length)];
    if (item === undefined) throw new Error("nothing to pick from");
    return item;
  }

  private kind(): string {
    let r = this.random();
    for (const [kind, share] of MIX) {
      if (r < share) return kind;
      r -= share;
    }
    return "cached";
  }

  next(): PlannedRequest {
    const { model, classSlugs } = this.target;
    const kind = this.kind();
    const slug = this.pick(classSlugs);
    switch (kind) {
      case "redirect":
        return { kind, method: "GET", path: `/v1/samples/${model}/${slug}/${this.nextSeed++}.png`, expect: [302] };
      case "uncached":
        return { kind, method: "GET", path: this.target.canonicalPath(slug, this.nextSeed++), expect: COMPUTE };
      case "post-samples": {
        // Up to 16 images: above EDGE_MAX_BATCH (8), the router sends the batch to the backends.
        const n = 1 + Math.floor(this.random() * 16);
        const seed = this.nextSeed;
        this.nextSeed += n;
        const body = new TextEncoder().encode(JSON.stringify({ model, n, class: slug, seed }));
        return { kind, method: "POST", path: "/v1/samples", headers: JSON_HEADERS, body, expect: COMPUTE };
      }
      case "encode":
      case "reconstruct":
        return {
          kind,
          method: "POST",
          path: `/v1/${kind}?model=${model}&class=${slug}`,
          headers: PNG_HEADERS,
          body: this.pick(this.target.warmPngs),
          expect: COMPUTE,
        };
      case "hostile": {
        const req = this.hostile(this.hostileIndex++);
        return { kind, method: req.method, path: req.path, expect: req.expect, hostile: req };
      }
      case "live":
        return { kind, method: "GET", path: "/health/live", expect: [200] };
      case "models":
        return { kind, method: "GET", path: "/v1/models", expect: [200] };
      default:
        return { kind: "cached", method: "GET", path: this.pick(this.target.warmPaths), expect: [200] };
    }
  }
}

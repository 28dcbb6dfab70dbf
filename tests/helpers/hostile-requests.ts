// A seeded generator of hostile HTTP requests for the fuzz suites (issue 10), on Web APIs only
// so the Node router's suite and the Worker's (inside workerd) draw the very same requests.

/** One generated request, with the statuses the API documents for what it breaks. */
export interface HostileRequest {
  kind: string;
  method: string;
  /** Path and query, sent as written (escapes and dot segments included). */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Sent without Content-Length, as chunks of this many bytes (Transfer-Encoding: chunked). */
  chunkBytes?: number;
  /** The statuses docs/api.md documents for this request. */
  expect: readonly number[];
}

/** What the generator aims at: a served model and the PNG corpus (built where node:zlib exists). */
export interface FuzzTarget {
  model: { id: string; version: string; classes: readonly string[]; width: number; height: number };
  /** Largest JSON body (MAX_BODY_BYTES) and PNG body (MAX_IMAGE_BYTES) the service takes. */
  maxBodyBytes: number;
  maxImageBytes: number;
  /** A valid PNG of the model's shape. */
  goodPng: Uint8Array;
  /** Malformed and hostile PNGs, each of which must answer 400. */
  hostilePngs: readonly Uint8Array[];
}

/** The error types of docs/api.md's "Errors", with their statuses (independent of src/errors.ts). */
export const DOCUMENTED_ERRORS: Readonly<Record<string, number>> = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  model_not_found: 404,
  method_not_allowed: 405,
  version_gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  sampler_not_available: 422,
  rate_limited: 429,
};

/** mulberry32: a tiny seeded PRNG, unrelated to the service's own PCG32 noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const text = new TextEncoder();

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const HOSTILE_NUMBERS = [
  "1e308",
  "-1e308",
  "1e400",
  "-0",
  "0.5",
  "1.0000000001",
  "4294967296",
  "4294967295.5",
  "-1",
  "9007199254740993",
  "1" + "0".repeat(400),
  "1e-400",
  "65",
  "1e2",
  "0x10",
  "NaN",
  "Infinity",
];
const HOSTILE_STRINGS = [
  "",
  " ",
  "unicorn",
  "../../etc/passwd",
  "%00",
  "\u0000",
  "\ud800",
  "😀".repeat(50),
  "x".repeat(3000),
];
/** Jacobi schedules: one count or one per block; only "1" is valid (and cheap). */
const HOSTILE_ITERATIONS = ["1", "0", "-1", "1e9", "4294967296", "1.5", "1,2,x", "1,".repeat(300) + "1", "99999", ""];
const WRONG_TYPES = ["null", "true", "[]", "{}", '"7"', "[1,2]", '{"a":1}'];

function jsonValue(r: Rand): string {
  const roll = r();
  if (roll < 0.35) return pick(r, HOSTILE_NUMBERS);
  if (roll < 0.65) return JSON.stringify(pick(r, HOSTILE_STRINGS));
  return pick(r, WRONG_TYPES);
}

/** A sample request body where some fields are hostile (raw JSON text, so 1e400 and NaN survive). */
function hostileSampleBody(r: Rand, target: FuzzTarget): string {
  const fields: Record<string, string> = {
    model: JSON.stringify(target.model.id),
    n: String(int(r, 1, 3)),
    seed: String(int(r, 0, 3)),
  };
  const names = ["model", "n", "class", "seed", "guidance", "extra", "__proto__", "constructor"];
  if (r() < 0.25) {
    // The sampler parameters (docs/SAMPLE-URLS.md): an iteration count is work, so huge,
    // negative and malformed schedules must be refused before any compute.
    fields["sampler"] = pick(r, ['"jacobi"', '"exact"', '"g"', '"JACOBI"', '"unicorn"']);
    fields["iterations"] = pick(r, [...HOSTILE_ITERATIONS.map((i) => `[${i}]`), "1", "[]", '"1"', "1e9"]);
    if (r() < 0.3) fields["tolerance"] = pick(r, HOSTILE_NUMBERS);
  }
  const broken = int(r, 1, 3);
  for (let i = 0; i < broken; i++) fields[pick(r, names)] = jsonValue(r);
  return `{${Object.entries(fields)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(",")}}`;
}

function badJson(r: Rand): string {
  return pick(r, [
    "",
    "{",
    '{"model":',
    "{'model':'x'}",
    '{"model":"a",}',
    "[1,2",
    "nul",
    '{"n":1}garbage',
    "\u0000\u0001\u0002",
    '"\\uZZZZ"',
    "[".repeat(int(r, 100, 5000)),
    `${"[".repeat(2000)}${"]".repeat(2000)}`,
    '{"a":' + "{".repeat(1000),
  ]);
}

const SEGMENT_ATTACKS = [
  "..",
  "%2e%2e",
  "%2E%2E%2F%2E%2E",
  "..%2f..%2fetc%2fpasswd",
  "%",
  "%zz",
  "%E0%A4%A",
  "%C0%AE%C0%AE",
  "%00",
  "%ff%fe",
  "a%2Fb",
  "~",
  "x".repeat(2000),
  "%252e%252e",
  "null",
  "-1",
  "4294967296",
  "1e3",
  "0x1f",
  "7.5",
];

function samplePath(r: Rand, target: FuzzTarget): string {
  const { id, version, classes } = target.model;
  const model = pick(r, [id, `${id}@${version}`, `${id}@9.9.9`, `${id}@`, "nope", pick(r, SEGMENT_ATTACKS)]);
  const cls = pick(r, [
    "null",
    String(int(r, 0, classes.length + 2)),
    slug(pick(r, classes)),
    pick(r, SEGMENT_ATTACKS),
    "unicorn",
  ]);
  const seed = pick(r, [String(int(r, 0, 3)), pick(r, SEGMENT_ATTACKS), "4294967295", "4294967296", "-0"]);
  const ext = pick(r, [".png", ".PNG", ".jpg", "", ".png.png", "%2epng"]);
  const query = pick(r, [
    "",
    "?guidance=1.00",
    "?guidance=abc",
    "?guidance=1e400",
    "?guidance=-0",
    "?guidance=0.5&guidance=1",
    "?guidance=%zz",
    "?nope=1",
    "?sig=00&exp=1",
    "?sampler=jacobi&variant=q8",
    "?guidance=" + "9".repeat(500),
  ]);
  const traversal = r() < 0.1 ? pick(r, ["/..", "/../..", "/%2e%2e", "/./"]) : "";
  return `/v1/samples/${model}/${cls}${traversal}/${seed}${ext}${query}`;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function mutatePng(r: Rand, png: Uint8Array): Uint8Array {
  const out = png.slice();
  const flips = int(r, 1, 4);
  for (let i = 0; i < flips; i++) {
    const at = int(r, 8, out.length - 1);
    out[at] = (out[at] ?? 0) ^ (1 << int(r, 0, 7));
  }
  return out;
}

const JSON_HEADERS = { "content-type": "application/json" };

/** The `index`-th request of the stream seeded with `seed` (each request has its own PRNG). */
export function hostileRequest(seed: number, index: number, target: FuzzTarget): HostileRequest {
  const r = seededRandom((seed * 0x9e3779b1) ^ index);
  const roll = r();
  const model = target.model.id;
  const encodePath = `/v1/encode?model=${encodeURIComponent(model)}${r() < 0.5 ? "&class=0" : ""}`;
  if (roll < 0.14) {
    return {
      kind: "bad json",
      method: "POST",
      path: "/v1/samples",
      headers: JSON_HEADERS,
      body: text.encode(badJson(r)),
      expect: [400],
    };
  }
  if (roll < 0.34) {
    // Wrong types, huge and fractional numbers, unknown classes and fields.
    return {
      kind: "hostile fields",
      method: "POST",
      path: "/v1/samples",
      headers: JSON_HEADERS,
      body: text.encode(hostileSampleBody(r, target)),
      // 200/404: a broken field may be one the schema tolerates (e.g. "class": null); 422: a
      // sampler this runtime does not run.
      expect: [200, 400, 404, 422],
    };
  }
  if (roll < 0.47) {
    return {
      kind: "sample path",
      method: pick(r, ["GET", "GET", "GET", "HEAD"]),
      path: samplePath(r, target),
      headers: r() < 0.2 ? { "if-none-match": pick(r, ['"x"', "*", '"' + "a".repeat(300) + '"']) } : {},
      expect: [200, 302, 304, 400, 404, 410, 422],
    };
  }
  if (roll < 0.52) {
    // One canonical sample with hostile sampler parameters: valid ones compute one key each.
    const { id, version } = target.model;
    const iterations = pick(r, HOSTILE_ITERATIONS);
    const query = pick(r, [
      "&sampler=exact",
      `&sampler=jacobi&iterations=${iterations}`,
      `&sampler=jacobi&iterations=${iterations}&tolerance=${pick(r, ["NaN", "0", "2", "1e-400", "0.5", "%zz"])}`,
      "&sampler=jacobi",
      "&sampler=g",
      "&sampler=",
      "&sampler=exact&sampler=jacobi",
      `&iterations=${iterations}`,
    ]);
    return {
      kind: "sampler params",
      method: pick(r, ["GET", "GET", "HEAD"]),
      path: `/v1/samples/${id}@${version}/null/0.png?guidance=${pick(r, ["1.00", "0.50"])}${query}`,
      headers: {},
      // 422: a sampler this runtime does not run (exact on the Worker).
      expect: [200, 302, 400, 422],
    };
  }
  if (roll < 0.58) {
    const path = pick(r, [
      "/../../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/v1/../v1/models",
      "/v1/models/%",
      "/v1//models",
      "/assets/..%2f..%2fpackage.json",
      "/models/" + pick(r, SEGMENT_ATTACKS) + "/reverse.onnx",
      "/v1/models?" + "a=1&".repeat(200),
      "/" + pick(r, SEGMENT_ATTACKS),
      "/health/live/..",
      "/openapi.json%00",
    ]);
    return { kind: "odd path", method: "GET", path, headers: {}, expect: [200, 301, 302, 400, 404] };
  }
  if (roll < 0.66) {
    const oversized = target.maxBodyBytes + int(r, 1, 3 * target.maxBodyBytes);
    const body = text.encode(`{"model":"${"x".repeat(oversized)}"}`);
    const chunked = r() < 0.5;
    return {
      kind: chunked ? "oversized chunked json" : "oversized json",
      method: "POST",
      path: "/v1/samples",
      headers: JSON_HEADERS,
      body,
      ...(chunked ? { chunkBytes: pick(r, [1024, 4096, 16384]) } : {}),
      expect: [413],
    };
  }
  if (roll < 0.7) {
    const body = new Uint8Array(target.maxImageBytes + int(r, 1, 256 * 1024));
    body.set(target.goodPng.subarray(0, Math.min(body.length, target.goodPng.length)));
    const chunked = r() < 0.5;
    return {
      kind: chunked ? "oversized chunked png" : "oversized png",
      method: "POST",
      path: encodePath,
      headers: { "content-type": "image/png" },
      body,
      ...(chunked ? { chunkBytes: 65536 } : {}),
      expect: [413],
    };
  }
  if (roll < 0.78) {
    const path = pick(r, ["/v1/samples", "/v1/models", "/v1/encode", "/health/live", samplePath(r, target)]);
    return {
      kind: "wrong method",
      method: pick(r, ["PUT", "DELETE", "PATCH", "POST", "OPTIONS"]),
      path,
      headers: r() < 0.5 ? JSON_HEADERS : {},
      body: text.encode('{"model":"x","n":1}'),
      // OPTIONS is a CORS preflight (204) on /v1; POST on a GET route is 405 (404 off the API).
      expect: [200, 204, 302, 400, 404, 405, 415],
    };
  }
  if (roll < 0.84) {
    const toEncode = r() < 0.4;
    const contentType = pick(r, [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonx",
      toEncode ? "application/json" : "image/png",
      "",
    ]);
    return {
      kind: "wrong content type",
      method: "POST",
      path: toEncode ? encodePath : "/v1/samples",
      headers: contentType === "" ? {} : { "content-type": contentType },
      body: toEncode ? target.goodPng : text.encode(`{"model":"${model}","n":1,"seed":0}`),
      expect: [415],
    };
  }
  if (roll < 0.95) {
    const which = r();
    const body =
      which < 0.4
        ? pick(r, target.hostilePngs)
        : which < 0.75
          ? target.goodPng.subarray(0, int(r, 0, target.goodPng.length - 1))
          : mutatePng(r, target.goodPng);
    const kind = which < 0.4 ? "hostile png" : which < 0.75 ? "truncated png" : "bit-flipped png";
    return {
      kind,
      method: "POST",
      path: encodePath,
      headers: { "content-type": "image/png" },
      body,
      ...(r() < 0.3 ? { chunkBytes: pick(r, [7, 100, 4096]) } : {}),
      // A flipped bit in a pixel byte's compressed stream can still decode: then 200.
      expect: kind === "bit-flipped png" ? [200, 400] : [400],
    };
  }
  // A few valid requests among the hostile ones, on a handful of keys (mostly cache hits).
  if (r() < 0.5) {
    return {
      kind: "valid sample",
      method: "POST",
      path: "/v1/samples",
      headers: JSON_HEADERS,
      body: text.encode(JSON.stringify({ model, n: 1, class: int(r, 0, 1), seed: int(r, 0, 1) })),
      expect: [200],
    };
  }
  return {
    kind: "valid encode",
    method: "POST",
    path: encodePath,
    headers: { "content-type": "image/png" },
    body: target.goodPng,
    expect: [200],
  };
}

/** Checks a 4xx body against the documented shape; returns what is wrong, or null. */
export function errorShapeProblem(status: number, contentType: string | null, body: string): string | null {
  if (!(contentType ?? "").startsWith("application/json")) return `content-type ${String(contentType)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 80)}`;
  }
  const error = (parsed as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return `no error object: ${body.slice(0, 80)}`;
  const { type, message, param } = error as { type?: unknown; message?: unknown; param?: unknown };
  if (typeof type !== "string" || DOCUMENTED_ERRORS[type] !== status) return `type ${String(type)} for ${status}`;
  if (typeof message !== "string" || message.length === 0) return "no message";
  if (param !== undefined && param !== null && typeof param !== "string") return "param not a string";
  return null;
}

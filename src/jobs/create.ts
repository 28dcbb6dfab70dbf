// POST /v1/jobs' rules past the schema: model, version, sampler, guidance and classes
// resolved against the loaded manifest (the same functions as sample URLs), the seed plan
// and the size limit, then the JobSpec that is stored.

import { invalidParam } from "../errors.js";
import { resolveClass } from "../models/classes.js";
import type { ModelEntry } from "../models/registry.js";
import { DEFAULT_SAMPLER, parseSampleUrl, SAMPLE_PATH_PREFIX, type SamplerSpec } from "../samples/canonical.js";
import { pickSeed, resolveGuidance, type RandomSource } from "../samples/params.js";
import { resolveSampleUrl } from "../samples/sample-url.js";
import { toBase64, toHex } from "../bytes.js";
import type { JobsConfig } from "./config.js";
import type { JobRequest } from "./schema.js";
import type { JobSeeds, JobSpec } from "./model.js";
import { totalImages } from "./model.js";
import { checkWebhookUrl } from "./webhook-address.js";

/**
 * The sampler as sample URLs resolve it for this model (whatever samplers the router knows),
 * by reading the request's fields as a sample URL's query.
 */
function resolveJobSampler(model: ModelEntry, body: JobRequest): SamplerSpec {
  const query = new URLSearchParams();
  if (body.sampler !== undefined) query.set("sampler", body.sampler);
  if (body.iterations !== undefined) {
    query.set("iterations", Array.isArray(body.iterations) ? body.iterations.join(",") : String(body.iterations));
  }
  if (body.tolerance !== undefined) query.set("tolerance", String(body.tolerance));
  const search = query.size === 0 ? "" : `?${query.toString().replaceAll("%2C", ",")}`;
  const pathname = `${SAMPLE_PATH_PREFIX}${encodeURIComponent(model.manifest.id)}/null/0.png`;
  return resolveSampleUrl(parseSampleUrl({ pathname, search }), model.manifest).id.sampler ?? DEFAULT_SAMPLER;
}

function resolveClasses(model: ModelEntry, body: JobRequest): (number | null)[] {
  const { manifest } = model;
  if (body.class !== undefined && body.classes !== undefined) {
    throw invalidParam("classes", "give class or classes, not both");
  }
  if (body.classes === "all") return manifest.classes.map((_, i) => i);
  if (body.classes !== undefined) {
    const resolved = body.classes.map((c, i) => resolveClass(manifest, c, `classes.${i}`));
    if (new Set(resolved).size !== resolved.length) throw invalidParam("classes", "classes must not repeat a class");
    return resolved;
  }
  return [resolveClass(manifest, body.class)];
}

function resolveSeeds(body: JobRequest, random: RandomSource): JobSeeds {
  if ((body.count === undefined) === (body.seeds === undefined)) {
    throw invalidParam("count", "give either count (with an optional seed) or seeds: {from, to}");
  }
  if (body.seeds !== undefined) {
    if (body.seed !== undefined) throw invalidParam("seed", "seed goes with count; seeds: {from, to} names every seed");
    if (body.seeds.to < body.seeds.from) throw invalidParam("seeds.to", "seeds.to must be at least seeds.from");
    return { kind: "seeds", from: body.seeds.from, to: body.seeds.to };
  }
  return { kind: "count", count: body.count ?? 0, seed: body.seed ?? pickSeed(random) };
}

export function newJobId(random: RandomSource): string {
  const words = new Uint32Array(3);
  random(words);
  return `job_${toHex(new Uint8Array(words.buffer))}`;
}

/** `whsec_` and 24 random bytes in base64: the Standard Webhooks secret format. */
export function newWebhookSecret(random: RandomSource): string {
  const words = new Uint32Array(6);
  random(words);
  return `whsec_${toBase64(new Uint8Array(words.buffer))}`;
}

export interface JobContext {
  owner: string;
  origin: string;
  now: number;
  random: RandomSource;
  config: JobsConfig;
}

export function createJobSpec(model: ModelEntry, body: JobRequest, ctx: JobContext): JobSpec {
  const { manifest } = model;
  if (body.version !== undefined && body.version !== manifest.version) {
    throw invalidParam(
      "version",
      `jobs run on the current version of ${manifest.id}, ${manifest.version}; got "${body.version}"`,
    );
  }
  const sampler = resolveJobSampler(model, body);
  const guidance = resolveGuidance(manifest, body.guidance);
  const classes = resolveClasses(model, body);
  const seeds = resolveSeeds(body, ctx.random);
  const imagesTotal = totalImages({ classes, seeds });
  const { maxImages } = ctx.config;
  if (imagesTotal > maxImages) {
    throw invalidParam(
      seeds.kind === "count" ? "count" : "seeds",
      `a job may have at most ${maxImages} images; this one has ${imagesTotal}`,
    );
  }
  if (seeds.kind === "count" && seeds.count < classes.length) {
    throw invalidParam("count", `count must be at least the number of classes (${classes.length})`);
  }
  const webhookUrl =
    body.webhook_url === undefined ? undefined : checkWebhookUrl(body.webhook_url, ctx.config.webhookAllowPrivate);
  const outputs = body.outputs ?? [];
  return {
    schema: 1,
    id: newJobId(ctx.random),
    owner: ctx.owner,
    origin: ctx.origin,
    createdAt: ctx.now,
    expiresAt: ctx.now + ctx.config.retentionMs,
    model: manifest.id,
    version: manifest.version,
    sampler,
    guidance,
    classes,
    seeds,
    imagesTotal,
    chunkSize: ctx.config.chunkSize,
    outputs: { tar: outputs.includes("tar"), npz: outputs.includes("npz") },
    webhook: webhookUrl === undefined ? null : { url: webhookUrl, secret: newWebhookSecret(ctx.random) },
  };
}

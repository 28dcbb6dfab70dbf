// The jobs API: POST /v1/jobs (202, id, URL, and the webhook secret, shown this once),
// GET /v1/jobs (the caller's jobs), GET /v1/jobs/{id} (status), DELETE /v1/jobs/{id}
// (cancel), and the results, served by the router so they work on the local store too:
// /v1/jobs/{id}/manifest, /archive.tar, /images.npz.

import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError, invalidParam } from "../errors.js";
import "../middleware/context.js";
import { limitBody, parseOrThrow } from "../routes/common.js";
import { requireModel, type Services } from "../services.js";
import { createJobSpec } from "./create.js";
import type { JobsAttachment } from "./host.js";
import { JOB_ID, jobKeys } from "./layout.js";
import type { JobSpec } from "./model.js";
import type { JobRecords } from "./records.js";
import { MANIFEST_TYPE, NPZ_TYPE, TAR_TYPE } from "./results.js";
import { JobRequestSchema } from "./schema.js";
import { jobStatus, jobUrl } from "./status.js";

/** Who owns what a request creates: its API key, or the whole deployment when keys are off. */
export function ownerOf(c: Context): string {
  return c.get("clientKey") ?? "deployment";
}

const LIST_LIMIT = 100;

function jobNotFound(id: string): ApiError {
  return new ApiError("not_found", `no job ${id.slice(0, 40)} (unknown, expired, or another key's)`);
}

async function readBody(c: Context): Promise<unknown> {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/json")) {
    throw new ApiError("unsupported_media_type", "Content-Type must be application/json");
  }
  try {
    return await c.req.json();
  } catch {
    throw new ApiError("invalid_json", "request body is not valid JSON");
  }
}

export function registerJobRoutes(
  app: OpenAPIHono,
  services: Services,
  records: JobRecords,
  jobs?: Pick<JobsAttachment, "created">,
): void {
  const { config, clock } = services;

  /** The caller's job, or not_found for unknown, expired and other owners' jobs alike. */
  async function ownedJob(c: Context): Promise<JobSpec> {
    const id = c.req.param("id") ?? "";
    if (!JOB_ID.test(id)) throw jobNotFound(id);
    const spec = await records.spec(id);
    if (spec === undefined || spec.owner !== ownerOf(c) || clock.now() > spec.expiresAt) throw jobNotFound(id);
    return spec;
  }

  const origin = (c: Context) => new URL(c.req.url).origin;

  app.post("/v1/jobs", limitBody(config.maxBodyBytes), async (c) => {
    const body = parseOrThrow(JobRequestSchema, await readBody(c));
    const model = requireModel(services.registry, body.model);
    const spec = createJobSpec(model, body, {
      owner: ownerOf(c),
      origin: origin(c),
      now: clock.now(),
      random: services.random,
      config: config.jobs,
    });
    await records.create(spec);
    // A queue-driven executor (the Worker) starts the job's chain of messages here.
    await jobs?.created?.(spec);
    const status = await jobStatus(records, spec, origin(c), clock.now());
    return c.json({ ...status, ...(spec.webhook === null ? {} : { webhook_secret: spec.webhook.secret }) }, 202, {
      location: jobUrl(origin(c), spec.id),
    });
  });

  app.get("/v1/jobs", async (c) => {
    const raw = c.req.query("limit");
    const limit = raw === undefined ? 20 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT) {
      throw invalidParam("limit", `limit must be an integer from 1 to ${LIST_LIMIT}`);
    }
    const ids = await records.ownerJobs(ownerOf(c), limit);
    const now = clock.now();
    const specs = (await Promise.all(ids.map((id) => records.spec(id)))).filter(
      (s): s is JobSpec => s !== undefined && now <= s.expiresAt,
    );
    const data = await Promise.all(specs.map((s) => jobStatus(records, s, origin(c), now)));
    return c.json({ object: "list", data });
  });

  app.get("/v1/jobs/:id", async (c) => c.json(await jobStatus(records, await ownedJob(c), origin(c), clock.now())));

  app.delete("/v1/jobs/:id", async (c) => {
    const spec = await ownedJob(c);
    // Finished jobs stay as they are; a second DELETE changes nothing.
    if ((await records.final(spec.id)) === undefined)
      await records.writeJson(jobKeys(spec.id).cancel, { at: clock.now() });
    return c.json(await jobStatus(records, spec, origin(c), clock.now()));
  });

  const results = [
    { path: "manifest", key: "manifest", type: MANIFEST_TYPE, output: "manifest" },
    { path: "archive.tar", key: "tar", type: TAR_TYPE, output: "tar" },
    { path: "images.npz", key: "npz", type: NPZ_TYPE, output: "npz" },
  ] as const;
  for (const result of results) {
    app.get(`/v1/jobs/:id/${result.path}`, async (c) => {
      const spec = await ownedJob(c);
      const final = await records.final(spec.id);
      if (final?.state !== "succeeded" || !final.outputs[result.output]) {
        throw new ApiError(
          "not_found",
          `job ${spec.id} has no ${result.path}: ${final === undefined ? "not finished" : result.output === "manifest" ? `it ${final.state}` : "not asked for in outputs"}`,
        );
      }
      const key = jobKeys(spec.id)[result.key];
      const direct = await services.store.objectUrl(key);
      if (direct !== undefined) return c.redirect(direct, 302);
      const found = await services.store.get(key);
      if (found === undefined) throw jobNotFound(spec.id);
      return new Response(found.bytes.slice(), {
        headers: {
          "content-type": result.type,
          "content-disposition": `attachment; filename="${spec.id}-${result.path === "manifest" ? "manifest.jsonl" : result.path}"`,
          "cache-control": "private, max-age=60",
        },
      });
    });
  }
}

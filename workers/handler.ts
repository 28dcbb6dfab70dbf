// The Worker's handlers over a list of models: fetch binds env (R2 buckets, the GPU pool's
// Durable Object, vars, secrets) to the same core app Node serves, built once per isolate;
// queue takes batch jobs' steps from JOBS_QUEUE with that app's services. Cache API writes
// and GPU pool snapshot refreshes finish in ctx.waitUntil.

import { Hono } from "hono";
import ortWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import { ConfigError } from "../src/config/reader.js";
import { ApiError, errorResponse } from "../src/errors.js";
import { createEdgeApp, type EdgeApp } from "./app.js";
import type { BundledModel } from "./bundled-models.js";
import type { Env } from "./env.js";
import { heldResponse } from "./held-hits.js";

/** Requests that may route to the GPU pool (or report on it): they need a current snapshot. */
function routes(path: string): boolean {
  return path.startsWith("/v1/samples") || path === "/health/ready";
}

/** A failed step (the store or queue failed) is redelivered after this long. */
const STEP_RETRY_SECONDS = 5;

export interface EdgeWorker {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>;
  queue(batch: MessageBatch, env: Env, ctx: ExecutionContext): Promise<void>;
  scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void>;
}

export function createWorker(models: readonly BundledModel[]): EdgeWorker {
  /** One core app per isolate (its sessions, coalescer, pool and metrics live as long as it does). */
  let edge: { env: Env; app: EdgeApp } | undefined;
  const edgeApp = (env: Env): EdgeApp => {
    if (edge?.env !== env) edge = { env, app: createEdgeApp(env, { ortWasm, models, cache: caches.default }) };
    return edge.app;
  };

  const worker = new Hono<{ Bindings: Env }>();

  worker.all("*", async (c) => {
    const { app, cache, pool } = edgeApp(c.env);
    if (pool !== undefined && routes(c.req.path)) {
      await pool.prepare();
      c.executionCtx.waitUntil(pool.pending());
    }
    const response = await app.fetch(c.req.raw, c.env, c.executionCtx);
    c.executionCtx.waitUntil(cache.flush());
    return response;
  });

  worker.onError((err) => {
    // Only reached when the core app cannot be built (the core maps its own errors). Bad vars
    // are an operator fault: the problems go to the log, the client gets a bland 500.
    const fields = err instanceof ConfigError ? { problems: err.problems } : { error: { name: err.name } };
    console.error(
      JSON.stringify({ time: new Date().toISOString(), level: "error", message: "worker setup failed", ...fields }),
    );
    return errorResponse(new ApiError("internal", "internal error", { cause: err }));
  });

  /** One job step per message, in turn (one WASM thread per isolate); wrangler.toml sends batches of 1. */
  const queue = async (batch: MessageBatch, env: Env, ctx: ExecutionContext): Promise<void> => {
    const { jobs, cache, pool } = edgeApp(env);
    for (const message of batch.messages) {
      if (jobs === undefined) {
        // Messages left from a deployment that had the queue: nothing here can step them.
        message.ack();
        continue;
      }
      if (pool !== undefined) {
        await pool.prepare();
        ctx.waitUntil(pool.pending());
      }
      try {
        await jobs.consume(message.body);
        message.ack();
      } catch (err) {
        console.error(
          JSON.stringify({
            time: new Date().toISOString(),
            level: "error",
            message: "job step failed",
            error: String(err),
          }),
        );
        message.retry({ delaySeconds: STEP_RETRY_SECONDS });
      }
    }
    ctx.waitUntil(cache.flush());
  };

  /**
   * The Cron Trigger (wrangler.toml): jobs whose chain of queue messages was lost get a new
   * one (QueueJobs.sweep). A failure is logged; the next trigger tries again.
   */
  const scheduled = async (_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> => {
    const { jobs, cache } = edgeApp(env);
    if (jobs === undefined) return;
    try {
      await jobs.sweep();
    } catch (err) {
      console.error(
        JSON.stringify({
          time: new Date().toISOString(),
          level: "error",
          message: "job sweep failed",
          error: String(err),
        }),
      );
    }
    ctx.waitUntil(cache.flush());
  };

  /** A cache hit the app has served before, answered without it (workers/held-hits.ts). */
  const held = (request: Request, env: Env): Response | undefined => {
    const hits = edge?.env === env ? edge.app.hits : undefined;
    if (hits === undefined) return undefined;
    try {
      return heldResponse(hits, request);
    } catch {
      // Nothing is answered yet: the app answers, and reports whatever went wrong its own way.
      return undefined;
    }
  };

  return {
    fetch: (request, env, ctx) => Promise.resolve(held(request, env) ?? worker.fetch(request, env, ctx)),
    queue,
    scheduled,
  };
}

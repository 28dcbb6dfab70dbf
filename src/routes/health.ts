// Liveness (the process answers), readiness (models registered, a sampler and the store
// healthy) and Prometheus metrics.

import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics.js";
import { HealthSchema } from "../schemas.js";
import type { Services } from "../services.js";

interface Check {
  ok: boolean;
  detail: string;
}

/** Runs every readiness check; a throwing check counts as failed, never as a 500. */
export async function readiness(services: Services): Promise<{ ready: boolean; checks: Record<string, Check> }> {
  const guard = async (fn: () => Promise<Check>): Promise<Check> => {
    try {
      return await fn();
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.name : "check failed" };
    }
  };
  const models = services.registry.list();
  const checks: Record<string, Check> = {
    models: { ok: models.length > 0, detail: `${models.length} model(s): ${models.map((m) => m.ref).join(", ")}` },
    store: await guard(() => services.store.health()),
  };
  const samplers = await Promise.all(services.samplers.map((s) => guard(() => s.health())));
  services.samplers.forEach((s, i) => {
    checks[`sampler:${s.name}`] = samplers[i] ?? { ok: false, detail: "no result" };
  });
  const ready = checks.models?.ok === true && checks.store?.ok === true && samplers.some((s) => s.ok);
  return { ready, checks };
}

const jsonHealth = { "application/json": { schema: HealthSchema } };

export function registerHealthRoutes(app: OpenAPIHono, services: Services): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/health/live",
      tags: ["operations"],
      responses: { 200: { description: "The process is serving.", content: jsonHealth } },
    }),
    (c) => c.json({ status: "ok" }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/health/ready",
      tags: ["operations"],
      responses: {
        200: { description: "Ready to serve samples.", content: jsonHealth },
        503: { description: "Not ready; `checks` says why.", content: jsonHealth },
      },
    }),
    async (c) => {
      const { ready, checks } = await readiness(services);
      return ready ? c.json({ status: "ready", checks }, 200) : c.json({ status: "not_ready", checks }, 503);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      tags: ["operations"],
      responses: {
        200: {
          description: "Prometheus text exposition format 0.0.4.",
          content: { "text/plain": { schema: z.string() } },
        },
      },
    }),
    (c) => c.text(services.telemetry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );
}

// Shared test fixtures: the tiny fixture models, a counting fake sampler, and an app
// wired with in-memory store and cache.

import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scanModelsDir } from "../../engine/models-dir.js";
import { createApp, type AppDeps } from "../../src/app.js";
import { LruSampleCache } from "../../src/cache/lru.js";
import { parseConfig } from "../../src/config.js";
import { silentLogger } from "../../src/logger.js";
import type { ModelEntry, ModelRegistry } from "../../src/models/registry.js";
import { encodePng } from "../../src/png/encode.js";
import type { SampleBatch, SampledImage, Sampler, SamplerHealth } from "../../src/sampler.js";
import { MemoryObjectStore } from "../../src/storage/memory.js";
import { Telemetry } from "../../src/telemetry.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURE_MODELS_DIR = path.join(ROOT, "tests/fixtures/models");

export async function fixtureRegistry(dir = FIXTURE_MODELS_DIR): Promise<ModelRegistry> {
  const { registry, skipped } = await scanModelsDir(dir, silentLogger);
  if (skipped.length > 0) throw new Error(`fixture models skipped: ${JSON.stringify(skipped)}`);
  return registry;
}

/**
 * A models directory holding tiny-biflow as a later release would: the same files with the
 * manifest's version set to `version`. Models live in a fresh temporary directory.
 */
export async function fixtureModelsDirWithVersion(version: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "biflow-models-"));
  const folder = path.join(dir, "tiny-biflow");
  await cp(path.join(FIXTURE_MODELS_DIR, "tiny-biflow"), folder, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(folder, "manifest.json"), "utf8")) as { version: string };
  await writeFile(path.join(folder, "manifest.json"), JSON.stringify({ ...manifest, version }, null, 2));
  return dir;
}

/** A sampler that paints each seed into a tiny PNG and counts its calls. */
export class FakeSampler implements Sampler {
  readonly name = "fake";
  readonly batches: SampleBatch[] = [];
  /** When set, sample() waits for it: lets tests hold computations in flight. */
  gate: Promise<void> | undefined;
  failWith: Error | undefined;
  healthy = true;

  /** When set, a third pixel of this value: two samplers with other marks paint other bytes. */
  constructor(readonly mark?: number) {}

  get calls(): number {
    return this.batches.length;
  }

  accepts(_model: ModelEntry, _count: number): boolean {
    return true;
  }

  async sample(batch: SampleBatch): Promise<SampledImage[]> {
    this.batches.push(batch);
    if (this.gate !== undefined) await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    return Promise.all(
      batch.seeds.map(async (seed) => ({
        seed,
        png: await encodePng({
          width: this.mark === undefined ? 2 : 3,
          height: 1,
          channels: 1,
          pixels: new Uint8Array(
            this.mark === undefined
              ? [seed & 0xff, batch.classInput & 0xff]
              : [seed & 0xff, batch.classInput & 0xff, this.mark],
          ),
        }),
      })),
    );
  }

  health(): Promise<SamplerHealth> {
    return Promise.resolve({ ok: this.healthy, detail: this.healthy ? "fake ok" : "fake down" });
  }
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  sampler: FakeSampler;
  store: MemoryObjectStore;
  cache: LruSampleCache;
  telemetry: Telemetry;
}

export async function makeTestApp(
  overrides: Partial<AppDeps> = {},
  env: Record<string, string> = {},
): Promise<TestApp> {
  const sampler = new FakeSampler();
  const store = new MemoryObjectStore();
  const cache = new LruSampleCache(1024 * 1024);
  const telemetry = new Telemetry();
  const app = createApp({
    config: parseConfig(env),
    registry: await fixtureRegistry(),
    samplers: [sampler],
    store,
    cache,
    telemetry,
    logger: silentLogger,
    ...overrides,
  });
  return { app, sampler, store, cache, telemetry };
}

export function postJson(app: TestApp["app"], path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

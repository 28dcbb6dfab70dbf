// Backend configuration: defaults, the execution provider list and its fallback order,
// and every bad variable reported at once.

import { describe, expect, it } from "vitest";
import { parseBackendConfig } from "../../../gpu-backend/src/config.js";
import { fallbackChain, fromOrtName, parseProviders } from "../../../engine/onnx/providers.js";
import { countProviderNodes, dominantProvider } from "../../../engine/onnx/session.js";
import { ConfigError } from "../../../src/config/reader.js";

const SECRET = "b".repeat(32);

describe("parseBackendConfig", () => {
  it("has documented defaults", () => {
    const c = parseBackendConfig({ BACKEND_SECRET: SECRET });
    expect(c).toMatchObject({
      port: 8080,
      providers: ["cuda", "cpu"],
      maxBatch: 64,
      maxDelayMs: 2,
      maxQueue: 1024,
      workers: 1,
      s3: undefined,
      retryAfterSeconds: 1,
    });
    expect(c.intraOpThreads).toBeGreaterThanOrEqual(1);
    expect(c.modelsDir).toMatch(/\/models$/);
  });

  it("reads S3 settings with the core's rules", () => {
    const c = parseBackendConfig({
      BACKEND_SECRET: SECRET,
      S3_ENDPOINT: "http://127.0.0.1:9000",
      S3_BUCKET: "b",
      WORKERS: "2",
      INTRA_OP_THREADS: "3",
      INFERENCE_NICE: "4",
    });
    expect(c.s3).toMatchObject({ endpoint: "http://127.0.0.1:9000", bucket: "b", forcePathStyle: true });
    expect([c.workers, c.intraOpThreads, c.niceness]).toEqual([2, 3, 4]);
  });

  it("names every bad variable, and never echoes the secret", () => {
    const run = () =>
      parseBackendConfig({
        BACKEND_SECRET: "short-secret",
        EXECUTION_PROVIDERS: "tpu,cpu,cpu",
        MAX_QUEUE: "10",
        MAX_BATCH: "0",
      });
    expect(run).toThrow(ConfigError);
    const message = (() => {
      try {
        run();
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toContain("BACKEND_SECRET must be at least 32 characters");
    expect(message).toContain('EXECUTION_PROVIDERS: "tpu" is not one of cuda, cpu');
    expect(message).toContain('EXECUTION_PROVIDERS: "cpu" is listed twice');
    expect(message).toContain("MAX_QUEUE must be an integer from 64");
    expect(message).toContain("MAX_BATCH must be an integer from 1");
    expect(message).not.toContain("short-secret");
    expect(() => parseBackendConfig({})).toThrow(/BACKEND_SECRET is required/);
  });
});

describe("execution providers", () => {
  it("parses a list in preference order", () => {
    expect(parseProviders(" CUDA , cpu ")).toEqual({ providers: ["cuda", "cpu"], problems: [] });
    expect(parseProviders(",").problems).toEqual(["no execution provider given"]);
  });

  it("falls back by dropping the preferred provider first", () => {
    expect(fallbackChain(["cuda", "cpu"])).toEqual([["cuda", "cpu"], ["cpu"]]);
    expect(fallbackChain(["cpu"])).toEqual([["cpu"]]);
  });

  it("reads the provider that ran most nodes from an ORT profile", () => {
    const events = [
      { cat: "Session", args: {} },
      { cat: "Node", args: { provider: "CUDAExecutionProvider" } },
      { cat: "Node", args: { provider: "CUDAExecutionProvider" } },
      { cat: "Node", args: { provider: "CPUExecutionProvider" } },
    ];
    const nodes = countProviderNodes(events);
    expect(nodes).toEqual({ CUDAExecutionProvider: 2, CPUExecutionProvider: 1 });
    expect(dominantProvider(nodes)).toBe("cuda");
    expect(dominantProvider({})).toBe("unknown");
    expect(fromOrtName("TensorrtExecutionProvider")).toBeUndefined();
  });
});

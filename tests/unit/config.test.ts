// Configuration from a plain record: defaults, every bad value reported at once with its
// variable name, the S3 block, and the Node entry's own settings.

import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../engine/project-root.js";
import { DEFAULT_PORT, parseNodeConfig } from "../../node/config.js";
import { parseConfig } from "../../src/config.js";
import { ConfigError } from "../../src/config/reader.js";

describe("parseConfig", () => {
  it("has documented defaults", () => {
    expect(parseConfig({})).toEqual({
      maxBodyBytes: 16384,
      maxImageBytes: 1048576,
      cacheMaxBytes: 64 * 1024 * 1024,
      sampleTimeoutMs: 30000,
      maxComputesInFlight: 4,
      store: { attemptTimeoutMs: 2000, retries: 2, deadlineMs: 5000, healthTtlMs: 5000 },
      publicBaseUrl: undefined,
      logLevel: "info",
      s3: undefined,
      gpuBackendUrls: [],
      // Every public-deployment control is off until its variable is set.
      access: {
        urlSigningKey: undefined,
        urlSigningMode: "compute",
        apiKeyDigests: [],
        requestsPerMinute: 0,
        imagesPerMinute: 0,
        metricsToken: undefined,
        corsOrigins: [],
        trustedProxies: [],
      },
      // Batch jobs: a million images at most, kept a week, chunks of 64, a 30 s lease.
      jobs: {
        maxImages: 1_000_000,
        retentionMs: 7 * 24 * 3600 * 1000,
        chunkSize: 64,
        leaseMs: 30_000,
        pollMs: 1000,
        overdueMs: 300_000,
        worker: true,
        webhookAttempts: 6,
        webhookTimeoutMs: 10_000,
        webhookBackoffMs: 1000,
        webhookAllowPrivate: false,
      },
    });
  });

  it("reads the S3 block when S3_ENDPOINT is set", () => {
    const c = parseConfig({
      S3_ENDPOINT: "http://127.0.0.1:4568/",
      S3_BUCKET: "samples",
      S3_FORCE_PATH_STYLE: "false",
      S3_ACCESS_KEY_ID: "id",
      S3_SECRET_ACCESS_KEY: "secret",
      S3_PRESIGN_SECONDS: "600",
      PUBLIC_BASE_URL: "https://cdn.example/samples/",
      GPU_BACKEND_URLS: "http://gpu-a:8080, http://gpu-b:8080",
    });
    expect(c.s3).toEqual({
      endpoint: "http://127.0.0.1:4568",
      bucket: "samples",
      region: "us-east-1",
      forcePathStyle: false,
      credentials: { accessKeyId: "id", secretAccessKey: "secret" },
      presignSeconds: 600,
    });
    expect(c.publicBaseUrl).toBe("https://cdn.example/samples");
    expect(c.gpuBackendUrls).toEqual(["http://gpu-a:8080", "http://gpu-b:8080"]);
  });

  it("reports every bad variable at once, without echoing secrets", () => {
    let error: unknown;
    try {
      parseConfig({
        MAX_BODY_BYTES: "lots",
        CACHE_MAX_BYTES: "-1",
        LOG_LEVEL: "loud",
        S3_ENDPOINT: "ftp://user:hunter2@host",
        S3_SECRET_ACCESS_KEY: "hunter2",
        S3_FORCE_PATH_STYLE: "maybe",
        GPU_BACKEND_URLS: "not a url",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      'MAX_BODY_BYTES must be an integer from 256 to 1048576, got "lots"',
      'CACHE_MAX_BYTES must be an integer from 0 to 17179869184, got "-1"',
      'LOG_LEVEL must be one of debug, info, warn, error, got "loud"',
      "S3_ENDPOINT must be an http(s) URL",
      "GPU_BACKEND_URLS must be an http(s) URL",
    ]);
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("requires a bucket and paired credentials with an endpoint", () => {
    expect(() => parseConfig({ S3_ENDPOINT: "http://s3.local", S3_ACCESS_KEY_ID: "id" })).toThrow(
      /S3_BUCKET is required[\s\S]*must be set together/,
    );
  });
});

describe("parseNodeConfig", () => {
  it("defaults to port 8787, models/ and .data/ under the project", () => {
    const c = parseNodeConfig({});
    expect(c.port).toBe(DEFAULT_PORT);
    expect(DEFAULT_PORT).toBe(8787);
    expect(c.modelsDir).toBe(path.join(PROJECT_ROOT, "models"));
    expect(c.dataDir).toBe(path.join(PROJECT_ROOT, ".data"));
    expect(c.core.maxBodyBytes).toBe(16384);
  });

  it("lowers the inference threads' priority by 10 unless ENGINE_NICE (0 to 19) says otherwise", () => {
    expect(parseNodeConfig({}).engine.niceness).toBe(10);
    expect(parseNodeConfig({ ENGINE_NICE: "0" }).engine.niceness).toBe(0);
    expect(() => parseNodeConfig({ ENGINE_NICE: "20" })).toThrow(/ENGINE_NICE must be an integer from 0 to 19/);
  });

  it("reports core and Node problems together", () => {
    expect(() => parseNodeConfig({ PORT: "70000", SAMPLE_TIMEOUT_MS: "1" })).toThrow(
      /SAMPLE_TIMEOUT_MS must be an integer from 100[\s\S]*PORT must be an integer from 0 to 65535/,
    );
  });
});

// DeferredWriteCache: put() does not hold the response, flush() (handed to ctx.waitUntil)
// settles once every pending write has, and a failed write is logged, never thrown.

import { describe, expect, it } from "vitest";
import type { CachedSample, SampleCache } from "../../src/cache/sample-cache.js";
import type { LogFields, Logger } from "../../src/logger.js";
import { DeferredWriteCache } from "../../workers/deferred-cache.js";

class HeldCache implements SampleCache {
  readonly name = "held";
  readonly entries = new Map<string, CachedSample>();
  private release: (() => void) | undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  failWith: Error | undefined;

  get(key: string): Promise<CachedSample | undefined> {
    return Promise.resolve(this.entries.get(key));
  }

  async put(key: string, sample: CachedSample): Promise<void> {
    await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    this.entries.set(key, sample);
  }

  open(): void {
    this.release?.();
  }
}

function recordingLogger(): Logger & { warnings: { message: string; fields: LogFields | undefined }[] } {
  const warnings: { message: string; fields: LogFields | undefined }[] = [];
  const ignore = () => undefined;
  return {
    warnings,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (message, fields) => warnings.push({ message, fields }),
  };
}

const sample: CachedSample = { bytes: new Uint8Array([1, 2, 3]), etag: '"abc"' };

describe("DeferredWriteCache", () => {
  it("put() resolves before the write; flush() waits for it", async () => {
    const inner = new HeldCache();
    const cache = new DeferredWriteCache(inner, recordingLogger());
    expect(cache.name).toBe("held");
    await cache.put("k", sample);
    expect(inner.entries.has("k")).toBe(false);
    let flushed = false;
    const flush = cache.flush().then(() => {
      flushed = true;
    });
    await Promise.resolve();
    expect(flushed).toBe(false);
    inner.open();
    await flush;
    expect(inner.entries.get("k")).toEqual(sample);
    expect(await cache.get("k")).toEqual(sample);
  });

  it("a failed write is logged by key and flush() still resolves", async () => {
    const inner = new HeldCache();
    inner.failWith = new Error("cache down");
    const logger = recordingLogger();
    const cache = new DeferredWriteCache(inner, logger);
    await cache.put("k", sample);
    inner.open();
    await cache.flush();
    expect(logger.warnings).toEqual([
      { message: "deferred cache put failed", fields: { key: "k", error: inner.failWith } },
    ]);
    await expect(cache.flush()).resolves.toBeUndefined();
  });
});

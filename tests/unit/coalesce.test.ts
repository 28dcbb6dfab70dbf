// Coalescing: concurrent identical keys share one computation; errors reach every waiter;
// keys are released once settled; partly overlapping batches compute only new keys.

import { describe, expect, it } from "vitest";
import { Coalescer } from "../../src/coalesce.js";

function deferred<T>() {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("Coalescer", () => {
  it("runs N concurrent identical requests as one computation", async () => {
    const c = new Coalescer<string>();
    const gate = deferred<string>();
    let calls = 0;
    const runs = Array.from({ length: 10 }, () =>
      c.run("k", () => {
        calls += 1;
        return gate.promise;
      }),
    );
    expect(c.size).toBe(1);
    gate.resolve("v");
    const results = await Promise.all(runs);
    expect(calls).toBe(1);
    expect(results.map((r) => r.value)).toEqual(Array(10).fill("v"));
    expect(results.filter((r) => !r.shared)).toHaveLength(1);
    expect(c.size).toBe(0);
  });

  it("rejects every waiter when the computation fails, then lets a retry run", async () => {
    const c = new Coalescer<number>();
    const gate = deferred<number>();
    const a = c.run("k", () => gate.promise);
    const b = c.run("k", () => Promise.resolve(2));
    gate.reject(new Error("boom"));
    await expect(a).rejects.toThrow("boom");
    await expect(b).rejects.toThrow("boom");
    expect(c.size).toBe(0);
    expect((await c.run("k", () => Promise.resolve(3))).value).toBe(3);
  });

  it("computes only the keys not already in flight, in first-seen order", async () => {
    const c = new Coalescer<string>();
    const gate = deferred<void>();
    const asked: string[][] = [];
    const compute = async (keys: readonly string[]) => {
      asked.push([...keys]);
      await gate.promise;
      return new Map(keys.map((k) => [k, k.toUpperCase()]));
    };
    const first = c.runMany(["a", "b"], compute);
    const second = c.runMany(["b", "c", "c", "a", "d"], compute);
    gate.resolve();
    const [r1, r2] = await Promise.all([first, second]);
    expect(asked).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    expect([...r2.entries()].map(([k, v]) => [k, v.value, v.shared])).toEqual([
      ["b", "B", true],
      ["c", "C", false],
      ["a", "A", true],
      ["d", "D", false],
    ]);
    expect(r1.get("a")?.shared).toBe(false);
  });

  it("rejects a key the computation forgot to return", async () => {
    const c = new Coalescer<string>();
    await expect(c.runMany(["a", "b"], () => Promise.resolve(new Map([["a", "A"]])))).rejects.toThrow(/no value for b/);
    expect(c.size).toBe(0);
  });
});

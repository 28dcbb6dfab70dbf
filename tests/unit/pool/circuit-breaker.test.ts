// The circuit breaker: opens after N consecutive failures, half-opens after the cool-down
// with exactly one trial, closes on its success and re-opens on its failure.

import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../../src/pool/circuit-breaker.js";

describe("CircuitBreaker", () => {
  it("opens after the threshold of consecutive failures only", () => {
    const b = new CircuitBreaker(3, 1000);
    b.onFailure(0);
    b.onFailure(0);
    b.onSuccess();
    b.onFailure(0);
    b.onFailure(0);
    expect(b.state(0)).toBe("closed");
    b.onFailure(10);
    expect(b.state(10)).toBe("open");
    expect(b.canPass(1009)).toBe(false);
  });

  it("lets one trial through when half-open, and closes on its success", () => {
    const b = new CircuitBreaker(1, 1000);
    b.onFailure(0);
    expect(b.state(1000)).toBe("half_open");
    expect(b.canPass(1000)).toBe(true);
    b.onSend(1000);
    expect(b.canPass(1001)).toBe(false);
    b.onSuccess();
    expect(b.state(1001)).toBe("closed");
    expect(b.canPass(1001)).toBe(true);
  });

  it("re-opens at once when the trial fails, for a full cool-down", () => {
    const b = new CircuitBreaker(5, 1000);
    for (let i = 0; i < 5; i++) b.onFailure(0);
    b.onSend(1500);
    b.onFailure(1600);
    expect(b.state(2599)).toBe("open");
    expect(b.state(2600)).toBe("half_open");
  });

  it("frees the trial slot on a neutral answer without closing", () => {
    const b = new CircuitBreaker(1, 1000);
    b.onFailure(0);
    b.onSend(1000);
    b.onNeutral();
    expect(b.state(1000)).toBe("half_open");
    expect(b.canPass(1000)).toBe(true);
  });
});

// The backend's Prometheus metrics: requests by outcome, queue depth, batch sizes, latency
// per stage, the execution provider each model really runs on, dropped images.

import { Registry, type Counter, type Gauge, type Histogram } from "../../src/metrics.js";

const STAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** The stages a request's time is split into (the response's timings_ms). */
export type Stage = "queue" | "inference" | "encode" | "upload" | "total";

export class BackendTelemetry {
  readonly registry = new Registry();
  readonly requests: Counter = this.registry.counter(
    "biflow_backend_requests_total",
    "POST /v1/generate by outcome (ok, unauthorized, invalid, not_found, overloaded, deadline, error).",
    ["outcome"],
  );
  readonly queueDepth: Gauge = this.registry.gauge(
    "biflow_backend_queue_depth",
    "Images waiting for an inference worker.",
  );
  readonly batchSize: Histogram = this.registry.histogram(
    "biflow_backend_batch_size",
    "Images per model run.",
    ["model"],
    BATCH_BUCKETS,
  );
  readonly stageSeconds: Histogram = this.registry.histogram(
    "biflow_backend_stage_seconds",
    "Per-request latency by stage.",
    ["stage"],
    STAGE_BUCKETS,
  );
  readonly provider: Gauge = this.registry.gauge(
    "biflow_backend_execution_provider",
    "1 for the execution provider each model's session runs on, measured from ORT's profile.",
    ["model", "provider"],
  );
  readonly images: Counter = this.registry.counter("biflow_backend_images_total", "Images generated.", ["model"]);
  readonly dropped: Counter = this.registry.counter(
    "biflow_backend_dropped_images_total",
    "Queued images dropped, never computed, because their request's deadline passed.",
  );

  stage(stage: Stage, ms: number): void {
    this.stageSeconds.observe({ stage }, ms / 1000);
  }

  render(): string {
    return this.registry.render();
  }
}

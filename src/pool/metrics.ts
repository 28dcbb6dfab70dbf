// The pool's metrics, registered in the router's registry so /metrics shows them next to
// the request metrics: backend up/outstanding/breaker state, attempts by outcome, retries.

import type { Counter, Gauge, Histogram, Registry } from "../metrics.js";

/** How one attempt on one backend ended; the label values of biflow_pool_attempts_total. */
export type AttemptOutcome =
  "ok" | "connection_error" | "timeout" | "server_error" | "overloaded" | "not_found" | "rejected" | "bad_response";

const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export class PoolMetrics {
  readonly up: Gauge;
  readonly outstanding: Gauge;
  readonly breaker: Gauge;
  readonly attempts: Counter;
  readonly retries: Counter;
  readonly batchSize: Histogram;

  constructor(registry: Registry) {
    this.up = registry.gauge("biflow_pool_backend_up", "1 when the backend's last health check passed.", ["backend"]);
    this.outstanding = registry.gauge(
      "biflow_pool_backend_outstanding",
      "Requests sent to the backend and not answered yet.",
      ["backend"],
    );
    this.breaker = registry.gauge(
      "biflow_pool_backend_breaker_state",
      "Circuit breaker state: 0 closed, 1 open, 2 half-open.",
      ["backend"],
    );
    this.attempts = registry.counter("biflow_pool_attempts_total", "Attempts on backends by outcome.", [
      "backend",
      "outcome",
    ]);
    this.retries = registry.counter("biflow_pool_retries_total", "Attempts that repeated a failed one.");
    this.batchSize = registry.histogram(
      "biflow_pool_backend_batch_size",
      "Batch size the backend reports each answered request ran in.",
      [],
      BATCH_BUCKETS,
    );
  }
}

// A circuit breaker per backend: after N consecutive failures it opens and refuses work
// for a cool-down, then lets one trial request through (half-open) to decide whether to
// close again. Time is passed in, so tests drive it without sleeping.

export type BreakerState = "closed" | "open" | "half_open";

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private isOpen = false;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
  ) {}

  state(nowMs: number): BreakerState {
    if (!this.isOpen) return "closed";
    return nowMs - this.openedAt >= this.openMs ? "half_open" : "open";
  }

  /** Whether a request may be sent now (no side effect: used to compare candidates). */
  canPass(nowMs: number): boolean {
    const state = this.state(nowMs);
    return state === "closed" || (state === "half_open" && !this.trialInFlight);
  }

  /** Call when a request is actually sent; in half-open it becomes the one trial. */
  onSend(nowMs: number): void {
    if (this.state(nowMs) === "half_open") this.trialInFlight = true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.isOpen = false;
    this.trialInFlight = false;
  }

  onFailure(nowMs: number): void {
    this.failures += 1;
    // A failed trial re-opens at once; otherwise the threshold decides.
    if (this.trialInFlight || this.failures >= this.threshold) {
      this.isOpen = true;
      this.openedAt = nowMs;
    }
    this.trialInFlight = false;
  }

  /** Neither success nor failure (e.g. the backend said it is busy): frees a trial slot. */
  onNeutral(): void {
    this.trialInFlight = false;
  }
}

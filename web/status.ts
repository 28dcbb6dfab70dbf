// The status line, an aria-live region: screen readers hear each change. Its data-*
// attributes carry the last run's figures (backend, timings) for tools and tests.

export type StatusState = "loading" | "ready" | "busy" | "done" | "error";

export class Status {
  constructor(private readonly element: HTMLElement) {}

  show(state: StatusState, text: string, figures: Readonly<Record<string, string>> = {}): void {
    for (const key of Object.keys(this.element.dataset)) delete this.element.dataset[key];
    this.element.dataset.state = state;
    Object.assign(this.element.dataset, figures);
    this.element.textContent = text;
  }
}

// The sampler selector (issue 16): G's one pass, Jacobi decoding of F's inverse (the model's
// default schedule, or an `iterations` value) or F's exact inverse. The page runs only G's
// reverse.onnx itself, so Jacobi and exact are drawn by the API; the browser button is off
// for them and a note says why.

import type { SampleSamplerFields } from "./api.js";

export type SamplerChoice =
  | { kind: "g" }
  | { kind: "exact" }
  /** `iterations` absent: the model's default schedule (the server names it in its answer). */
  | { kind: "jacobi"; iterations?: number[] };

export interface SamplerControls {
  sampler: HTMLSelectElement;
  iterations: HTMLInputElement;
  /** The iterations field with its label, shown for Jacobi only. */
  iterationsField: HTMLElement;
  note: HTMLElement;
}

/** One count for every flow block, or one per block ("1,1,2,8"); the server checks the bounds. */
const ITERATIONS_PATTERN = "[0-9]{1,4}(,[0-9]{1,4})*";

/** How each choice reads in the status line and the figures' captions. */
export function samplerName(choice: SamplerChoice): string {
  switch (choice.kind) {
    case "g":
      return "G (one pass)";
    case "exact":
      return "F's exact inverse";
    case "jacobi":
      return choice.iterations === undefined
        ? "Jacobi (default schedule)"
        : `Jacobi (iterations ${choice.iterations.join(",")})`;
  }
}

export function runsInBrowser(choice: SamplerChoice): boolean {
  return choice.kind === "g";
}

export function readSamplerChoice(c: SamplerControls): SamplerChoice {
  if (c.sampler.value === "exact") return { kind: "exact" };
  if (c.sampler.value !== "jacobi") return { kind: "g" };
  const text = c.iterations.value.trim();
  return text === "" ? { kind: "jacobi" } : { kind: "jacobi", iterations: text.split(",").map(Number) };
}

/** The POST /v1/samples fields of a choice; G's are left out, as the default. */
export function samplerRequestFields(choice: SamplerChoice): SampleSamplerFields {
  if (choice.kind === "g") return {};
  if (choice.kind === "exact" || choice.iterations === undefined) return { sampler: choice.kind };
  const [only] = choice.iterations;
  return {
    sampler: "jacobi",
    iterations: choice.iterations.length === 1 && only !== undefined ? only : choice.iterations,
  };
}

/** Shows the iterations field for Jacobi and says where the chosen sampler runs. */
export function showSamplerChoice(c: SamplerControls): SamplerChoice {
  c.iterations.pattern = ITERATIONS_PATTERN;
  const choice = readSamplerChoice(c);
  c.iterationsField.hidden = choice.kind !== "jacobi";
  c.note.textContent = runsInBrowser(choice)
    ? "G's one pass runs in this browser or on the server."
    : `${choice.kind === "jacobi" ? "Jacobi decoding" : "The exact inverse"} inverts the forward model F, which ` +
      "this page does not run in the browser: it is drawn on the server (Generate on server).";
  return choice;
}

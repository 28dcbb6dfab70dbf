// The controls (model, class, seed, guidance, count, sampler): filled from GET /v1/models and
// read back as one request; the browser's constraint validation names a bad field to the user.

import { canonicalGuidance } from "../src/keys.js";
import { MAX_SAMPLES, UINT32_MAX } from "../src/limits.js";
import type { ModelInfo } from "./api.js";
import { readSamplerChoice, runsInBrowser, type SamplerChoice, type SamplerControls } from "./sampler-choice.js";

/** Selected first when the router serves it: the trained Fashion-MNIST model. */
export const DEFAULT_MODEL = "fmnist-biflow-s";
/** The class select's value for unconditional sampling. */
const UNCONDITIONAL = "null";

export interface Controls extends SamplerControls {
  form: HTMLFormElement;
  model: HTMLSelectElement;
  modelNote: HTMLElement;
  cls: HTMLSelectElement;
  seed: HTMLInputElement;
  guidance: HTMLInputElement;
  count: HTMLInputElement;
  browser: HTMLButtonElement;
  server: HTMLButtonElement;
}

export interface Params {
  model: ModelInfo;
  classIndex: number | null;
  seed: number;
  /** Canonical (two decimals), exactly what the server feeds the model. */
  guidance: number;
  count: number;
  sampler: SamplerChoice;
}

function element<T extends HTMLElement>(doc: Document, id: string, type: new () => T): T {
  const found = doc.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return found;
}

export function findControls(doc: Document): Controls {
  return {
    form: element(doc, "controls", HTMLFormElement),
    model: element(doc, "model", HTMLSelectElement),
    modelNote: element(doc, "model-note", HTMLElement),
    cls: element(doc, "class", HTMLSelectElement),
    seed: element(doc, "seed", HTMLInputElement),
    guidance: element(doc, "guidance", HTMLInputElement),
    count: element(doc, "count", HTMLInputElement),
    sampler: element(doc, "sampler", HTMLSelectElement),
    iterations: element(doc, "iterations", HTMLInputElement),
    iterationsField: element(doc, "iterations-field", HTMLElement),
    note: element(doc, "sampler-note", HTMLElement),
    browser: element(doc, "generate-browser", HTMLButtonElement),
    server: element(doc, "generate-server", HTMLButtonElement),
  };
}

function option(value: string, label: string): HTMLOptionElement {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  return o;
}

/** The model picked first: DEFAULT_MODEL, else the first that runs in the browser. */
export function defaultModel(models: readonly ModelInfo[]): ModelInfo | undefined {
  return (
    models.find((m) => m.id === DEFAULT_MODEL) ?? models.find((m) => m.placements.includes("browser")) ?? models[0]
  );
}

export function fillModels(c: Controls, models: readonly ModelInfo[]): void {
  c.model.replaceChildren(...models.map((m) => option(m.id, `${m.id} ${m.version}`)));
  const first = defaultModel(models);
  if (first !== undefined) {
    c.model.value = first.id;
    showModel(c, first);
  }
  c.seed.max = String(UINT32_MAX);
  c.count.max = String(MAX_SAMPLES);
}

/** Classes, guidance range and whether the browser may run this model. */
export function showModel(c: Controls, model: ModelInfo): void {
  const classes = model.classes.map((k) => option(String(k.index), k.name));
  c.cls.replaceChildren(...classes, option(UNCONDITIONAL, "Unconditional"));
  c.guidance.min = String(model.guidance.min);
  c.guidance.max = String(model.guidance.max);
  c.guidance.value = model.guidance.default.toFixed(2);
  const inBrowser = model.placements.includes("browser");
  c.browser.disabled = !canRunInBrowser(c, model);
  const { channels, height, width } = model.image;
  c.modelNote.textContent =
    `${model.description} ${width}x${height}, ${channels === 1 ? "greyscale" : "RGB"}.` +
    (inBrowser ? "" : " This model is not placed in the browser: generate it on the server.");
}

/** Whether "Generate in browser" can draw the current choice: a browser-placed model, sampled by G. */
export function canRunInBrowser(c: Controls, model: ModelInfo | undefined): boolean {
  return model?.placements.includes("browser") === true && runsInBrowser(readSamplerChoice(c));
}

export function selectedModel(c: Controls, models: readonly ModelInfo[]): ModelInfo | undefined {
  return models.find((m) => m.id === c.model.value);
}

/** The request the controls describe, or undefined after showing the user what is wrong. */
export function readParams(c: Controls, models: readonly ModelInfo[]): Params | undefined {
  const model = selectedModel(c, models);
  if (model === undefined || !c.form.reportValidity()) return undefined;
  return {
    model,
    classIndex: c.cls.value === UNCONDITIONAL ? null : Number(c.cls.value),
    seed: Number(c.seed.value),
    guidance: canonicalGuidance(Number(c.guidance.value)),
    count: Number(c.count.value),
    sampler: readSamplerChoice(c),
  };
}

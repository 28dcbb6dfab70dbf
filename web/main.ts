// The playground page's entry: fills the controls from GET /v1/models, then generates in
// the browser (onnxruntime-web, WebGPU or WASM; G only) or on the server (POST /v1/samples,
// with the chosen sampler).

import { NULL_CLASS_LABEL } from "../src/models/classes.js";
import { sampleSeeds } from "../src/noise/gaussian.js";
import { cryptoRandom, pickSeed } from "../src/samples/params.js";
import { canonicalSamplePath } from "../src/samples/sample-path.js";
import { createServerSamples, listModels, type ModelInfo } from "./api.js";
import { BatchTab } from "./batch-tab.js";
import { BrowserSampler } from "./browser-sampler.js";
import { EditTab } from "./edit-tab.js";
import { EncodeTab } from "./encode-tab.js";
import { wireTabs } from "./tabs.js";
import {
  canRunInBrowser,
  fillModels,
  findControls,
  readParams,
  selectedModel,
  showModel,
  type Params,
} from "./form.js";
import { showResults, type ResultItem } from "./results.js";
import { samplerName, samplerRequestFields, showSamplerChoice } from "./sampler-choice.js";
import { Status } from "./status.js";

function required<T extends Element>(found: T | null, what: string): T {
  if (found === null) throw new Error(`the page has no ${what}`);
  return found;
}

const controls = findControls(document);
const status = new Status(required(document.getElementById("status"), "#status"));
const results = required(document.querySelector<HTMLOListElement>("ol#results"), "ol#results");
const urls = required(document.querySelector<HTMLOListElement>("ol#sample-urls"), "ol#sample-urls");
const ortBase = required(
  document.querySelector<HTMLMetaElement>('meta[name="ort-web-base"]'),
  "ort-web-base meta",
).content;
const sampler = new BrowserSampler(ortBase);
let models: ModelInfo[] = [];
let busy = false;

const ms = (value: number) => `${value.toFixed(1)} ms`;
const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

function className(model: ModelInfo, classIndex: number | null): string {
  return classIndex === null ? "unconditional" : (model.classes[classIndex]?.name ?? String(classIndex));
}

function classLabel(model: ModelInfo, classIndex: number | null): string {
  return classIndex === null ? NULL_CLASS_LABEL : (model.classes[classIndex]?.slug ?? String(classIndex));
}

async function generateInBrowser(p: Params): Promise<void> {
  const seeds = sampleSeeds(p.seed, p.count);
  const result = await sampler.sample({
    model: p.model,
    seeds,
    classInput: p.classIndex ?? p.model.null_class,
    guidance: p.guidance,
  });
  const backend = result.backend === "webgpu" ? `WebGPU (${result.adapter ?? "adapter"})` : "WASM";
  showResults(
    results,
    urls,
    result.images.map((raster, i) => ({
      seed: seeds[i] ?? 0,
      className: className(p.model, p.classIndex),
      url: canonicalSamplePath(
        {
          modelId: p.model.id,
          version: p.model.version,
          classIndex: p.classIndex,
          seed: seeds[i] ?? 0,
          guidance: p.guidance,
        },
        classLabel(p.model, p.classIndex),
      ),
      picture: { kind: "raster", raster },
    })),
    `drawn in the browser with ${backend}`,
  );
  const perSample = result.runMs / p.count;
  status.show(
    "done",
    `Generated ${p.count} sample(s) in the browser with ${backend}: ${ms(result.runMs)}, ${ms(perSample)} per sample` +
      ` (setup ${ms(result.setupMs)}).` +
      (result.fallback === undefined ? "" : ` WebGPU not used: ${result.fallback}.`),
    {
      backend: result.backend,
      runMs: result.runMs.toFixed(2),
      msPerSample: perSample.toFixed(3),
      setupMs: result.setupMs.toFixed(1),
      ...(result.fallback === undefined ? {} : { fallback: result.fallback }),
    },
  );
}

async function generateOnServer(p: Params): Promise<void> {
  const started = performance.now();
  const answer = await createServerSamples({
    model: p.model.id,
    n: p.count,
    class: p.classIndex,
    seed: p.seed,
    guidance: p.guidance,
    ...samplerRequestFields(p.sampler),
  });
  const elapsed = performance.now() - started;
  const items: ResultItem[] = answer.samples.map((s) => ({
    seed: s.seed,
    className: className(p.model, p.classIndex),
    url: s.url,
    picture: { kind: "image", src: s.url },
    iterationsRun: s.iterations_run,
  }));
  showResults(results, urls, items, `drawn on the server by ${samplerName(p.sampler)}`);
  // Jacobi: the iterations run per block, as the server reported them (equal for every
  // sample unless an early-stop tolerance cut some short, then listed per sample).
  const runs = [...new Set(answer.samples.map((s) => s.iterations_run?.join(",") ?? ""))].filter((r) => r !== "");
  const ran =
    runs.length === 0
      ? ""
      : ` Iterations run per block: ${runs.join("; ")} (schedule ${answer.iterations?.join(",") ?? "?"}).`;
  status.show(
    "done",
    `The server generated ${items.length} sample(s) (seed ${answer.seed}) with ${samplerName(p.sampler)} in ${ms(elapsed)}.${ran}`,
    {
      backend: "server",
      sampler: answer.sampler,
      requestMs: elapsed.toFixed(1),
      ...(runs.length === 0 ? {} : { iterationsRun: runs.join(";") }),
    },
  );
}

function setBusy(value: boolean): void {
  busy = value;
  controls.server.disabled = busy;
  controls.browser.disabled = busy || !canRunInBrowser(controls, selectedModel(controls, models));
  results.setAttribute("aria-busy", String(busy));
}

async function onSubmit(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const params = readParams(controls, models);
  if (params === undefined) return;
  const where = event.submitter === controls.server ? "server" : "browser";
  setBusy(true);
  status.show("busy", where === "server" ? "Generating on the server…" : "Generating in the browser…");
  try {
    await (where === "server" ? generateOnServer(params) : generateInBrowser(params));
  } catch (err) {
    status.show(
      "error",
      `Could not generate ${where === "server" ? "on the server" : "in the browser"}: ${describe(err)}`,
    );
  } finally {
    setBusy(false);
  }
}

async function start(): Promise<void> {
  status.show("loading", "Loading the model list…");
  try {
    models = await listModels();
  } catch (err) {
    status.show("error", `Could not load the model list: ${describe(err)}`);
    return;
  }
  if (models.length === 0) {
    status.show("error", "This router serves no models.");
    return;
  }
  fillModels(controls, models);
  showSamplerChoice(controls);
  const first = selectedModel(controls, models);
  if (first !== undefined) {
    encodeTab.setModel(first);
    batchTab.setModel(first);
    editTab.setModel(first);
  }
  controls.seed.value = String(pickSeed(cryptoRandom));
  setBusy(false);
  status.show("ready", `Ready: ${models.length} model(s).`);
}

const encodeTab = new EncodeTab();
const batchTab = new BatchTab();
const editTab = new EditTab();
wireTabs(document);
controls.model.addEventListener("change", () => {
  const model = selectedModel(controls, models);
  if (model !== undefined) {
    showModel(controls, model);
    encodeTab.setModel(model);
    batchTab.setModel(model);
    editTab.setModel(model);
  }
});
document.getElementById("new-seed")?.addEventListener("click", () => {
  controls.seed.value = String(pickSeed(cryptoRandom));
});
controls.sampler.addEventListener("change", () => {
  showSamplerChoice(controls);
  setBusy(busy);
});
// Enter in a field generates with the first button that can draw the choice: in the browser
// for G, else on the server (a disabled default button would swallow the key).
controls.form.addEventListener("keydown", (event) => {
  if (
    event.key !== "Enter" ||
    !(event.target instanceof HTMLInputElement) ||
    !controls.browser.disabled ||
    controls.server.disabled
  )
    return;
  event.preventDefault();
  controls.form.requestSubmit(controls.server);
});
controls.form.addEventListener("submit", (event) => void onSubmit(event));
void start();

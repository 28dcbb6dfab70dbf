// The playground in Debian's Chromium against a real router process (models/ as served by
// `npm start`): page load, in-browser generation on WebGPU (SwiftShader) and on the WASM
// fallback, each pixel-matched with the server's PNG, and server generation with its links.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import { ROOT } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";
import { launchChromium } from "./chromium.js";
import { generate, readFigures, setControls, type Figure, type RunStatus } from "./playground-page.js";

const ARTIFACTS = path.join(ROOT, "artifacts");
/** The tolerance between browser and server pixels (float error across runtimes). */
const TOLERANCE = 2;
const COUNT = 4;
/** The trained model in models/ that the page offers first (web/form.ts DEFAULT_MODEL). */
const SHIPPED_MODEL = "fmnist-biflow-s";

interface ModelInfo {
  id: string;
  version: string;
  image: { channels: number };
  classes: { slug: string }[];
  guidance: { default: number };
}

let router: Running & { url: string };
let dataDir: string;
const report: Record<string, unknown> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-playground-"));
  router = await startRouter({
    MODELS_DIR: path.join(ROOT, "models"),
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    GPU_BACKEND_URLS: "",
  });
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await router.stop("SIGTERM");
  await rm(dataDir, { recursive: true, force: true });
  await writeFile(path.join(ARTIFACTS, "playground-report.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`playground measurements: ${JSON.stringify(report)}`);
});

/** Opens the page, records any request that leaves the router's origin, waits until ready. */
async function openPlayground(browser: Browser): Promise<{ page: Page; offOrigin: string[]; loadMs: number }> {
  const page = await browser.newPage();
  const offOrigin: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.origin !== router.url) offOrigin.push(request.url());
  });
  await page.goto(`${router.url}/`);
  await page.locator('#status[data-state="ready"]').waitFor();
  // Navigation start to the end of the load event: HTML, script, styles, all from the router.
  const loadMs = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType("navigation");
    return navigation instanceof PerformanceNavigationTiming ? navigation.loadEventEnd : Number.NaN;
  });
  return { page, offOrigin, loadMs };
}

async function selectedModel(page: Page): Promise<ModelInfo> {
  const id = await page.getByLabel("Model", { exact: true }).inputValue();
  const { models } = (await (await fetch(`${router.url}/v1/models`)).json()) as { models: ModelInfo[] };
  const model = models.find((m) => m.id === id);
  if (model === undefined) throw new Error(`the page selected ${id}, which GET /v1/models does not list`);
  // The real model, not a fixture: this test is about the product as shipped.
  expect(model.id).toBe(SHIPPED_MODEL);
  return model;
}

async function serverPixels(href: string): Promise<Uint8Array> {
  const res = await fetch(href);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/png");
  return (await decodePng(new Uint8Array(await res.arrayBuffer()))).pixels;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

/** Each canvas holds an image (not one flat colour) within TOLERANCE of the server's PNG. */
async function expectServerPixels(figures: readonly Figure[]): Promise<number> {
  let worst = 0;
  for (const figure of figures) {
    const pixels = figure.pixels ?? [];
    expect(new Set(pixels).size, `canvas of seed ${figure.seed} is blank`).toBeGreaterThan(8);
    worst = Math.max(worst, maxDifference(pixels, await serverPixels(figure.href)));
  }
  expect(worst).toBeLessThanOrEqual(TOLERANCE);
  return worst;
}

/**
 * Generates in the browser twice (the first run pays for loading, the second shows the
 * steady time per sample), checks the backend and every canvas against the server's PNG,
 * and records the figures.
 */
async function generateInBrowser(
  page: Page,
  model: ModelInfo,
  backend: "webgpu" | "wasm",
): Promise<{ status: RunStatus; figures: Figure[] }> {
  const button = page.getByRole("button", { name: "Generate in browser" });
  const first = await generate(page, () => button.click());
  expect(first.state, first.text).toBe("done");
  const status = await generate(page, () => button.click());
  expect(status.state, status.text).toBe("done");
  expect(status.figures.backend, status.text).toBe(backend);
  const figures = await readFigures(page, model.image.channels);
  report[backend] = {
    model: model.id,
    status: status.text,
    firstRunSetupMs: Number(first.figures.setupMs),
    msPerSample: Number(status.figures.msPerSample),
    maxPixelDifference: await expectServerPixels(figures),
  };
  await page.screenshot({ path: path.join(ARTIFACTS, `playground-${backend}.png`), fullPage: true });
  return { status, figures };
}

describe("Chromium with SwiftShader's WebGPU adapter", () => {
  let browser: Browser;
  let page: Page;
  let offOrigin: string[];

  beforeAll(async () => {
    browser = await launchChromium("swiftshader-webgpu");
    let loadMs: number;
    ({ page, offOrigin, loadMs } = await openPlayground(browser));
    report.pageLoadMs = Math.round(loadMs);
  });
  afterAll(() => browser.close());

  it("loads from the router in under a second, with labelled controls and a visible keyboard focus", async () => {
    expect(report.pageLoadMs).toBeLessThan(1000);
    for (const label of ["Model", "Class", "Seed", "Guidance", "Count"]) {
      await expect.poll(() => page.getByLabel(label, { exact: true }).count()).toBe(1);
    }
    await expect.poll(() => page.getByRole("status").getAttribute("aria-live")).toBe("polite");
    await page.getByLabel("Seed", { exact: true }).focus();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (el === null) return { id: "", focusVisible: false, outline: "" };
      const style = getComputedStyle(el);
      return {
        id: el.id,
        focusVisible: el.matches(":focus-visible"),
        outline: `${style.outlineStyle} ${style.outlineWidth}`,
      };
    });
    expect(focused).toEqual({ id: "new-seed", focusVisible: true, outline: "solid 3px" });
  });

  it("shows a whole uint32 seed in the seed field, at desktop and phone widths", async () => {
    const seed = page.getByLabel("Seed", { exact: true });
    for (const width of [1280, 800, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await seed.fill("4294967295");
      // The text's own width against the box: scrollWidth grows past clientWidth when digits are cut off.
      const box = await seed.evaluate((el) => ({ text: el.scrollWidth, box: el.clientWidth }));
      expect(box.text, `seed cut off at ${width}px`).toBeLessThanOrEqual(box.box);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it("generates in the browser on WebGPU, matching the server's PNGs within 2/255", async (ctx) => {
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<object | null> } }).gpu;
      return gpu === undefined ? "no navigator.gpu" : (await gpu.requestAdapter()) === null ? "no adapter" : "ok";
    });
    // Not a pass in disguise: without an adapter this Chromium cannot test WebGPU at all.
    if (adapter !== "ok") ctx.skip(`WebGPU unavailable in this Chromium (${adapter}); see the WASM test`);
    const model = await selectedModel(page);
    // Seeds 2^32-2 .. 1: the page must wrap them exactly as the server does.
    await setControls(page, { seed: 4294967294, count: COUNT });
    const { figures } = await generateInBrowser(page, model, "webgpu");
    expect(figures.map((f) => f.seed)).toEqual([4294967294, 4294967295, 0, 1]);
  });

  it("generates on the server from the keyboard; each sample link serves its PNG", async () => {
    const model = await selectedModel(page);
    const seed = 1234;
    await setControls(page, { seed, count: COUNT });
    const status = await generate(page, async () => {
      await page.getByRole("button", { name: "Generate on server" }).focus();
      await page.keyboard.press("Enter");
    });
    expect(status.state, status.text).toBe("done");
    const figures = await readFigures(page, model.image.channels);
    const guidance = model.guidance.default;
    // Canonical URLs, as docs/SAMPLE-URLS.md writes them: versioned, guidance with two decimals.
    const slug = model.classes[0]?.slug ?? "null";
    const expected = [0, 1, 2, 3].map(
      (i) =>
        `${router.url}/v1/samples/${model.id}@${model.version}/${slug}/${seed + i}.png?guidance=${guidance.toFixed(2)}`,
    );
    expect(figures.map((f) => f.href)).toEqual(expected);
    expect(figures.map((f) => f.src)).toEqual(expected);
    await page.screenshot({ path: path.join(ARTIFACTS, "playground.png"), fullPage: true });

    const [response] = await Promise.all([page.waitForEvent("response"), page.getByText(`seed ${seed} PNG`).click()]);
    expect(response.url()).toBe(expected[0]);
    expect(response.headers()["content-type"]).toBe("image/png");
    expect(response.headers()["cache-control"]).toContain("immutable");
    const png = await decodePng(new Uint8Array(await response.body()));
    expect(png.pixels).toEqual(await serverPixels(expected[0] ?? ""));
    expect(offOrigin).toEqual([]);
  });
});

describe("Chromium without a GPU", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium("no-gpu");
  });
  afterAll(() => browser.close());

  it("falls back to WASM, says so, and matches the server's PNGs within 2/255", async () => {
    const { page, offOrigin } = await openPlayground(browser);
    const model = await selectedModel(page);
    await setControls(page, { seed: 7, count: COUNT, classOption: "unconditional" });
    const { status, figures } = await generateInBrowser(page, model, "wasm");
    expect(status.text).toMatch(/WebGPU not used: /);
    expect(figures.map((f) => new URL(f.href).pathname.split("/")[4])).toEqual(["null", "null", "null", "null"]);
    expect(offOrigin).toEqual([]);
  });
});

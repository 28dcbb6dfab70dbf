// The playground's Edit tab in Debian's Chromium against a real router over models/. What the
// page sends and receives is read off the wire (playwright's request and response), and what
// it shows off its canvases: a dress sample edited to a bag is the API's own answer and not the
// dress; the "Lower half" preset's inpainting keeps the upper half's bytes and changes the
// lower half's; a mouse stroke becomes a mask of only 0 and 255, filled along the stroke; and
// an error the API answers reaches the status line with its message.

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import { ROOT } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";
import { BRUSH_RADIUS } from "../../web/mask-painter.js";
import { launchChromium } from "./chromium.js";
import { canvasGrey } from "./playground-page.js";

/** The shipped model the page selects first (web/form.ts DEFAULT_MODEL): 28x28 greyscale. */
const MODEL = "fmnist-biflow-s";
const SIZE = 28 * 28;
const SAMPLE = { cls: "dress", seed: 8 };
const ARTIFACTS = path.join(ROOT, "artifacts");

let router: Running & { url: string };
let dataDir: string;
let browser: Browser;
/** The sample the tests start from, as the API serves it. */
let samplePng: Uint8Array;
let samplePixels: number[];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-edit-tab-"));
  await mkdir(ARTIFACTS, { recursive: true });
  router = await startRouter({
    MODELS_DIR: path.join(ROOT, "models"),
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    GPU_BACKEND_URLS: "",
  });
  browser = await launchChromium("no-gpu");
  const res = await fetch(`${router.url}/v1/samples/${MODEL}/${SAMPLE.cls}/${SAMPLE.seed}.png`);
  expect(res.status).toBe(200);
  samplePng = new Uint8Array(await res.arrayBuffer());
  samplePixels = Array.from((await decodePng(samplePng)).pixels);
});

afterAll(async () => {
  await browser.close();
  await router.stop("SIGTERM");
  await rm(dataDir, { recursive: true, force: true });
});

interface Verdict {
  state: string;
  text: string;
  figures: Record<string, string>;
}

/** Presses something that starts a run and waits for the tab's status line to say done or error. */
async function verdict(page: Page, press: () => Promise<void>): Promise<Verdict> {
  // Each handler marks the status busy before the click returns, so an older verdict is not read.
  await press();
  await page.locator('#edit-status[data-state="done"], #edit-status[data-state="error"]').waitFor({ timeout: 60_000 });
  return page.locator("#edit-status").evaluate((el: HTMLElement) => ({
    state: el.dataset.state ?? "",
    text: el.textContent ?? "",
    figures: { ...el.dataset } as Record<string, string>,
  }));
}

/** A fresh page on the Edit tab with the dress sample loaded as the image to edit. */
async function openWithSample(): Promise<Page> {
  const page = await browser.newPage();
  await recordFormParts(page);
  await page.goto(`${router.url}/`);
  await page.locator('#status[data-state="ready"]').waitFor();
  await page.getByRole("tab", { name: "Edit" }).click();
  await page.locator("#tab-edit").waitFor({ state: "visible" });
  await page.getByLabel("Sample class", { exact: true }).selectOption(SAMPLE.cls);
  await page.getByLabel("Sample seed", { exact: true }).fill(String(SAMPLE.seed));
  const loaded = await verdict(page, () => page.getByRole("button", { name: "Use this sample" }).click());
  expect(loaded.state, loaded.text).toBe("done");
  return page;
}

/** Runs an edit and returns the API call it made, once the page has shown its answer. */
async function callApi(page: Page, pathname: string, press: () => Promise<void>) {
  const answered = page.waitForResponse((res) => new URL(res.url()).pathname === pathname);
  const shown = await verdict(page, press);
  const response: Response = await answered;
  return { shown, request: response.request(), response, body: new Uint8Array(await response.body()) };
}

async function pixels(png: Uint8Array): Promise<number[]> {
  return Array.from((await decodePng(png)).pixels);
}

/**
 * Makes the page keep the parts of each multipart form it sends with fetch (as byte arrays).
 * Chromium hands playwright no body for a form of Blobs (postDataBuffer() is null), so the
 * parts are read where the page passes them to fetch, which sends them unchanged.
 */
async function recordFormParts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const send = window.fetch.bind(window);
    const sent: Record<string, number[]>[] = [];
    Object.assign(window, { sentFormParts: sent });
    window.fetch = async (input, init) => {
      if (init?.body instanceof FormData) {
        const parts: Record<string, number[]> = {};
        const files: [string, Blob][] = [];
        init.body.forEach((value, name) => value instanceof Blob && files.push([name, value]));
        for (const [name, file] of files) parts[name] = Array.from(new Uint8Array(await file.arrayBuffer()));
        sent.push(parts);
      }
      return send(input, init);
    };
  });
}

/** The image and mask of the page's last POST /v1/inpaintings, decoded. */
async function lastInpaintParts(page: Page): Promise<{ image: number[]; mask: number[] }> {
  const parts = await page.evaluate(
    () => (window as unknown as { sentFormParts: Record<string, number[]>[] }).sentFormParts.at(-1) ?? {},
  );
  const part = (name: string) => {
    const bytes = parts[name];
    if (bytes === undefined) throw new Error(`the inpainting request has no ${name} part`);
    return pixels(new Uint8Array(bytes));
  };
  return { image: await part("image"), mask: await part("mask") };
}

const differing = (a: readonly number[], b: readonly number[], from = 0, to = a.length) =>
  a.slice(from, to).filter((v, i) => v !== b[from + i]).length;

describe("the Edit tab", () => {
  it("edits a dress sample into a bag through POST /v1/class-edits, shown after beside before", async () => {
    const page = await openWithSample();
    expect(await canvasGrey(page, "class-edit-before")).toEqual(samplePixels);
    // The sample's class is the image's class.
    expect(await page.getByLabel("Image class", { exact: true }).inputValue()).toBe(SAMPLE.cls);
    await page.getByLabel("Target class", { exact: true }).selectOption("bag");
    const { shown, request, body } = await callApi(page, "/v1/class-edits", () =>
      page.getByRole("button", { name: "Edit class" }).click(),
    );
    expect(shown.state, shown.text).toBe("done");
    expect(shown.figures).toMatchObject({ editFrom: "dress", editTo: "bag", guidance: "0.50", sampler: "g" });

    const query = Object.fromEntries(new URL(request.url()).searchParams);
    expect(query).toEqual({ model: MODEL, class: "dress", to: "bag", guidance: "0.5", sampler: "g" });
    expect(request.headers()["content-type"]).toBe("image/png");
    const sent = request.postDataBuffer();
    expect(await pixels(new Uint8Array(sent ?? []))).toEqual(samplePixels);

    // The page shows the answer's pixels, the answer is what the API gives this test for the
    // same image, and it is not the dress.
    const after = await canvasGrey(page, "class-edit-after");
    expect(after).toEqual(await pixels(body));
    const direct = await fetch(request.url(), {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: new Uint8Array(samplePng),
    });
    expect(direct.status).toBe(200);
    expect(await pixels(new Uint8Array(await direct.arrayBuffer()))).toEqual(after);
    const changed = differing(after, samplePixels);
    console.info(`edit tab: dress -> bag changed ${changed} of ${SIZE} pixels`);
    expect(changed).toBeGreaterThan(SIZE / 10);
    await page.close();
  });

  it("inpaints the lower half: the upper half comes back byte-identical, the lower half changes", async () => {
    const page = await openWithSample();
    await page.getByRole("button", { name: "Lower half" }).click();
    expect(await page.locator("#mask-count").getAttribute("data-filled")).toBe(String(SIZE / 2));
    await page.getByLabel("Fill class", { exact: true }).selectOption(SAMPLE.cls);
    await page.getByLabel("Fill seed", { exact: true }).fill("3");
    expect(await page.getByLabel("Fill steps", { exact: true }).inputValue()).toBe("8");
    const { shown, request, response, body } = await callApi(page, "/v1/inpaintings", () =>
      page.getByRole("button", { name: "Inpaint" }).click(),
    );
    expect(shown.state, shown.text).toBe("done");
    expect(response.headers()).toMatchObject({ "x-seed": "3", "x-steps": "8", "x-class": "dress" });

    expect(request.headers()["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const { image, mask } = await lastInpaintParts(page);
    expect(image).toEqual(samplePixels);
    expect(mask).toEqual(Array.from({ length: SIZE }, (_, p) => (p < SIZE / 2 ? 0 : 255)));
    const inpainted = await pixels(body);
    expect(inpainted.slice(0, SIZE / 2)).toEqual(samplePixels.slice(0, SIZE / 2));
    const changed = differing(inpainted, samplePixels, SIZE / 2);
    console.info(`edit tab: the lower half's inpainting changed ${changed} of ${SIZE / 2} pixels`);
    expect(changed).toBeGreaterThan(SIZE / 20);
    // Before, mask and after, as the page shows them.
    expect(await canvasGrey(page, "inpaint-before")).toEqual(samplePixels);
    expect(await canvasGrey(page, "inpaint-mask")).toEqual(mask);
    expect(await canvasGrey(page, "inpaint-after")).toEqual(inpainted);
    await page.screenshot({ path: path.join(ARTIFACTS, "playground-edit.png"), fullPage: true });
    await page.close();
  });

  it("paints a mouse stroke into a mask of only 0 and 255, filled along the stroke", async () => {
    const page = await openWithSample();
    await page.getByRole("button", { name: "Clear mask" }).click();
    const empty = await verdict(page, () => page.getByRole("button", { name: "Inpaint" }).click());
    expect(empty).toMatchObject({ state: "error" });
    expect(empty.text).toMatch(/fills no pixel/);

    // A fast drag across the middle row, from 20% to 80% of the width: four pointer moves.
    const box = await page.getByLabel("Mask to paint", { exact: true }).boundingBox();
    if (box === null) throw new Error("the mask canvas is not shown");
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, y, { steps: 4 });
    await page.mouse.up();
    const painted = Number(await page.locator("#mask-count").getAttribute("data-filled"));
    expect(painted).toBeGreaterThan(0);

    const { shown, body } = await callApi(page, "/v1/inpaintings", () =>
      page.getByRole("button", { name: "Inpaint" }).click(),
    );
    expect(shown.state, shown.text).toBe("done");
    const { mask } = await lastInpaintParts(page);
    expect(new Set(mask)).toEqual(new Set([0, 255]));
    const filled = mask.flatMap((v, p) => (v === 255 ? [{ x: p % 28, y: Math.floor(p / 28) }] : []));
    expect(filled).toHaveLength(painted);
    // Within the brush's radius of the stroke, and unbroken along its middle row.
    for (const p of filled) {
      expect(Math.abs(p.y + 0.5 - 14), `(${p.x}, ${p.y})`).toBeLessThanOrEqual(BRUSH_RADIUS);
      expect(p.x + 0.5, `(${p.x}, ${p.y})`).toBeGreaterThanOrEqual(28 * 0.2 - BRUSH_RADIUS);
      expect(p.x + 0.5, `(${p.x}, ${p.y})`).toBeLessThanOrEqual(28 * 0.8 + BRUSH_RADIUS);
    }
    for (let x = 6; x <= 21; x++) expect(mask[14 * 28 + x], `pixel (${x}, 14)`).toBe(255);
    // Kept pixels come back as they were sent.
    const inpainted = await pixels(body);
    expect(inpainted.filter((v, p) => mask[p] === 0 && v !== samplePixels[p])).toEqual([]);
    await page.close();
  });

  it("shows the message of an error the API answers", async () => {
    const page = await openWithSample();
    // The page keeps guidance within the model's range, so the test asks for one outside it on
    // the way to the real router; the router's own answer comes back to the page.
    await page.route(
      (url) => url.pathname === "/v1/class-edits",
      (route) =>
        route.continue({
          url: route
            .request()
            .url()
            .replace(/guidance=[^&]*/, "guidance=99"),
        }),
    );
    const { shown, response } = await callApi(page, "/v1/class-edits", () =>
      page.getByRole("button", { name: "Edit class" }).click(),
    );
    expect(response.status()).toBe(400);
    const { error } = (await response.json()) as { error: { message: string; param: string } };
    expect(error.param).toBe("guidance");
    expect(shown.state).toBe("error");
    expect(shown.text).toBe(`Could not edit the class: ${error.message}`);
    await page.close();
  });
});

// The playground's Encode tab in Debian's Chromium against a real router over models/: an
// uploaded sample's bits/dim, class posterior and reconstruction match what the API answers
// to this test directly; the interpolation slider's last frame is seed B's sample.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "../../src/png/decode.js";
import { ROOT } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";
import { launchChromium } from "./chromium.js";
import { canvasGrey } from "./playground-page.js";

interface ModelInfo {
  id: string;
  image: { channels: number; width: number; height: number };
  classes: { slug: string }[];
}

let router: Running & { url: string };
let dataDir: string;
let browser: Browser;
let model: ModelInfo;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-encode-tab-"));
  router = await startRouter({
    MODELS_DIR: path.join(ROOT, "models"),
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    GPU_BACKEND_URLS: "",
  });
  browser = await launchChromium("no-gpu");
  const { models } = (await (await fetch(`${router.url}/v1/models`)).json()) as { models: ModelInfo[] };
  const first = models[0];
  if (first === undefined) throw new Error("no models");
  model = first;
});

afterAll(async () => {
  await browser.close();
  await router.stop("SIGTERM");
  await rm(dataDir, { recursive: true, force: true });
});

async function openEncodeTab(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${router.url}/`);
  await page.locator('#status[data-state="ready"]').waitFor();
  await page.getByRole("tab", { name: "Encode" }).click();
  await page.locator("#tab-encode").waitFor({ state: "visible" });
  return page;
}

async function post(pathAndQuery: string, png: Uint8Array): Promise<Record<string, unknown>> {
  const res = await fetch(`${router.url}${pathAndQuery}`, {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: new Blob([new Uint8Array(png)]),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe("the Encode tab", () => {
  it("scores and reconstructs an uploaded image as the API does", async () => {
    expect(model.image.channels).toBe(1);
    const sample = await fetch(`${router.url}/v1/samples/${model.id}/${model.classes[3]?.slug ?? "0"}/5.png`);
    const png = new Uint8Array(await sample.arrayBuffer());
    const page = await openEncodeTab();
    await page
      .locator("#encode-file")
      .setInputFiles({ name: "x.png", mimeType: "image/png", buffer: Buffer.from(png) });
    await page
      .locator('#encode-status[data-state="done"], #encode-status[data-state="error"]')
      .waitFor({ timeout: 60_000 });
    expect(await page.locator("#encode-status").getAttribute("data-state")).toBe("done");

    const whole = await post(`/v1/encode?model=${model.id}`, png);
    expect(Number(await page.locator("#encode-bpd").textContent())).toBeCloseTo(whole.bits_per_dim as number, 3);

    const perClass = await Promise.all(
      model.classes.map(
        async (c) => (await post(`/v1/encode?model=${model.id}&class=${c.slug}`, png)).log_likelihood_nats as number,
      ),
    );
    const bars = await page.$$eval("#encode-bars li", (items) =>
      items.map((li) => Number((li as HTMLElement).dataset.probability)),
    );
    expect(bars).toHaveLength(model.classes.length);
    expect(bars.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
    expect(argmax(bars)).toBe(argmax(perClass));

    const rec = await post(`/v1/reconstruct?model=${model.id}`, png);
    const expected = await decodePng(new Uint8Array(Buffer.from(rec.png_base64 as string, "base64")));
    expect(await canvasGrey(page, "encode-reconstruction")).toEqual(Array.from(expected.pixels));
    expect(await canvasGrey(page, "encode-original")).toEqual(Array.from((await decodePng(png)).pixels));
    await page.close();
  });

  it("shows an interpolation strip whose slider's last frame is seed B's sample", async () => {
    const page = await openEncodeTab();
    await page.getByLabel("Seed A").fill("21");
    await page.getByLabel("Seed B").fill("22");
    await page.getByLabel("Frames").fill("4");
    await page.locator("#interpolate-go").click();
    await page
      .locator('#encode-status[data-state="done"], #encode-status[data-state="error"]')
      .waitFor({ timeout: 60_000 });
    expect(await page.locator("#encode-status").textContent()).toContain("Interpolated 4 frames");
    await page.locator("#interpolate-slider").fill("3");
    expect(await page.locator("#interpolate-frame").getAttribute("data-frame")).toBe("3");
    const res = await fetch(`${router.url}/v1/samples/${model.id}/null/22.png`);
    const b = (await decodePng(new Uint8Array(await res.arrayBuffer()))).pixels;
    const frame = await canvasGrey(page, "interpolate-frame");
    let worst = 0;
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs((frame[i] ?? 0) - (b[i] ?? 0)));
    expect(worst).toBeLessThanOrEqual(1);
    await page.close();
  });
});

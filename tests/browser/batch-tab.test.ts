// The playground's Batch tab in Debian's Chromium against a real router over models/: the
// tab starts a job through the API, its progress bar follows the job's status to the end,
// and its links are the job's manifest and archive, whose contents are checked here
// against the request's own rules (class by class, seed + i) and the sample URLs' PNGs.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";
import { startRouter, type Running } from "../helpers/processes.js";
import { untar } from "../helpers/untar.js";
import { launchChromium } from "./chromium.js";

const IMAGES = 64;
const SEED = 2_025_000;
const CLASSES = 10;
/** Small chunks, so the job takes several steps (and status answers) before it is done. */
const CHUNK = 4;
/**
 * The image budget paces the job's last chunks (about 4 s) so the bar is seen between 0 and
 * the end: the first 60 images pass at once, the rest at one a second.
 */
const IMAGES_PER_MINUTE = 60;

let router: Running & { url: string };
let dataDir: string;
let browser: Browser;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "biflow-batch-tab-"));
  router = await startRouter({
    MODELS_DIR: path.join(ROOT, "models"),
    DATA_DIR: dataDir,
    S3_ENDPOINT: "",
    GPU_BACKEND_URLS: "",
    JOBS_CHUNK_SIZE: String(CHUNK),
    JOBS_POLL_MS: "100",
    RATE_LIMIT_IMAGES_PER_MINUTE: String(IMAGES_PER_MINUTE),
  });
  browser = await launchChromium("no-gpu");
});

afterAll(async () => {
  await browser.close();
  await router.stop("SIGTERM");
  await rm(dataDir, { recursive: true, force: true });
});

async function openBatchTab(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${router.url}/`);
  await page.locator('#status[data-state="ready"]').waitFor();
  await page.getByRole("tab", { name: "Batch" }).click();
  await page.locator("#tab-batch").waitFor({ state: "visible" });
  return page;
}

interface JobStatus {
  state: string;
  images_total: number;
  images_done: number;
  manifest_url: string | null;
  archive_url: string | null;
}

describe("the Batch tab", () => {
  it("gives every control and region one label across the tabs", async () => {
    const page = await openBatchTab();
    const labels = await page.$$eval("label, [aria-label]", (els) =>
      els.map((el) => (el.getAttribute("aria-label") ?? el.textContent ?? "").trim()),
    );
    expect(labels.filter((l, i) => labels.indexOf(l) !== i)).toEqual([]);
    for (const label of ["Batch classes", "Batch images", "Batch seed", "Batch progress"]) {
      await expect.poll(() => page.getByLabel(label, { exact: true }).count(), { message: label }).toBe(1);
    }
    await page.close();
  });

  it("starts a job, shows its progress to the end, and links its manifest and archive", async () => {
    const page = await openBatchTab();
    // Every value the bar takes and every status line, as the page sets them.
    await page.evaluate(() => {
      const bar = document.getElementById("batch-progress") as HTMLProgressElement;
      const line = document.getElementById("batch-status") as HTMLElement;
      const seen: number[] = [];
      const said: string[] = [];
      Object.assign(window, { seen, said });
      new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true, attributeFilter: ["value"] });
      new MutationObserver(() => said.push(line.textContent ?? "")).observe(line, { childList: true });
    });
    await page.getByLabel("Batch images", { exact: true }).fill(String(IMAGES));
    await page.getByLabel("Batch seed", { exact: true }).fill(String(SEED));
    await page.getByRole("button", { name: "Start batch job" }).click();
    await page.locator('#batch-status[data-state="done"], #batch-status[data-state="error"]').waitFor({
      timeout: 120_000,
    });
    const text = await page.locator("#batch-status").textContent();
    expect(await page.locator("#batch-status").getAttribute("data-state"), text ?? "").toBe("done");

    // The bar against the API's own answer for the job the page started.
    const bar = page.locator("#batch-progress");
    const id = (await bar.getAttribute("data-job-id")) ?? "";
    const job = (await (await fetch(`${router.url}/v1/jobs/${id}`)).json()) as JobStatus;
    expect(job).toMatchObject({ state: "succeeded", images_total: IMAGES, images_done: IMAGES });
    expect(await bar.evaluate((el) => [(el as HTMLProgressElement).value, (el as HTMLProgressElement).max])).toEqual([
      IMAGES,
      IMAGES,
    ]);
    const { seen, said } = await page.evaluate(() => {
      const { seen, said } = window as unknown as { seen: number[]; said: string[] };
      return { seen, said };
    });
    console.info(`batch tab: progress values shown ${seen.join(", ")}`);
    expect(seen.at(-1)).toBe(IMAGES);
    expect(seen.every((v, i) => i === 0 || v >= (seen[i - 1] ?? 0))).toBe(true);
    // Seen mid-way while the budget held the job back, and said so.
    expect(seen.some((v) => v > 0 && v < IMAGES)).toBe(true);
    expect(said.some((t) => t.includes(`paced by the image budget (${IMAGES_PER_MINUTE} images/min)`))).toBe(true);
    expect(text).toContain(`${IMAGES} of ${IMAGES} images`);

    // The links are the job's results.
    const manifestLink = page.getByRole("link", { name: "Manifest (JSON lines)" });
    const archiveLink = page.getByRole("link", { name: "Archive (.tar of the PNGs)" });
    expect(await manifestLink.evaluate((a) => (a as HTMLAnchorElement).href)).toBe(job.manifest_url);
    expect(await archiveLink.evaluate((a) => (a as HTMLAnchorElement).href)).toBe(job.archive_url);

    // Every class in turn, spread evenly (the first IMAGES mod 10 classes one more), image i
    // with seed SEED + i, each URL serving its PNG.
    const classOf = Array.from({ length: CLASSES }, (_, j) =>
      Array<number>(Math.floor(IMAGES / CLASSES) + (j < IMAGES % CLASSES ? 1 : 0)).fill(j),
    ).flat();
    const lines = (await (await fetch(job.manifest_url ?? "")).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { index: number; class: number; seed: number; url: string });
    expect(lines.map((l) => [l.index, l.class, l.seed])).toEqual(classOf.map((cls, i) => [i, cls, SEED + i]));
    const members = untar(new Uint8Array(await (await fetch(job.archive_url ?? "")).arrayBuffer()));
    expect(members).toHaveLength(IMAGES);
    for (const [i, line] of lines.entries()) {
      const res = await fetch(line.url);
      expect(res.status).toBe(200);
      expect(members[i]?.data).toEqual(new Uint8Array(await res.arrayBuffer()));
    }
    await page.close();
  });
});

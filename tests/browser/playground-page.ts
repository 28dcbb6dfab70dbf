// Drives the playground page: fills the controls, generates, waits for the status line's
// verdict, and reads back each result (canvas pixels or image URL, and its sample link).

import type { Page } from "playwright-core";

export interface Figure {
  seed: number;
  /** The sample's on-demand URL (absolute). */
  href: string;
  /** Interleaved channels like a decoded PNG (1 = grey, taken from the canvas's red). */
  pixels?: number[];
  /** The <img> source of a server sample. */
  src?: string;
}

export interface RunStatus {
  state: string;
  text: string;
  figures: Record<string, string>;
}

export async function setControls(
  page: Page,
  values: { seed: number; count: number; classOption?: "first" | "unconditional" },
): Promise<void> {
  await page.getByLabel("Seed", { exact: true }).fill(String(values.seed));
  await page.getByLabel("Count", { exact: true }).fill(String(values.count));
  if (values.classOption === "unconditional") await page.getByLabel("Class", { exact: true }).selectOption("null");
}

/** Clicks (or keys) a generate button and waits until the status says done or error. */
export async function generate(page: Page, press: () => Promise<void>): Promise<RunStatus> {
  // The submit handler marks the status busy before the click or key press returns.
  await press();
  const status = page.locator("#status");
  await page.locator('#status[data-state="done"], #status[data-state="error"]').waitFor({ timeout: 150_000 });
  return status.evaluate((el: HTMLElement) => ({
    state: el.dataset.state ?? "",
    text: el.textContent ?? "",
    figures: { ...el.dataset } as Record<string, string>,
  }));
}

/** Every result figure, with its canvas pixels in the channel layout of `channels`. */
export function readFigures(page: Page, channels: number): Promise<Figure[]> {
  return page.$$eval(
    "#results figure",
    (figures, channels) =>
      figures.map((fig) => {
        const link = fig.querySelector("a");
        const canvas = fig.querySelector("canvas");
        const img = fig.querySelector("img");
        const figure: Figure = { seed: Number((fig as HTMLElement).dataset.seed), href: link?.href ?? "" };
        if (canvas !== null) {
          const rgba = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
          const pixels: number[] = [];
          for (let p = 0; p < rgba.length; p += 4) for (let c = 0; c < channels; c++) pixels.push(rgba[p + c] ?? 0);
          figure.pixels = pixels;
        }
        if (img !== null) figure.src = img.src;
        return figure;
      }),
    channels,
  );
}

/** The result grid's <img> samples once loaded, as Chromium decoded them, and each one's Jacobi iterations. */
export async function readServerImages(
  page: Page,
  channels: number,
): Promise<{ src: string; pixels: number[]; iterationsRun: string | undefined; caption: string }[]> {
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll<HTMLImageElement>("#results img")).every(
      (img) => img.complete && img.naturalWidth > 0,
    ),
  );
  return page.$$eval(
    "#results figure",
    (figures, channels) =>
      figures.map((fig) => {
        const img = fig.querySelector("img");
        if (img === null) throw new Error("a result figure without an <img>");
        // Same origin, so the canvas is not tainted and the decoded pixels can be read back.
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const context = canvas.getContext("2d");
        context?.drawImage(img, 0, 0);
        const rgba = context?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        const pixels: number[] = [];
        for (let p = 0; p < rgba.length; p += 4) for (let c = 0; c < channels; c++) pixels.push(rgba[p + c] ?? 0);
        return {
          src: img.src,
          pixels,
          iterationsRun: (fig as HTMLElement).dataset.iterationsRun,
          caption: fig.querySelector("figcaption")?.textContent ?? "",
        };
      }),
    channels,
  );
}

/** A canvas's pixels as one grey sample each (its red channel): a grey raster's bytes, as drawn. */
export async function canvasGrey(page: Page, id: string): Promise<number[]> {
  return page.$eval(`#${id}`, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const rgba = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? [];
    const out: number[] = [];
    for (let p = 0; p < rgba.length; p += 4) out.push(rgba[p] ?? 0);
    return out;
  });
}

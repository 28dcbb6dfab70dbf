// The results: a grid with one figure per sample, drawn in the browser (a canvas) or by the
// server (an image) and linked to its on-demand PNG, then the list of those URLs.

import type { Raster } from "../src/png/format.js";
import { drawRaster } from "./canvas.js";

export interface ResultItem {
  seed: number;
  /** "T-shirt/top", or "unconditional". */
  className: string;
  /** The sample's on-demand URL (the server draws the same image there). */
  url: string;
  picture: { kind: "raster"; raster: Raster } | { kind: "image"; src: string };
  /** Jacobi: the iterations the sample ran in each flow block (block 0 first), as the API reported them. */
  iterationsRun?: readonly number[] | null;
}

function figure(item: ResultItem, origin: string): HTMLLIElement {
  const li = document.createElement("li");
  const fig = document.createElement("figure");
  fig.className = "sample";
  fig.dataset.seed = String(item.seed);
  const alt = `${item.className}, seed ${item.seed}, ${origin}`;
  if (item.picture.kind === "raster") {
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", alt);
    drawRaster(canvas, item.picture.raster);
    fig.append(canvas);
  } else {
    const img = document.createElement("img");
    img.src = item.picture.src;
    img.alt = alt;
    fig.append(img);
  }
  const caption = document.createElement("figcaption");
  const link = document.createElement("a");
  link.href = item.url;
  link.textContent = `seed ${item.seed} PNG`;
  link.className = "sample-link";
  caption.append(link);
  if (item.iterationsRun != null) {
    fig.dataset.iterationsRun = item.iterationsRun.join(",");
    const ran = document.createElement("small");
    ran.className = "iterations-run";
    ran.textContent = `Jacobi iterations per block: ${item.iterationsRun.join(", ")}`;
    caption.append(document.createElement("br"), ran);
  }
  fig.append(caption);
  li.append(fig);
  return li;
}

function urlItem(item: ResultItem): HTMLLIElement {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = item.url;
  const code = document.createElement("code");
  // The absolute URL, as a client would fetch it.
  code.textContent = link.href;
  link.append(code);
  li.append(link);
  return li;
}

/** Replaces the results; `origin` says who drew the samples, for screen readers. */
export function showResults(
  grid: HTMLOListElement,
  urls: HTMLOListElement,
  items: readonly ResultItem[],
  origin: string,
): void {
  grid.replaceChildren(...items.map((item) => figure(item, origin)));
  grid.dataset.origin = origin;
  urls.replaceChildren(...items.map(urlItem));
  // The list sits in a block with its heading, hidden until there is something to list.
  if (urls.parentElement !== null) urls.parentElement.hidden = items.length === 0;
}

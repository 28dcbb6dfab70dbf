// The playground's Encode tab (issue 12): drop or pick an image; it is scaled to the
// model's size, scored by F (bits/dim, and the class posterior from per-class likelihoods
// as a bar chart), and reconstructed by G(F(x)) beside the original. Also the interpolation
// strip between two seeds, with a slider over its frames.

import { decodePng } from "../src/png/decode.js";
import { encodePng } from "../src/png/encode.js";
import type { Raster } from "../src/png/format.js";
import type { ModelInfo } from "./api.js";
import { drawRaster } from "./canvas.js";
import { encode, posteriors, reconstruct } from "./encode-api.js";
import { toModelRaster } from "./model-raster.js";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

function showBars(list: HTMLOListElement, model: ModelInfo, probabilities: readonly number[]): void {
  list.replaceChildren(
    ...model.classes.map((cls, k) => {
      const p = probabilities[k] ?? 0;
      const item = document.createElement("li");
      item.dataset.class = cls.slug;
      item.dataset.probability = p.toFixed(6);
      const label = document.createElement("span");
      label.textContent = cls.name;
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = `${(p * 100).toFixed(1)}%`;
      const value = document.createElement("span");
      value.textContent = `${(p * 100).toFixed(1)}%`;
      item.append(label, bar, value);
      return item;
    }),
  );
}

export class EncodeTab {
  private model: ModelInfo | undefined;
  private readonly status = element<HTMLParagraphElement>("encode-status");

  constructor() {
    const input = element<HTMLInputElement>("encode-file");
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      if (file !== undefined) void this.run(file);
    });
    const drop = element<HTMLElement>("encode-drop");
    drop.addEventListener("dragover", (event) => event.preventDefault());
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      const file = event.dataTransfer?.files[0];
      if (file !== undefined) void this.run(file);
    });
    element<HTMLFormElement>("interpolate-form").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.interpolate();
    });
    element<HTMLInputElement>("interpolate-slider").addEventListener("input", () => this.showFrame());
  }

  setModel(model: ModelInfo): void {
    this.model = model;
    const options = [{ slug: "null", name: "unconditional" }, ...model.classes].map((cls) => {
      const option = document.createElement("option");
      option.value = cls.slug;
      option.textContent = cls.name;
      return option;
    });
    element<HTMLSelectElement>("interpolate-class").replaceChildren(...options);
  }

  private say(state: string, text: string): void {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  async run(file: Blob): Promise<void> {
    const model = this.model;
    if (model === undefined) return;
    this.say("busy", "Encoding…");
    try {
      const raster = await toModelRaster(file, model);
      drawRaster(element<HTMLCanvasElement>("encode-original"), raster);
      const png = (await encodePng(raster)) as Uint8Array<ArrayBuffer>;
      const [whole, rec, ...perClass] = await Promise.all([
        encode(model.id, null, png),
        reconstruct(model.id, png),
        ...model.classes.map((cls) => encode(model.id, cls.slug, png)),
      ]);
      drawRaster(element<HTMLCanvasElement>("encode-reconstruction"), await decodePng(rec.png));
      showBars(element<HTMLOListElement>("encode-bars"), model, posteriors(perClass.map((e) => e.log_likelihood_nats)));
      element<HTMLElement>("encode-bpd").textContent = whole.bits_per_dim.toFixed(3);
      element<HTMLElement>("encode-psnr").textContent = rec.psnr_db.toFixed(2);
      this.say(
        "done",
        `Encoded: ${whole.bits_per_dim.toFixed(3)} bits/dim; reconstruction PSNR ${rec.psnr_db.toFixed(2)} dB.`,
      );
    } catch (err) {
      this.say("error", `Could not encode: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private frames = 0;
  private strip: Raster | undefined;

  async interpolate(): Promise<void> {
    const model = this.model;
    if (model === undefined) return;
    const a = element<HTMLInputElement>("interpolate-a").value;
    const b = element<HTMLInputElement>("interpolate-b").value;
    const frames = Number(element<HTMLInputElement>("interpolate-frames").value);
    const cls = element<HTMLSelectElement>("interpolate-class").value;
    this.say("busy", "Interpolating…");
    try {
      // The unversioned URL redirects to the canonical, immutable one.
      const res = await fetch(`/v1/interpolations/${model.id}/${cls}/${a}-${b}.png?frames=${frames}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const png = new Uint8Array(await res.arrayBuffer());
      this.strip = await decodePng(png);
      this.frames = frames;
      const img = element<HTMLImageElement>("interpolate-strip");
      img.src = URL.createObjectURL(new Blob([png], { type: "image/png" }));
      img.dataset.url = res.url;
      const slider = element<HTMLInputElement>("interpolate-slider");
      slider.max = String(frames - 1);
      slider.value = "0";
      slider.disabled = false;
      this.showFrame();
      this.say("done", `Interpolated ${frames} frames from seed ${a} to seed ${b}.`);
    } catch (err) {
      this.say("error", `Could not interpolate: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The slider's frame, cut from the strip (tiles with 1-pixel gutters, docs/SAMPLE-URLS.md). */
  private showFrame(): void {
    const strip = this.strip;
    const model = this.model;
    if (strip === undefined || model === undefined || this.frames === 0) return;
    const index = Number(element<HTMLInputElement>("interpolate-slider").value);
    const { width: w, height: h } = model.image;
    const c = strip.channels;
    const pixels = new Uint8Array(w * h * c);
    for (let y = 0; y < h; y++) {
      const start = ((1 + y) * strip.width + 1 + index * (w + 1)) * c;
      pixels.set(strip.pixels.subarray(start, start + w * c), y * w * c);
    }
    const canvas = element<HTMLCanvasElement>("interpolate-frame");
    canvas.dataset.frame = String(index);
    drawRaster(canvas, { width: w, height: h, channels: strip.channels, pixels });
  }
}

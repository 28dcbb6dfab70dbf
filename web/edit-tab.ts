// The playground's Edit tab (issue 26): an image to edit, uploaded (scaled to the model's
// size as the Encode tab does) or one of the model's samples; then a class edit (F encodes it
// under its class, G decodes it under another: POST /v1/class-edits) shown before and after,
// or an inpainting of the pixels painted on a mask (POST /v1/inpaintings) shown before, mask
// and after. PNG bytes go through the server's own encoder and decoder (src/png/).

import { canonicalGuidance } from "../src/keys.js";
import { UINT32_MAX } from "../src/limits.js";
import { NULL_CLASS_LABEL } from "../src/models/classes.js";
import { decodePng } from "../src/png/decode.js";
import { encodePng } from "../src/png/encode.js";
import type { Raster } from "../src/png/format.js";
import type { ModelInfo } from "./api.js";
import { drawRaster } from "./canvas.js";
import { classEdit, fetchSample, inpaint } from "./edit-api.js";
import { InpaintMask } from "./inpaint-mask.js";
import { MaskPainter } from "./mask-painter.js";
import { toModelRaster } from "./model-raster.js";
import { Status } from "./status.js";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Blanks a result canvas, so a stale result never sits beside a new source image. */
function blank(canvas: HTMLCanvasElement): void {
  canvas.getContext("2d")?.clearRect(0, 0, canvas.width, canvas.height);
}

export class EditTab {
  private model: ModelInfo | undefined;
  /** The image being edited, at the model's size, and its PNG as sent to the API. */
  private source: { raster: Raster; png: Uint8Array<ArrayBuffer> } | undefined;
  /** Fashion-MNIST's size until setModel gives the model's own. */
  private mask = new InpaintMask(28, 28);
  private readonly status = new Status(element("edit-status"));
  private readonly painter: MaskPainter;
  private readonly guidance = element<HTMLInputElement>("edit-guidance");
  private readonly buttons = [element<HTMLButtonElement>("class-edit-go"), element<HTMLButtonElement>("inpaint-go")];

  constructor() {
    const input = element<HTMLInputElement>("edit-file");
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      if (file !== undefined) void this.upload(file);
    });
    const drop = element<HTMLElement>("edit-drop");
    drop.addEventListener("dragover", (event) => event.preventDefault());
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      const file = event.dataTransfer?.files[0];
      if (file !== undefined) void this.upload(file);
    });
    element<HTMLInputElement>("edit-sample-seed").max = String(UINT32_MAX);
    element<HTMLInputElement>("inpaint-seed").max = String(UINT32_MAX);
    this.onSubmit("edit-sample-form", () => this.useSample());
    this.onSubmit("class-edit-form", () => this.editClass());
    this.onSubmit("inpaint-form", () => this.inpaint());
    this.painter = new MaskPainter(element("mask-canvas"), this.mask, () => this.showMaskCount());
    const presets: [string, (mask: InpaintMask) => void][] = [
      ["mask-lower-half", (m) => m.lowerHalf()],
      ["mask-centre", (m) => m.centre()],
      ["mask-clear", (m) => m.clear()],
    ];
    for (const [id, apply] of presets) {
      element<HTMLButtonElement>(id).addEventListener("click", () => {
        apply(this.mask);
        this.painter.render();
      });
    }
  }

  private onSubmit(formId: string, run: () => Promise<void>): void {
    const form = element<HTMLFormElement>(formId);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (form.reportValidity()) void run();
    });
  }

  setModel(model: ModelInfo): void {
    this.model = model;
    const options = () =>
      [...model.classes, { slug: NULL_CLASS_LABEL, name: "unconditional" }].map((cls) => {
        const option = document.createElement("option");
        option.value = cls.slug;
        option.textContent = cls.name;
        return option;
      });
    for (const id of ["edit-sample-class", "edit-from", "edit-to", "inpaint-class"]) {
      element<HTMLSelectElement>(id).replaceChildren(...options());
    }
    this.guidance.min = String(model.guidance.min);
    this.guidance.max = String(model.guidance.max);
    this.guidance.value = model.guidance.default.toFixed(2);
    // Another model is another size: the old image and mask no longer fit it.
    this.mask = new InpaintMask(model.image.width, model.image.height);
    this.painter.setMask(this.mask);
    void this.setSource(undefined);
  }

  private showMaskCount(): void {
    const filled = this.mask.filledCount();
    const note = element<HTMLElement>("mask-count");
    note.dataset.filled = String(filled);
    note.textContent = `${filled} of ${this.mask.pixels.length} pixels to fill.`;
  }

  /** Shows a new source image everywhere it appears and blanks the results of the old one. */
  private async setSource(raster: Raster | undefined): Promise<void> {
    this.source =
      raster === undefined ? undefined : { raster, png: (await encodePng(raster)) as Uint8Array<ArrayBuffer> };
    for (const id of ["class-edit-before", "inpaint-before"]) {
      const canvas = element<HTMLCanvasElement>(id);
      if (raster === undefined) blank(canvas);
      else drawRaster(canvas, raster);
    }
    for (const id of ["class-edit-after", "inpaint-mask", "inpaint-after"]) blank(element<HTMLCanvasElement>(id));
    this.painter.setImage(raster);
  }

  private async upload(file: Blob): Promise<void> {
    const model = this.model;
    if (model === undefined) return;
    this.status.show("busy", "Reading the image…");
    try {
      await this.setSource(await toModelRaster(file, model));
      this.status.show("done", "Image loaded at the model's size: choose its class, then edit or inpaint it.");
    } catch (err) {
      this.status.show("error", `Could not read the image: ${describe(err)}`);
    }
  }

  private async useSample(): Promise<void> {
    const model = this.model;
    if (model === undefined) return;
    const cls = element<HTMLSelectElement>("edit-sample-class").value;
    const seed = Number(element<HTMLInputElement>("edit-sample-seed").value);
    this.status.show("busy", "Fetching the sample…");
    try {
      await this.setSource(await decodePng(await fetchSample(model.id, cls, seed)));
      // The sample's class is the image's class, the one F encodes it under.
      element<HTMLSelectElement>("edit-from").value = cls;
      this.status.show("done", `Sample ${cls} seed ${seed} loaded: edit or inpaint it.`, {
        class: cls,
        seed: String(seed),
      });
    } catch (err) {
      this.status.show("error", `Could not fetch the sample: ${describe(err)}`);
    }
  }

  /** The model and source image, or undefined after saying what is missing. */
  private ready(): { model: ModelInfo; source: { raster: Raster; png: Uint8Array<ArrayBuffer> } } | undefined {
    const { model, source } = this;
    if (model === undefined) return undefined;
    if (source === undefined) {
      this.status.show("error", "Pick or drop an image, or use a sample, first.");
      return undefined;
    }
    return this.guidance.reportValidity() ? { model, source } : undefined;
  }

  /** Runs one API call with both buttons off, and its error's message in the status line. */
  private async busy(what: string, run: () => Promise<void>): Promise<void> {
    for (const button of this.buttons) button.disabled = true;
    this.status.show("busy", `${what}…`);
    try {
      await run();
    } catch (err) {
      this.status.show("error", `Could not ${what.toLowerCase()}: ${describe(err)}`);
    } finally {
      for (const button of this.buttons) button.disabled = false;
    }
  }

  private async editClass(): Promise<void> {
    const inputs = this.ready();
    if (inputs === undefined) return;
    const from = element<HTMLSelectElement>("edit-from").value;
    const to = element<HTMLSelectElement>("edit-to").value;
    const sampler = element<HTMLSelectElement>("edit-sampler").value === "exact" ? "exact" : "g";
    await this.busy("Edit the class", async () => {
      const request = {
        model: inputs.model.id,
        from,
        to,
        guidance: canonicalGuidance(Number(this.guidance.value)),
        sampler,
      } as const;
      const edited = await classEdit(request, inputs.source.png);
      drawRaster(element("class-edit-after"), await decodePng(edited.png));
      const [editFrom, editTo] = [edited.headers.get("x-edit-from") ?? from, edited.headers.get("x-edit-to") ?? to];
      this.status.show(
        "done",
        `Edited from ${editFrom} to ${editTo} (model ${edited.headers.get("x-model-version") ?? "?"}).`,
        {
          editFrom,
          editTo,
          guidance: edited.headers.get("x-guidance") ?? "",
          sampler: edited.headers.get("x-edit-sampler") ?? "",
          // Where it ran (engine, wasm...), as x-sampler says on samples.
          ranOn: edited.headers.get("x-sampler") ?? "",
        },
      );
    });
  }

  private async inpaint(): Promise<void> {
    const inputs = this.ready();
    if (inputs === undefined) return;
    const filled = this.mask.filledCount();
    if (filled === 0) {
      this.status.show("error", "The mask fills no pixel: paint on the image or choose a preset first.");
      return;
    }
    const mask = this.mask.toRaster();
    const request = {
      model: inputs.model.id,
      cls: element<HTMLSelectElement>("inpaint-class").value,
      seed: Number(element<HTMLInputElement>("inpaint-seed").value),
      steps: Number(element<HTMLInputElement>("inpaint-steps").value),
      guidance: canonicalGuidance(Number(this.guidance.value)),
    };
    await this.busy("Inpaint", async () => {
      const maskPng = (await encodePng(mask)) as Uint8Array<ArrayBuffer>;
      const result = await inpaint(request, inputs.source.png, maskPng);
      drawRaster(element("inpaint-mask"), mask);
      drawRaster(element("inpaint-after"), await decodePng(result.png));
      const [cls, seed, steps] = ["x-class", "x-seed", "x-steps"].map((h) => result.headers.get(h) ?? "");
      this.status.show("done", `Inpainted ${filled} pixels as ${cls} (seed ${seed}, ${steps} steps).`, {
        class: cls ?? "",
        seed: seed ?? "",
        steps: steps ?? "",
        filled: String(filled),
      });
    });
  }
}

// G on caller-supplied noise in-process: onnxruntime-web on WASM runs reverse.onnx (the
// same run as WasmSampler's) on the given noise; reconstruction and interpolation use it.

import type { DecodeBatch, NoiseDecoder } from "../decoder.js";
import type { ModelEntry } from "../models/registry.js";
import { reverseInputs } from "../models/reverse-inputs.js";
import type { Raster } from "../png/format.js";
import { tensorImageToRaster } from "../png/tensor.js";
import type { OrtRuntime } from "./runtime.js";
import { runReverse } from "./wasm-sampler.js";

export class WasmDecoder implements NoiseDecoder {
  readonly name = "wasm";

  constructor(private readonly runtime: OrtRuntime) {}

  accepts(model: ModelEntry): boolean {
    return model.manifest.placements.includes("edge") && model.hasFile("reverse");
  }

  async decode(batch: DecodeBatch): Promise<Raster[]> {
    const { model, count } = batch;
    const shape = model.manifest.image;
    // Seeds only size the feeds here; z is the caller's.
    const inputs = reverseInputs(shape, new Array<number>(count).fill(0), batch.classInput, batch.guidance);
    if (batch.noise.length !== inputs.z.length) {
      throw new RangeError(`decode batch holds ${batch.noise.length} values, expected ${inputs.z.length}`);
    }
    inputs.z.set(batch.noise);
    const images = await runReverse(this.runtime, model, inputs, batch.signal);
    return Array.from({ length: count }, (_, i) => tensorImageToRaster(images, i, shape));
  }
}

// The in-process encoder: onnxruntime-web on WASM runs the model's forward.onnx (BiFlow's
// forward model F, data to noise) on a batch of images, giving z and log |det|.

import type { Encoded, EncodeBatch, Encoder } from "../encoder.js";
import type { ModelEntry } from "../models/registry.js";
import type { OrtRuntime } from "./runtime.js";
import { ModelContractError } from "./wasm-sampler.js";

export class WasmEncoder implements Encoder {
  readonly name = "wasm";

  constructor(private readonly runtime: OrtRuntime) {}

  /** Edge models that ship forward.onnx. */
  accepts(model: ModelEntry): boolean {
    return model.manifest.placements.includes("edge") && model.hasFile("forward");
  }

  private async session(model: ModelEntry) {
    const session = await this.runtime.session(`${model.ref}/forward`, () => model.loadFile("forward"));
    const ok =
      ["image", "class"].every((name) => session.inputNames.includes(name)) &&
      ["z", "logdet"].every((name) => session.outputNames.includes(name));
    if (!ok) {
      throw new ModelContractError(
        `${model.ref} forward.onnx must take image, class and give z, logdet; it takes ${session.inputNames.join(", ")}`,
      );
    }
    return session;
  }

  async encode(batch: EncodeBatch): Promise<Encoded[]> {
    const { model, count } = batch;
    const { channels, height, width } = model.manifest.image;
    const size = channels * height * width;
    const dims = [count, channels, height, width];
    if (batch.images.length !== count * size) {
      throw new RangeError(`encode batch holds ${batch.images.length} values, expected ${count * size}`);
    }
    const session = await this.session(model);
    const outputs = await this.runtime.run(session, {
      image: this.runtime.tensor("float32", batch.images, dims),
      class: this.runtime.tensor("int64", new BigInt64Array(count).fill(BigInt(batch.classInput)), [count]),
    });
    const { z, logdet } = outputs;
    if (z?.type !== "float32" || z.dims.join() !== dims.join() || logdet?.type !== "float32") {
      throw new ModelContractError(`${model.ref} forward.onnx returned no float32 z of shape [${dims.join(", ")}]`);
    }
    const zData = z.data as Float32Array;
    const logdetData = logdet.data as Float32Array;
    return Array.from({ length: count }, (_, i) => ({
      z: zData.slice(i * size, (i + 1) * size),
      logdet: logdetData[i] ?? NaN,
    }));
  }
}

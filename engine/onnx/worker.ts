// An inference worker thread: it owns its onnxruntime-node sessions (one per model), and
// for each batch fills z from the seeds, runs reverse.onnx and encodes the PNGs, so the
// main thread's event loop never blocks on a model run (session.run holds its thread).

import { parentPort } from "node:worker_threads";
import { deflateSync } from "node:zlib";
import { reverseInputs } from "../../src/models/reverse-inputs.js";
import { encodePng, type Deflate } from "../../src/png/encode.js";
import { tensorImageToRaster } from "../../src/png/tensor.js";
import type { FromWorker, InitMessage, RunMessage, SessionReport, ToWorker, WorkerModel } from "./protocol.js";
import { createSession, floatTensor, int64Tensor, runForFloat, type Feeds, type Session } from "./session.js";

interface Loaded {
  model: WorkerModel;
  session: Session;
}

const loaded = new Map<string, Loaded>();

/** Blocking is what this thread is for: a sync deflate saves a thread-pool hop per image. */
const deflate: Deflate = (bytes) => deflateSync(bytes);

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}

/** reverse.onnx feeds for a batch whose images may differ in class and guidance. */
function feeds(
  model: WorkerModel,
  seeds: readonly number[],
  classes: readonly number[],
  guidance: readonly number[],
  z?: Float32Array,
) {
  const inputs = reverseInputs(model.image, seeds, classes, guidance);
  if (z !== undefined) inputs.z.set(z);
  const n = seeds.length;
  const feeds: Feeds = {
    z: floatTensor(inputs.z, inputs.dims),
    class: int64Tensor(inputs.classes, [n]),
    guidance: floatTensor(inputs.guidance, [n]),
  };
  return { inputs: feeds, dims: [...inputs.dims] };
}

async function init(message: InitMessage): Promise<void> {
  const sessions: SessionReport[] = [];
  const failed: { ref: string; error: string }[] = [];
  for (const model of message.models) {
    try {
      const created = await createSession(
        model.bytes,
        { providers: message.providers, intraOpThreads: message.intraOpThreads },
        // The warm-up run is also the contract check: the inputs and output of docs/MODEL-CONTRACT.md.
        async (session) => {
          const { inputs, dims } = feeds(model, [0], [model.nullClass], [0]);
          await runForFloat(session, inputs, "image", dims);
        },
      );
      loaded.set(model.ref, { model, session: created.session });
      sessions.push({ ref: model.ref, provider: created.provider, nodes: created.nodes, fallbacks: created.fallbacks });
    } catch (err) {
      failed.push({ ref: model.ref, error: err instanceof Error ? err.message : String(err) });
    }
  }
  send({ type: "ready", sessions, failed });
}

async function run(message: RunMessage): Promise<void> {
  const entry = loaded.get(message.ref);
  if (entry === undefined) throw new Error(`no session for ${message.ref}`);
  const { inputs, dims } = feeds(entry.model, message.seeds, message.classes, message.guidance, message.z);
  const started = performance.now();
  const images = await runForFloat(entry.session, inputs, "image", dims);
  const inferred = performance.now();
  const pngs = await Promise.all(
    message.seeds.map((_, i) => encodePng(tensorImageToRaster(images, i, entry.model.image), deflate)),
  );
  const encoded = performance.now();
  const transfer = pngs.map((png) => png.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  send(
    { type: "result", id: message.id, pngs, inferenceMs: inferred - started, encodeMs: encoded - inferred },
    transfer,
  );
}

// Messages are handled one at a time: the main thread sends a worker one batch at a time.
parentPort?.on("message", (message: ToWorker) => {
  const work = message.type === "init" ? init(message) : run(message);
  work.catch((err: unknown) => {
    const text = err instanceof Error ? err.message : String(err);
    if (message.type === "run") send({ type: "error", id: message.id, message: text });
    else send({ type: "ready", sessions: [], failed: message.models.map((m) => ({ ref: m.ref, error: text })) });
  });
});

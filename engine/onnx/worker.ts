// An inference worker thread: it owns its onnxruntime-node sessions (per model: reverse.onnx,
// and decode_step / jacobi_step when present), and for each batch fills z from the seeds,
// runs the batch's sampler (G's one pass, F's exact or Jacobi inverse, src/flow) and encodes
// the PNGs, so the main thread's event loop never blocks on a model run.

import { parentPort } from "node:worker_threads";
import { deflateSync } from "node:zlib";
import { exactInverse } from "../../src/flow/exact.js";
import { jacobiInverse, perBlock } from "../../src/flow/jacobi.js";
import { ITERATIONS_TEXT_KEY, type SamplerKind } from "../../src/flow/samplers.js";
import type { Decoding, ExactDecoding, RunStep } from "../../src/flow/step.js";
import { reverseInputs } from "../../src/models/reverse-inputs.js";
import { encodePng, type Deflate } from "../../src/png/encode.js";
import { tensorImageToRaster } from "../../src/png/tensor.js";
import type { FromWorker, InitMessage, RunMessage, SessionReport, ToWorker, WorkerModel } from "./protocol.js";
import { createSession, floatTensor, int64Tensor, runForFloat, type Feeds, type Session } from "./session.js";
import { ortStepRunner } from "./step-runner.js";
import { lowerThisThreadPriority } from "./thread-priority.js";

interface Loaded {
  model: WorkerModel;
  session: Session;
  decode?: { run: RunStep; exact: ExactDecoding };
  jacobi?: { run: RunStep; decoding: Decoding };
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
  return { inputs: feeds, dims: [...inputs.dims], z: inputs.z };
}

async function init(message: InitMessage): Promise<void> {
  // Before any session exists, so onnxruntime's own threads inherit the lower priority.
  const priority = lowerThisThreadPriority(message.niceness);
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
      const entry: Loaded = { model, session: created.session };
      await loadSteps(entry, message);
      loaded.set(model.ref, entry);
      const samplers: SamplerKind[] = ["g"];
      if (entry.decode !== undefined) samplers.push("exact");
      if (entry.jacobi !== undefined) samplers.push("jacobi");
      sessions.push({
        ref: model.ref,
        provider: created.provider,
        nodes: created.nodes,
        fallbacks: created.fallbacks,
        samplers,
      });
    } catch (err) {
      failed.push({ ref: model.ref, error: err instanceof Error ? err.message : String(err) });
    }
  }
  send({ type: "ready", sessions, failed, priority });
}

/**
 * Sessions of the step files of F's inverse, each checked against its contract's input
 * names; a step that fails to load leaves the model serving G alone (logged by its absence
 * from the report's samplers), never the whole model refused.
 */
async function loadSteps(entry: Loaded, message: InitMessage): Promise<void> {
  const options = { providers: message.providers, intraOpThreads: message.intraOpThreads };
  const open = async (bytes: Uint8Array, inputs: readonly string[]) => {
    const created = await createSession(bytes, options, (session) => {
      const missing = inputs.filter((name) => !session.inputNames.includes(name));
      return missing.length === 0
        ? Promise.resolve()
        : Promise.reject(new Error(`missing inputs ${missing.join(", ")}`));
    });
    return ortStepRunner(created.session);
  };
  const { decodeStep, jacobiStep } = entry.model;
  if (decodeStep !== undefined) {
    const run = await open(decodeStep.bytes, ["block", "position", "token", "class", "k_cache", "v_cache"]).catch(
      () => undefined,
    );
    if (run !== undefined) entry.decode = { run, exact: decodeStep.exact };
  }
  if (jacobiStep !== undefined) {
    const run = await open(jacobiStep.bytes, ["block", "x", "z", "class", "guidance"]).catch(() => undefined);
    if (run !== undefined) entry.jacobi = { run, decoding: jacobiStep.decoding };
  }
}

/** The batch's images [N,C,H,W] by its sampler, and per image the PNG text that says how. */
async function draw(
  entry: Loaded,
  message: RunMessage,
): Promise<{ images: Float32Array; text: Record<string, string>[] }> {
  const { model } = entry;
  const { inputs, dims, z } = feeds(model, message.seeds, message.classes, message.guidance, message.z);
  const none = message.seeds.map(() => ({}));
  const { sampler } = message;
  if (sampler.kind === "g") return { images: await runForFloat(entry.session, inputs, "image", dims), text: none };
  const input = {
    // The batch's own noise where it brought one (class edits), else the seeds' (feeds() chose).
    z,
    classes: message.classes,
    guidance: message.guidance,
    nullClass: model.nullClass,
    image: model.image,
  };
  if (sampler.kind === "exact") {
    if (entry.decode === undefined) throw new Error(`${model.ref} has no decode_step session`);
    return { images: await exactInverse(entry.decode.run, input, entry.decode.exact), text: none };
  }
  if (entry.jacobi === undefined) throw new Error(`${model.ref} has no jacobi_step session`);
  const { decoding } = entry.jacobi;
  const result = await jacobiInverse(entry.jacobi.run, input, decoding, {
    iterations: perBlock(sampler.iterations, decoding.blocks),
    tolerance: sampler.tolerance,
  });
  return {
    images: result.images,
    text: result.iterations.map((its) => ({ [ITERATIONS_TEXT_KEY]: its.join(",") })),
  };
}

async function run(message: RunMessage): Promise<void> {
  const entry = loaded.get(message.ref);
  if (entry === undefined) throw new Error(`no session for ${message.ref}`);
  const started = performance.now();
  const { images, text } = await draw(entry, message);
  const inferred = performance.now();
  const pngs = await Promise.all(
    message.seeds.map((_, i) => encodePng(tensorImageToRaster(images, i, entry.model.image), deflate, text[i])),
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
    else {
      const failed = message.models.map((m) => ({ ref: m.ref, error: text }));
      send({ type: "ready", sessions: [], failed, priority: { unchanged: "worker failed to start" } });
    }
  });
});

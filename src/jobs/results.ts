// A finished job's results, written to the store as streams: the manifest (JSON lines:
// index, key, canonical URL, class, seed), and on request a `.tar` of the PNGs and an
// `.npz` (uint8 images, int64 labels; -1 for unconditional). Each is written once.

import { classLabel } from "../models/classes.js";
import type { ModelManifest } from "../models/manifest.js";
import { decodePng } from "../png/decode.js";
import { canonicalSamplePath, sampleKey, type SampleId } from "../samples/canonical.js";
import type { ObjectStore } from "../storage/object-store.js";
import { jobKeys } from "./layout.js";
import { jobImages, type JobImage, type JobSpec } from "./model.js";
import { npyHeader, ZipStream } from "./npz.js";
import { TAR_END, tarHeader, tarPadding } from "./tar.js";
import type { OpenUpload, Upload } from "./upload.js";

export const MANIFEST_TYPE = "application/x-ndjson";
export const TAR_TYPE = "application/x-tar";
export const NPZ_TYPE = "application/zip";

const LABEL_BLOCK = 4096;

export interface ResultDeps {
  store: ObjectStore;
  openUpload: OpenUpload;
  /** The URL handed out for a sample path (signed when URL_SIGNING_KEY is set). */
  handOut: (pathAndQuery: string) => Promise<string>;
}

/** The identity of a job's image: the same as its sample URL's, so the keys match. */
export function imageId(spec: JobSpec, image: JobImage): SampleId {
  return {
    modelId: spec.model,
    version: spec.version,
    classIndex: image.classIndex,
    seed: image.seed,
    guidance: spec.guidance,
    sampler: spec.sampler,
  };
}

export function imageKey(spec: JobSpec, image: JobImage): string {
  return sampleKey(imageId(spec, image));
}

/** The tar member name of an image: its job index, class and seed. */
function memberName(image: JobImage): string {
  return `${String(image.index).padStart(7, "0")}_${image.classIndex ?? "null"}_${image.seed}.png`;
}

async function readPng(store: ObjectStore, key: string): Promise<Uint8Array> {
  const found = await store.get(key);
  if (found === undefined) throw new Error(`job image missing from the store: ${key}`);
  return found.bytes;
}

/** Runs `body` on a fresh upload and finishes it, or aborts it on failure. */
async function uploading(open: OpenUpload, key: string, type: string, body: (u: Upload) => Promise<void>) {
  const upload = await open(key, type);
  try {
    await body(upload);
  } catch (err) {
    await upload.abort();
    throw err;
  }
  await upload.finish();
}

export async function writeManifest(spec: JobSpec, manifest: ModelManifest, deps: ResultDeps): Promise<void> {
  const keys = jobKeys(spec.id);
  if ((await deps.store.head(keys.manifest)) !== undefined) return;
  const encoder = new TextEncoder();
  await uploading(deps.openUpload, keys.manifest, MANIFEST_TYPE, async (upload) => {
    for (const image of jobImages(spec)) {
      const id = imageId(spec, image);
      const url = spec.origin + (await deps.handOut(canonicalSamplePath(id, classLabel(manifest, image.classIndex))));
      const line = { index: image.index, key: sampleKey(id), url, class: image.classIndex, seed: image.seed };
      await upload.write(encoder.encode(`${JSON.stringify(line)}\n`));
    }
  });
}

export async function writeTar(spec: JobSpec, deps: ResultDeps, mtimeSeconds: number): Promise<void> {
  const key = jobKeys(spec.id).tar;
  if ((await deps.store.head(key)) !== undefined) return;
  await uploading(deps.openUpload, key, TAR_TYPE, async (upload) => {
    for (const image of jobImages(spec)) {
      const png = await readPng(deps.store, imageKey(spec, image));
      await upload.write(tarHeader(memberName(image), png.length, mtimeSeconds));
      await upload.write(png);
      await upload.write(tarPadding(png.length));
    }
    await upload.write(TAR_END);
  });
}

export async function writeNpz(spec: JobSpec, manifest: ModelManifest, deps: ResultDeps): Promise<void> {
  const key = jobKeys(spec.id).npz;
  if ((await deps.store.head(key)) !== undefined) return;
  const { height, width, channels } = manifest.image;
  const shape = channels === 1 ? [spec.imagesTotal, height, width] : [spec.imagesTotal, height, width, channels];
  await uploading(deps.openUpload, key, NPZ_TYPE, async (upload) => {
    const zip = new ZipStream((bytes) => upload.write(bytes));
    await zip.begin("images.npy");
    await zip.data(npyHeader("|u1", shape));
    for (const image of jobImages(spec)) {
      const raster = await decodePng(await readPng(deps.store, imageKey(spec, image)), { maxPixels: height * width });
      if (raster.width !== width || raster.height !== height || raster.channels !== channels) {
        throw new Error(`job image ${image.index} is not ${width}x${height}x${channels}`);
      }
      await zip.data(raster.pixels);
    }
    await zip.end();
    await zip.begin("labels.npy");
    await zip.data(npyHeader("<i8", [spec.imagesTotal]));
    // Labels in blocks of LABEL_BLOCK: one write per label would be a million tiny writes.
    let block = new DataView(new ArrayBuffer(8 * LABEL_BLOCK));
    let filled = 0;
    for (const image of jobImages(spec)) {
      block.setBigInt64(8 * filled, BigInt(image.classIndex ?? -1), true);
      if (++filled === LABEL_BLOCK) {
        await zip.data(new Uint8Array(block.buffer));
        block = new DataView(new ArrayBuffer(8 * LABEL_BLOCK));
        filled = 0;
      }
    }
    if (filled > 0) await zip.data(new Uint8Array(block.buffer, 0, 8 * filled));
    await zip.end();
    await zip.close();
  });
}

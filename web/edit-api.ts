// The calls the Edit tab makes (issue 26): a sample to start from, POST /v1/class-edits (the
// PNG as the body) and POST /v1/inpaintings (multipart image and mask). Each answers a PNG;
// an error answer's JSON message becomes the thrown error's (api.ts readJson).

import { readJson } from "./api.js";

/** An answer's PNG bytes and the headers that describe it (x-seed, x-edit-to, ...). */
export interface EditedImage {
  png: Uint8Array<ArrayBuffer>;
  headers: Headers;
}

async function readPng(res: Response): Promise<EditedImage> {
  if (!res.ok) await readJson(res);
  return { png: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

/** A sample at the model's default guidance; the unversioned URL redirects to the canonical one. */
export async function fetchSample(model: string, classSlug: string, seed: number): Promise<Uint8Array<ArrayBuffer>> {
  return (await readPng(await fetch(`/v1/samples/${model}/${classSlug}/${seed}.png`))).png;
}

export interface ClassEditRequest {
  model: string;
  /** The image's class (a slug, or "null"): F encodes it under this one. */
  from: string;
  /** The class G decodes its noise under. */
  to: string;
  guidance: number;
  sampler: "g" | "exact";
}

export async function classEdit(request: ClassEditRequest, png: Uint8Array<ArrayBuffer>): Promise<EditedImage> {
  const query = new URLSearchParams({
    model: request.model,
    class: request.from,
    to: request.to,
    guidance: String(request.guidance),
    sampler: request.sampler,
  });
  const res = await fetch(`/v1/class-edits?${query}`, {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: png,
  });
  return readPng(res);
}

export interface InpaintRequest {
  model: string;
  /** The class to fill as (a slug, or "null"). */
  cls: string;
  seed: number;
  steps: number;
  guidance: number;
}

export async function inpaint(
  request: InpaintRequest,
  image: Uint8Array<ArrayBuffer>,
  mask: Uint8Array<ArrayBuffer>,
): Promise<EditedImage> {
  const query = new URLSearchParams({
    model: request.model,
    class: request.cls,
    seed: String(request.seed),
    steps: String(request.steps),
    guidance: String(request.guidance),
  });
  const form = new FormData();
  form.append("image", new Blob([image], { type: "image/png" }), "image.png");
  form.append("mask", new Blob([mask], { type: "image/png" }), "mask.png");
  // No content-type header: the browser writes multipart/form-data with its boundary.
  return readPng(await fetch(`/v1/inpaintings?${query}`, { method: "POST", body: form }));
}

// POST /v1/class-edits (issue 26, item 1): a PNG in, the same image decoded under another
// class out. F encodes it under `class` to its noise z; G (or F's exact inverse) decodes z
// under `to`. What the noise carries (pose, shape, shading) stays; the class changes.
// Input rules as POST /v1/encode; uploads are never stored.

import type { OpenAPIHono } from "@hono/zod-openapi";
import { runDecoder } from "../decoding.js";
import { ClassEditQuerySchema } from "../edits/schemas.js";
import { rasterToTensor } from "../encode/likelihood.js";
import { ApiError } from "../errors.js";
import { classLabel, resolveClass } from "../models/classes.js";
import { encodePng } from "../png/encode.js";
import { resolveGuidance } from "../samples/params.js";
import type { Services } from "../services.js";
import { errorResponses, parseOrThrow } from "./common.js";
import { pngUploadRoute, readEncodeInput } from "./encode.js";
import { runEncoder } from "../encoding.js";

export interface ClassEdit {
  png: Uint8Array;
  version: string;
  from: string;
  to: string;
  guidance: number;
  /** g or exact: what decoded the noise. */
  sampler: string;
  /** Where it ran (engine, wasm...), as x-sampler says on samples. */
  decoder: string;
}

export async function classEdit(
  services: Services,
  rawQuery: Record<string, string | undefined>,
  contentType: string | undefined,
  body: Uint8Array,
): Promise<ClassEdit> {
  const query = parseOrThrow(ClassEditQuerySchema, rawQuery);
  const { model, classIndex, raster } = await readEncodeInput(services, query, contentType, body);
  const { manifest } = model;
  const to = resolveClass(manifest, query.to, "to");
  const guidance = resolveGuidance(manifest, query.guidance);
  const [encoded] = await runEncoder(services, model, classIndex ?? manifest.null_class, rasterToTensor(raster), 1);
  if (encoded === undefined) throw new ApiError("internal", "internal error");
  const {
    rasters: [edited],
    decoder,
  } = await runDecoder(services, {
    model,
    classInput: to ?? manifest.null_class,
    noise: encoded.z,
    count: 1,
    guidance,
    sampler: query.sampler,
  });
  if (edited === undefined) throw new ApiError("internal", "internal error");
  return {
    png: await encodePng(edited),
    version: manifest.version,
    from: classLabel(manifest, classIndex),
    to: classLabel(manifest, to),
    guidance,
    sampler: query.sampler,
    decoder,
  };
}

function classEditRoute(maxImageBytes: number) {
  return pngUploadRoute({
    path: "/v1/class-edits",
    summary: "The uploaded PNG decoded under another class: G(F(x | class) | to), or F's exact inverse under `to`",
    query: ClassEditQuerySchema,
    answer: { png: true },
    description:
      "The edited image (not stored: `Cache-Control: no-store`). `x-edit-from` / `x-edit-to`: the class slugs (`null`: unconditional); `x-model-version`; `x-guidance`; `x-edit-sampler` (g or exact) and `x-sampler` (where it ran).",
    maxImageBytes,
    more: {
      422: {
        ...errorResponses[400],
        description: "`sampler=exact` is not run here (the Worker): `sampler_not_available`.",
      },
    },
  });
}

export function registerClassEditRoutes(app: OpenAPIHono, services: Services): void {
  app.openapi(classEditRoute(services.config.maxImageBytes), async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    const edit = await classEdit(services, c.req.query(), c.req.header("content-type"), body);
    return new Response(edit.png.slice(), {
      status: 200,
      headers: {
        "content-type": "image/png",
        "cache-control": "no-store",
        "x-edit-from": edit.from,
        "x-edit-to": edit.to,
        "x-model-version": edit.version,
        "x-guidance": edit.guidance.toFixed(2),
        "x-edit-sampler": edit.sampler,
        "x-sampler": edit.decoder,
      },
    });
  });
}

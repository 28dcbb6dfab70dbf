// POST /v1/reconstruct: a PNG in, G(F(x)) out (base64 PNG) with its PSNR against the input:
// both directions of the flow in one call (issue 12); input rules as POST /v1/encode.

import type { OpenAPIHono } from "@hono/zod-openapi";
import { toBase64 } from "../bytes.js";
import { runDecoder } from "../decoding.js";
import { rasterToTensor } from "../encode/likelihood.js";
import { ApiError } from "../errors.js";
import { psnrDb } from "../images/psnr.js";
import { encodePng } from "../png/encode.js";
import { ReconstructQuerySchema, ReconstructResponseSchema, type ReconstructResponse } from "../reconstruct/schemas.js";
import type { Services } from "../services.js";
import { parseOrThrow } from "./common.js";
import { pngUploadRoute, readEncodeInput } from "./encode.js";
import { runEncoder } from "../encoding.js";

/** G is run without guidance: the reconstruction is G's conditional (or unconditional) pass, as the model card measures it. */
const RECONSTRUCT_GUIDANCE = 0;

export async function reconstructImage(
  services: Services,
  rawQuery: Record<string, string | undefined>,
  contentType: string | undefined,
  body: Uint8Array,
): Promise<ReconstructResponse> {
  const query = parseOrThrow(ReconstructQuerySchema, rawQuery);
  const { model, classIndex, raster } = await readEncodeInput(services, query, contentType, body);
  const { manifest } = model;
  const classInput = classIndex ?? manifest.null_class;
  const [encoded] = await runEncoder(services, model, classInput, rasterToTensor(raster), 1);
  if (encoded === undefined) throw new ApiError("internal", "internal error");
  const {
    rasters: [rec],
  } = await runDecoder(services, {
    model,
    classInput,
    noise: encoded.z,
    count: 1,
    guidance: RECONSTRUCT_GUIDANCE,
  });
  if (rec === undefined) throw new ApiError("internal", "internal error");
  return {
    model: manifest.id,
    version: manifest.version,
    class: classIndex,
    class_name: classIndex === null ? null : (manifest.classes[classIndex] ?? null),
    image: manifest.image,
    guidance: RECONSTRUCT_GUIDANCE,
    psnr_db: psnrDb(raster.pixels, rec.pixels),
    png_base64: toBase64(await encodePng(rec)),
  };
}

function reconstructRoute(maxImageBytes: number) {
  return pngUploadRoute({
    path: "/v1/reconstruct",
    summary: "Reconstruction G(F(x)) of a PNG (base64 PNG) and its PSNR against the input",
    query: ReconstructQuerySchema,
    answer: { json: ReconstructResponseSchema },
    description: "The reconstruction.",
    maxImageBytes,
  });
}

export function registerReconstructRoutes(app: OpenAPIHono, services: Services): void {
  app.openapi(reconstructRoute(services.config.maxImageBytes), async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    return c.json(await reconstructImage(services, c.req.query(), c.req.header("content-type"), body), 200);
  });
}

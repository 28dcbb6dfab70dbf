// POST /v1/inpaintings (issue 26, item 2): an image and a mask in (multipart fields `image`
// and `mask`, like POST /v1/interpolations), the image with its masked pixels filled out.
// The image follows /v1/encode's input rules; the mask is src/edits/mask.ts's. Kept pixels
// come back byte-identical. Uploads are never stored.

import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { inpaint } from "../edits/inpaint.js";
import { readMask } from "../edits/mask.js";
import { InpaintQuerySchema } from "../edits/schemas.js";
import { invalidParam } from "../errors.js";
import { classLabel, resolveClass } from "../models/classes.js";
import { encodePng } from "../png/encode.js";
import { pickSeed, resolveGuidance } from "../samples/params.js";
import { requireModel, type Services } from "../services.js";
import { errorResponses, limitBody, parseOrThrow } from "./common.js";
import { readPng } from "./encode.js";
import { asField, filePart, readForm, requireMultipart } from "./multipart.js";

export function registerInpaintingRoutes(app: OpenAPIHono, services: Services): void {
  // Two images and the form's framing.
  app.post("/v1/inpaintings", limitBody(2 * services.config.maxImageBytes + 16_384), async (c) => {
    const query = parseOrThrow(InpaintQuerySchema, c.req.query());
    requireMultipart(c.req.raw, "PNG fields image and mask");
    const model = requireModel(services.registry, query.model);
    const { manifest } = model;
    if (!model.hasFile("forward")) {
      throw invalidParam("model", `model ${manifest.id} has no forward.onnx, so it cannot inpaint`);
    }
    const classIndex = resolveClass(manifest, query.class);
    const guidance = resolveGuidance(manifest, query.guidance);
    const form = await readForm(c.req.raw);
    const imageBytes = await filePart(form, "image");
    const image = await asField("image", () => readPng(imageBytes, manifest));
    const fill = await readMask(await filePart(form, "mask"), manifest);
    const seed = query.seed ?? pickSeed(services.random);
    const result = await inpaint(services, {
      model,
      classInput: classIndex ?? manifest.null_class,
      image,
      fill,
      seed,
      steps: query.steps,
      guidance,
    });
    const png = await encodePng(result.raster);
    return new Response(png.slice(), {
      status: 200,
      headers: {
        "content-type": "image/png",
        "cache-control": "no-store",
        "x-model-version": manifest.version,
        "x-class": classLabel(manifest, classIndex),
        "x-seed": String(seed),
        "x-steps": String(query.steps),
        "x-guidance": guidance.toFixed(2),
        "x-sampler": result.decoder,
      },
    });
  });

  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/inpaintings",
    tags: ["encode"],
    summary: "The masked pixels of an uploaded PNG filled by F and G (multipart fields image, mask)",
    request: {
      query: InpaintQuerySchema,
      body: {
        required: true,
        content: {
          "multipart/form-data": {
            schema: z.object({
              image: z.string().openapi({ format: "binary", description: "A PNG under POST /v1/encode's rules." }),
              mask: z.string().openapi({
                format: "binary",
                description: "An 8-bit greyscale PNG of the image's size: 0 keep, 255 fill, nothing else.",
              }),
            }),
          },
        },
      },
    },
    responses: {
      200: {
        description:
          "The inpainted image (not stored: `Cache-Control: no-store`); kept pixels are the input's bytes. `x-class` (slug, `null`: unconditional), `x-seed`, `x-steps`, `x-guidance`, `x-model-version`, `x-sampler` (where G ran).",
        content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
      },
      ...errorResponses,
    },
  });
}

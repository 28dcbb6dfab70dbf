// The multipart bodies of the upload routes (POST /v1/interpolations, POST /v1/inpaintings):
// the Content-Type checked, the form parsed, and each file field read as bytes, every failure
// a 4xx that names the field.

import { ApiError, invalidParam } from "../errors.js";

/** A 415 unless the body is multipart; `fields` names what the route expects. */
export function requireMultipart(request: Request, fields: string): void {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) {
    throw new ApiError("unsupported_media_type", `Content-Type must be multipart/form-data with ${fields}`);
  }
}

/** The parsed form (after requireMultipart and the cheaper checks of the query). */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    throw invalidParam("body", "body is not valid multipart/form-data");
  }
}

/** The bytes of file field `field`, or a 400 naming it. */
export async function filePart(form: FormData, field: string): Promise<Uint8Array> {
  // Typed as unknown: the Workers and DOM typings of FormData.get differ.
  const part: unknown = form.get(field);
  if (!(part instanceof Blob)) throw invalidParam(field, `field ${field} must be a PNG file`);
  return new Uint8Array(await part.arrayBuffer());
}

/** Runs `read` on a field's bytes; a complaint about the body becomes one about the field. */
export async function asField<T>(field: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ApiError && err.param === "body") throw invalidParam(field, err.message);
    throw err;
  }
}

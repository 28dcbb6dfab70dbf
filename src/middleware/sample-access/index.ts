// Who may make the service compute a sample, decided per request: a valid URL signature
// when URL_SIGNING_KEY is set, then the image quota; with URL_SIGNING_MODE=strict, who may
// get any image answer at all; and the signed URLs handed out.

import type { Context } from "hono";
import type { Clock } from "../../clock.js";
import { ApiError } from "../../errors.js";
import type { AccessConfig } from "../access-config.js";
import { cacheControlUntil } from "../../samples/http.js";
import "../context.js";
import { imageCharge, type Limiters } from "../rate-limit/index.js";
import {
  importUrlSigningKey,
  requestPathAndQuery,
  signPath,
  verifyPath,
  type SignatureCheck,
} from "../signed-url/index.js";

/** Called before a computation with the number of images it would compute; throws to refuse. */
export type Admit = (images: number) => Promise<void>;

const REFUSED: Record<Exclude<SignatureCheck, { ok: true }>["reason"], string> = {
  missing: "this sample is not stored yet and the URL is not signed: only signed sample URLs compute",
  malformed: "the URL's sig or exp parameter is malformed",
  mismatch: "the URL's signature does not match it",
  expired: "the signed URL has expired",
};

const STRICT_REFUSED: typeof REFUSED = {
  ...REFUSED,
  missing: "the URL is not signed: URL_SIGNING_MODE=strict serves signed image URLs only",
};

export class SampleAccess {
  private readonly key: Promise<CryptoKey> | undefined;
  /** URL_SIGNING_MODE=strict: every image answer needs a valid signature (the reader ensures a key). */
  readonly strict: boolean;

  constructor(
    config: AccessConfig,
    private readonly limiters: Limiters,
    private readonly clock: Clock,
    /** Who quotas count against (see app.ts). */
    readonly clientKey: (c: Context) => string,
  ) {
    this.key = config.urlSigningKey === undefined ? undefined : importUrlSigningKey(config.urlSigningKey);
    this.strict = config.urlSigningMode === "strict" && this.key !== undefined;
  }

  get signing(): boolean {
    return this.key !== undefined;
  }

  /** The signature check of this request's URL; undefined when URLs are not signed here. */
  async checkUrl(c: Context): Promise<SignatureCheck | undefined> {
    if (this.key === undefined) return undefined;
    return verifyPath(await this.key, requestPathAndQuery(c.req.url), this.clock.now());
  }

  /**
   * In strict mode, the first thing an image URL does: 403 unless its signature is valid,
   * before any cache, store or ETag is looked at. Returns the valid check (its expiry bounds
   * the answer's Cache-Control); undefined outside strict mode.
   */
  async strictCheck(c: Context): Promise<(SignatureCheck & { ok: true }) | undefined> {
    if (!this.strict) return undefined;
    const check = await this.checkUrl(c);
    if (check?.ok === true) return check;
    throw new ApiError("forbidden", STRICT_REFUSED[check?.reason ?? "missing"], { param: "sig" });
  }

  /** `cacheControl` cut so that no cache keeps an answer to a strictly checked URL past its `exp`. */
  cacheControlFor(cacheControl: string, strict: (SignatureCheck & { ok: true }) | undefined): string {
    return cacheControlUntil(cacheControl, strict?.expiresAt, this.clock.now());
  }

  /**
   * The admission of a computation: refused with 403 when the URL had to be signed and was
   * not validly (stored samples are still served: only computing asks), else charged to
   * the client's image quota.
   */
  admit(c: Context, signature: SignatureCheck | undefined): Admit {
    const { images } = this.limiters;
    const charge = images === undefined ? undefined : imageCharge(images, c, this.clientKey(c));
    return async (count) => {
      if (signature !== undefined && !signature.ok) {
        throw new ApiError("forbidden", REFUSED[signature.reason], { param: "sig" });
      }
      if (charge !== undefined) await charge(count);
    };
  }

  /** `pathAndQuery` as handed out: signed (with `exp` if given) while URL_SIGNING_KEY is set. */
  async handOut(pathAndQuery: string, expiresAt?: number): Promise<string> {
    if (this.key === undefined) return pathAndQuery;
    return signPath(await this.key, pathAndQuery, expiresAt);
  }
}

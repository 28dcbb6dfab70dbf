// PartBuffer's exact mode (R2 multipart: every part but the last the same size) and its
// default (S3: parts of at least the size), on writes that straddle part boundaries.

import { describe, expect, it } from "vitest";
import { PartBuffer } from "../../../src/jobs/upload.js";

async function parts(exact: boolean, writes: number[], partBytes = 4): Promise<{ sizes: number[]; bytes: number[] }> {
  const out: Uint8Array[] = [];
  const buffer = new PartBuffer(partBytes, (p) => Promise.resolve(void out.push(p)), exact);
  let next = 0;
  for (const n of writes) await buffer.write(Uint8Array.from({ length: n }, () => next++));
  await buffer.flush();
  return { sizes: out.map((p) => p.length), bytes: out.flatMap((p) => [...p]) };
}

describe("PartBuffer", () => {
  it("exact: cuts parts of exactly partBytes, in order, the rest last", async () => {
    const got = await parts(true, [3, 7, 2, 1, 9]);
    expect(got.sizes).toEqual([4, 4, 4, 4, 4, 2]);
    expect(got.bytes).toEqual(Array.from({ length: 22 }, (_, i) => i));
  });

  it("default: hands on whatever has gathered once it reaches partBytes", async () => {
    const got = await parts(false, [3, 7, 2, 1, 9]);
    expect(got.sizes).toEqual([10, 12]);
    expect(got.bytes).toEqual(Array.from({ length: 22 }, (_, i) => i));
  });
});

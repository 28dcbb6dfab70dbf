// The reverse model's feeds, shared by the server's WASM sampler and the browser page:
// noise per seed in row-major order, one class and guidance value per sample.

import { describe, expect, it } from "vitest";
import { reverseInputs } from "../../src/models/reverse-inputs.js";
import { standardNormal } from "../../src/noise/gaussian.js";

describe("reverseInputs", () => {
  it("fills sample i with the noise of seeds[i], whatever its position", () => {
    const shape = { channels: 3, height: 2, width: 3 };
    const inputs = reverseInputs(shape, [9, 4294967295, 0], 2, 1.5);
    expect(inputs.dims).toEqual([3, 3, 2, 3]);
    expect(inputs.z.subarray(0, 18)).toEqual(standardNormal(9, 18));
    expect(inputs.z.subarray(18, 36)).toEqual(standardNormal(4294967295, 18));
    expect(inputs.z.subarray(36)).toEqual(standardNormal(0, 18));
    expect([...inputs.classes]).toEqual([2n, 2n, 2n]);
    expect([...inputs.guidance]).toEqual([1.5, 1.5, 1.5]);
  });

  it("takes a class and a guidance per image, as a dynamic batch mixing requests needs", () => {
    const shape = { channels: 1, height: 2, width: 2 };
    const inputs = reverseInputs(shape, [5, 6], [3, 10], [0, 2.5]);
    expect(inputs.z.subarray(4)).toEqual(standardNormal(6, 4));
    expect([...inputs.classes]).toEqual([3n, 10n]);
    expect([...inputs.guidance]).toEqual([0, 2.5]);
    expect(() => reverseInputs(shape, [5, 6], [3], 1)).toThrow(/1 values for 2 images/);
  });
});

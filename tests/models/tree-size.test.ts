// A CUDA machine gets this working tree (at most 64 MiB) and nothing else: the tracked files
// plus the Fashion-MNIST train files that models/train/gpu-train.sh reads must fit in it.

import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

const LIMIT_BYTES = 64 * 2 ** 20;
// Debian's dataset-fashion-mnist (the release's data; CI installs it).
const DATA_DIR = "/usr/share/datasets/fashion-mnist";
const TRAIN_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"];

describe("working tree for a training machine", () => {
  it("tracked files plus the train data fit in 64 MiB", () => {
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
      .split("\0").filter(Boolean);
    let tracked = 0;
    for (const f of files) {
      // A tracked file deleted in the working tree is not part of what travels.
      tracked += statSync(path.join(ROOT, f), { throwIfNoEntry: false })?.size ?? 0;
    }
    const data = TRAIN_FILES.reduce((sum, f) => sum + statSync(path.join(DATA_DIR, f)).size, 0);
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    expect(tracked + data, `tracked ${mib(tracked)} MiB + data ${mib(data)} MiB`).toBeLessThanOrEqual(LIMIT_BYTES);
  });
});

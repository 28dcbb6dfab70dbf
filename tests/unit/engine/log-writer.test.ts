// engine/log-writer.ts: lines leave in order, in one write per event-loop turn (or sooner
// past the byte threshold), and a process that exits (process.exit included) loses none:
// checked on a real child process's stdout pipe.

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { batchedLineWriter } from "../../../engine/log-writer.js";
import { ROOT } from "../../helpers/fixtures.js";

function recordingSink() {
  const writes: string[] = [];
  return { writes, sink: { write: (chunk: string) => writes.push(chunk) } };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("batchedLineWriter", () => {
  it("writes one turn's lines in one write, in order, each ending in a newline", async () => {
    const { writes, sink } = recordingSink();
    const writer = batchedLineWriter(sink);
    writer.write("a");
    writer.write("b");
    writer.write("c");
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(["a\nb\nc\n"]);
    writer.write("d");
    await nextTurn();
    expect(writes).toEqual(["a\nb\nc\n", "d\n"]);
  });

  it("writes at once when the queued lines pass the threshold, so memory stays bounded", () => {
    const { writes, sink } = recordingSink();
    const writer = batchedLineWriter(sink, 10);
    writer.write("12345");
    expect(writes).toEqual([]);
    writer.write("67890");
    expect(writes).toEqual(["12345\n67890\n"]);
    writer.flush();
    expect(writes).toHaveLength(1);
  });

  it("a process that logs and exits at once loses no line", () => {
    const script = [
      'import { stdoutLineWriter } from "./engine/log-writer.ts";',
      "const log = stdoutLineWriter();",
      "for (let i = 0; i < 1000; i++) log.write(JSON.stringify({ i }));",
      'log.write("last");',
      "process.exit(3);",
    ].join("\n");
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(child.status).toBe(3);
    const lines = child.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toBe('{"i":999}');
    expect(lines[1000]).toBe("last");
  });
});

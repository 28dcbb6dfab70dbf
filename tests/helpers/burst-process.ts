// A burst of uncached sample requests from its own process (node --import tsx
// tests/helpers/burst-process.ts BASE PATH_TEMPLATE CLIENTS DURATION_MS START_AT FIRST_SEED): from the
// wall-clock time START_AT (ms since the epoch, shared with the probe process), CLIENTS
// closed-loop clients on keep-alive sockets, each asking for a fresh seed (SEED in the
// template, counting up from FIRST_SEED) as soon as its last answer came. Prints "bursting", then one JSON line: every answer's status and
// whether a 503 carried Retry-After. Its own process, so the test can run it the way remote
// clients would load a router: without taking the router's CPU first (see overload.test.ts).

import { Agent, get } from "node:http";
import { untilTime } from "./start-at.js";

const [base = "", template = "", clientsText = "0", durationText = "0", startAtText = "0", firstSeedText = "0"] =
  process.argv.slice(2);
const clients = Number(clientsText);
const agent = new Agent({ keepAlive: true, maxSockets: clients });

interface Answer {
  status: number;
  retryAfter: boolean;
}

function ask(url: string): Promise<Answer> {
  return new Promise((resolve) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] !== undefined }),
      );
    }).on("error", () => resolve({ status: 0, retryAfter: false }));
  });
}

async function main(): Promise<void> {
  process.stdout.write("bursting\n");
  await untilTime(Number(startAtText));
  const answers: Answer[] = [];
  const end = performance.now() + Number(durationText);
  let seed = Number(firstSeedText);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) answers.push(await ask(base + template.replace("SEED", String(seed++))));
    }),
  );
  agent.destroy();
  process.stdout.write(`${JSON.stringify(answers)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

// P5 of `npm run bench` on its own: the cached canonical hit through the router on `npm start`
// defaults and on the public-deployment settings against bare Hono (cached-hit-load.ts),
// printed as JSON. BENCH_SECONDS per run (default 3), BENCH_REPEATS rounds (default 5).
//
//   node --import tsx scripts/bench/p5.ts

import { cachedHitLoad, HIT_CONNECTIONS, MIN_HIT_ROUNDS } from "./cached-hit-load.js";

const seconds = Number(process.env.BENCH_SECONDS ?? "3");
const rounds = Number(process.env.BENCH_REPEATS ?? "5");
const model = process.env.BENCH_MODEL ?? "fmnist-biflow-s";
const result = await cachedHitLoad(model, HIT_CONNECTIONS, seconds, Math.max(MIN_HIT_ROUNDS, rounds));
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

"""G's training throughput, side by side in one process: F's trajectory recomputed every
step (how 1.1.0 trained) against trajectories read from a precomputed draw, at a few batch
sizes. Variants are interleaved round by round so machine noise hits them alike; the
figure is the median images/s over rounds. The one-off cost of a draw is reported apart.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/bench_train.py --threads 1
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import checkpoint, config, data  # noqa: E402
from biflow.reverse_model import ReverseModel  # noqa: E402
from biflow.trajectories import TrajectoryCache  # noqa: E402
import train  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--run-dir", default=train.default_run_dir(config.get("s")))
    p.add_argument("--batches", type=int, nargs="+", default=[64, 128])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=3, help="steps per variant per round")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--set", nargs="*", help="G config overrides, as for train.py")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    flow, _ = train.load_forward(None, args.run_dir, "cpu")
    gstate = checkpoint.load(os.path.join(args.run_dir, "reverse.pt"))
    cfg = config.from_dict({**gstate["config"], **train.parse_overrides(args.set)})
    scales, weights = gstate["extra"]["scales"], train.alignment_weights(cfg)
    x, y = data.load("fit")
    n = 2048
    cache = TrajectoryCache(flow, x[:n], y[:n], 1, cfg.label_drop)
    t0 = time.time()
    cache.get(torch.arange(1), 0)
    draw_images_per_second = n / (time.time() - t0)
    model = ReverseModel(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    gen = torch.Generator().manual_seed(0)

    def step(batch, cached):
        idx = torch.randint(0, n, (batch,), generator=gen)
        xb, yb = x[idx], y[idx]
        if cached:
            states, yb = cache.get(idx, 0)
        else:
            states, yb = train.fresh_trajectory(flow, xb, yb)
        losses = train.reverse_losses(model, flow, cfg, scales, weights, xb, yb, states)
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        opt.step()

    variants = [(b, c) for b in args.batches for c in (False, True)]
    rates = {v: [] for v in variants}
    for v in variants:
        step(*v)  # warm-up
    for _ in range(args.rounds):
        for batch, cached in variants:
            t0 = time.time()
            for _ in range(args.steps):
                step(batch, cached)
            rates[(batch, cached)].append(batch * args.steps / (time.time() - t0))
    result = {"threads": args.threads, "rounds": args.rounds,
              "trajectory_draw_images_per_second": round(draw_images_per_second, 1),
              "images_per_second": {
                  f"batch{b}_{'cached' if c else 'recomputed'}": round(statistics.median(r), 1)
                  for (b, c), r in rates.items()}}
    base = result["images_per_second"][f"batch{args.batches[0]}_recomputed"]
    result["gain_vs_batch%d_recomputed" % args.batches[0]] = {
        k: round(v / base, 2) for k, v in result["images_per_second"].items()}
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()

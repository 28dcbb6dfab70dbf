"""Every headline figure from two judges of different architecture, on the test split.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/second_judge.py --config s \\
      --model-dir models/fmnist-biflow-s --out models/train/checkpoints/s/metrics.json

The first judge (classifier.py) is an MLP; the second (biflow/judge_cnn.py) a CNN trained
on `fit`, built unlike the perceptual network G trains against. Rows, each N images scored
against the other half of the test split (images 5,000-9,999): real test images (0-N), G
redrawing those images from F's own latents (G(F(x~)), w = 0), G's samples at the default
guidance and F's exact inverse on the same noise. The result goes under `second_judge` in
--out and in the manifest (card.py renders it).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import classifier, config, data, judge_cnn  # noqa: E402
import evaluate  # noqa: E402
import export  # noqa: E402
import train  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
HALF = 5000  # test images 0..N-1 are rows' sources; HALF.. the reference


@torch.no_grad()
def redraw(f, g, x, y):
    """G(F(x~)) at w = 0, x~ = x + sigma * noise (the input F was trained on)."""
    torch.manual_seed(1)
    noisy = x + f.cfg.noise_sigma * torch.randn_like(x)

    def one(a, b):
        z, _ = f(noisy[a:b], y[a:b])
        return g(z, y[a:b], torch.zeros(b - a))

    imgs = torch.cat(evaluate.batched(one, x.shape[0], 500, "G redraw"))
    return ((imgs + 1) * 127.5).round().clamp(0, 255) / 127.5 - 1.0


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="s", choices=sorted(config.CONFIGS))
    p.add_argument("--run-dir", default=None)
    p.add_argument("--model-dir", required=True)
    p.add_argument("--samples", type=int, default=2000, help="images per row (at most 5,000)")
    p.add_argument("--guidance", type=float, default=None, help="default: the manifest's")
    p.add_argument("--out", default=None)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    n = min(args.samples, HALF)
    run_dir = args.run_dir or train.default_run_dir(config.get(args.config))
    manifest_path = os.path.join(args.model_dir, "manifest.json")
    manifest = json.load(open(manifest_path))
    w = args.guidance if args.guidance is not None else manifest["guidance"]["default"]
    f, g, _, _ = export.load_models(run_dir)

    judges = {"mlp": classifier.train_or_load(os.path.join(HERE, "checkpoints", "classifier.pt"),
                                              *data.load("train")),
              "cnn": judge_cnn.train_or_load(judge_cnn.default_path(HERE), *data.load("fit"))}
    test_x, test_y = data.load("test")
    src_x, src_y = test_x[:n], test_y[:n]
    refs = {k: evaluate.Reference(j, test_x[HALF:], test_y[HALF:], pr_images=n)
            for k, j in judges.items()}

    exact_imgs, exact_labels, _, _ = evaluate.sample_exact(
        f, n, w, cache_dir=os.path.join(run_dir, "samples"))
    g_imgs, g_labels = evaluate.sample_g(g, n, w)
    rows = {
        "real": (src_x, src_y),
        "redraw": (redraw(f, g, src_x, src_y), src_y),
        "g": (g_imgs, g_labels),
        "exact": (exact_imgs, exact_labels),
    }
    scored = {name: {k: evaluate.score_samples(judges[k], imgs, labels, refs[k]) for k in judges}
              for name, (imgs, labels) in rows.items()}
    accuracy = {k: round(float((classifier.predict(j, test_x[HALF:])[0].argmax(1)
                                == test_y[HALF:]).float().mean()), 4) for k, j in judges.items()}
    result = {"images_per_row": n, "guidance": w,
              "reference": f"test images {HALF:,}-{test_x.shape[0] - 1:,}",
              "judges": {"mlp": {"architecture": "MLP 784-1024-256-10, trained on train",
                                 "reference_accuracy": accuracy["mlp"]},
                         "cnn": {"architecture": judge_cnn.ARCHITECTURE,
                                 "reference_accuracy": accuracy["cnn"]}},
              "rows": scored,
              "g_step": int(torch.load(os.path.join(run_dir, "reverse.pt"), map_location="cpu")["step"])}
    if args.out:
        old = json.load(open(args.out)) if os.path.exists(args.out) else {}
        with open(args.out, "w") as fh:
            json.dump({**old, "second_judge": result}, fh, indent=2)
    manifest.setdefault("metrics", {})["second_judge"] = result
    with open(manifest_path, "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

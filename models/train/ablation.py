"""The paper's ablation on our data: hidden alignment, learned denoising and norm control
switched off one at a time, every row with the same training budget.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/ablation.py --f-steps 800 --g-steps 600

Rows share one F where their F is the same (only G's flags differ); the norm-control row
trains its own F for the same time. Writes checkpoints/ablation/ablation.json and
models/train/ablation.md (which card.py puts into the model card).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import classifier, data  # noqa: E402
import evaluate  # noqa: E402
import export  # noqa: E402
import train  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = [
    ("BiFlow (alignment + denoising + norm control)", "clip", []),
    ("no hidden alignment (naive distillation)", "clip", ["use_align=false"]),
    ("no learned denoising", "clip", ["use_denoise=false"]),
    ("no norm control (F unclipped)", "noclip", []),
]


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="xs")
    # Budgets in steps, not minutes: on a shared machine minutes buy unequal work.
    p.add_argument("--f-steps", type=int, default=800)
    p.add_argument("--g-steps", type=int, default=600)
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--guidance", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=0, help="torch threads (1 on a busy machine)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    root = os.path.join(HERE, "checkpoints", "ablation")
    common = ["--config", args.config, "--warmup", "100", "--threads", str(args.threads)]
    for f_name, f_flags in (("clip", []), ("noclip", ["use_clip=false"])):
        run_dir = os.path.join(root, f"F-{f_name}")
        if not os.path.exists(os.path.join(run_dir, "forward.pt")):
            train.main(["forward", *common, "--steps", str(args.f_steps), "--minutes", "600", "--run-dir", run_dir,
                        *(["--set", *f_flags] if f_flags else [])])
    test_x, test_y = data.load("test")
    train_x, train_y = data.load("train")
    judge = classifier.train_or_load(os.path.join(HERE, "checkpoints", "classifier.pt"),
                                     train_x, train_y)
    _, test_feats = classifier.predict(judge, test_x)
    results = []
    for i, (label, f_name, g_flags) in enumerate(ROWS):
        run_dir = os.path.join(root, f"row{i}")
        os.makedirs(run_dir, exist_ok=True)
        src = os.path.join(root, f"F-{f_name}", "forward.pt")
        dst = os.path.join(run_dir, "forward.pt")
        if not os.path.exists(dst):
            os.symlink(src, dst)
        if not os.path.exists(os.path.join(run_dir, "reverse.pt")):
            train.main(["reverse", *common, "--steps", str(args.g_steps), "--minutes", "600", "--run-dir", run_dir,
                        *(["--set", *g_flags] if g_flags else [])])
        f, g, _, _ = export.load_models(run_dir)
        n = args.samples
        psnr = evaluate.reconstruction_psnr(f, g, test_x[:n], test_y[:n], f.cfg.noise_sigma)
        row = {"row": label, "reconstruction_psnr_db": psnr}
        for w in (0.0, args.guidance):
            imgs, labels = evaluate.sample_g(g, n, w)
            row[f"w={w}"] = evaluate.score_samples(judge, imgs, labels, test_feats)
        results.append(row)
        print(json.dumps(row), flush=True)
    with open(os.path.join(root, "ablation.json"), "w") as fh:
        json.dump({"config": args.config, "f_steps": args.f_steps,
                   "g_steps": args.g_steps, "samples": args.samples, "rows": results}, fh, indent=2)
    w = args.guidance
    lines = [f"Config `{args.config}` (a smaller F and G than the shipped model), F trained "
             f"{args.f_steps} steps and G {args.g_steps} steps (batch 64) per row; "
             f"{args.samples} samples and test images per metric.", "",
             f"| row | PSNR (dB) | acc. w=0 | FLD w=0 | acc. w={w} | FLD w={w} |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        a, b = r["w=0.0"], r[f"w={w}"]
        lines.append(f"| {r['row']} | {r['reconstruction_psnr_db']} | {a['class_accuracy']} | "
                     f"{a['fld']} | {b['class_accuracy']} | {b['fld']} |")
    with open(os.path.join(HERE, "ablation.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

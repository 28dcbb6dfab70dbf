"""Scores a G checkpoint on the validation split only: the yardstick for same-budget
experiments (never the test split, which is reported once per release).

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/validate.py --run-dir RUN \\
      --images 1000 --samples 2000 --guidance 0.5 1.0

Prints one JSON line: reconstruction PSNR of G(F(x~)) against the clean x, and class
accuracy, FLD, within-class diversity, precision and recall of G's samples per guidance,
by the MLP judge and by the second judge (biflow/judge_cnn.py) under `second_judge`.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import classifier, data, judge_cnn  # noqa: E402
import evaluate  # noqa: E402
import export  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--run-dir", required=True)
    p.add_argument("--images", type=int, default=1000, help="validation images for PSNR")
    p.add_argument("--samples", type=int, default=2000, help="G samples per guidance")
    p.add_argument("--guidance", type=float, nargs="+", default=[0.5, 1.0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--label", default="")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    f, g, _, gs = export.load_models(args.run_dir)
    judge = classifier.train_or_load(os.path.join(HERE, "checkpoints", "classifier.pt"),
                                     *data.load("train"))
    judge2 = None
    if os.path.exists(judge_cnn.default_path(HERE)):
        judge2 = judge_cnn.train_or_load(judge_cnn.default_path(HERE), None, None)
    else:  # trained by second_judge.py; never here, where parallel runs would race to train it
        print(f"no {judge_cnn.default_path(HERE)}: scoring without the second judge", file=sys.stderr)
    val_x, val_y = data.load("val")
    ref = evaluate.Reference(judge, val_x, val_y, pr_images=args.samples)
    ref2 = evaluate.Reference(judge2, val_x, val_y, pr_images=args.samples) if judge2 is not None else None
    n = args.images
    out = {"label": args.label, "step": gs["step"],
           "val_psnr_db": evaluate.reconstruction_psnr(f, g, val_x[:n], val_y[:n],
                                                       f.cfg.noise_sigma)}
    for w in args.guidance:
        imgs, labels = evaluate.sample_g(g, args.samples, w)
        out[f"w{w}"] = evaluate.score_samples(judge, imgs, labels, ref)
        # The second judge (a CNN): the same samples, so that no choice rests on one network.
        if judge2 is not None:
            out[f"w{w}"]["second_judge"] = evaluate.score_samples(judge2, imgs, labels, ref2)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

"""Score uint8 sample files (scripts/sampler-report.ts) with the model evaluation's figures.

  OPENBLAS_NUM_THREADS=1 nice /usr/bin/python3 models/train/score_samples.py \
      --split val --out artifacts/samplers/scores-val.json artifacts/samplers/*.u8

Sample i of a file has class i mod 10 (as sampler-report.ts writes them). Each file gets
class accuracy, FLD, within-class diversity and precision/recall against the chosen split's
real images, exactly as evaluate.py scores G and the exact inverse (score_samples there).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import classifier, data  # noqa: E402
from evaluate import HERE, Reference, class_labels, score_samples  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="+")
    p.add_argument("--split", default="val", choices=["val", "test"])
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    train_x, train_y = data.load("train")
    judge = classifier.train_or_load(os.path.join(HERE, "checkpoints", "classifier.pt"), train_x, train_y)
    x, y = data.load(args.split)
    ref = Reference(judge, x, y, pr_images=1000)
    scores = {}
    for path in args.files:
        raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 1, 28, 28)
        imgs = torch.from_numpy(raw.astype(np.float32)) / 127.5 - 1.0
        labels = class_labels(imgs.shape[0], 10)
        name = os.path.basename(path)[:-3]
        scores[name] = {"samples": imgs.shape[0], **score_samples(judge, imgs, labels, ref)}
        print(name, json.dumps(scores[name]), flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"split": args.split, "scores": scores}, fh, indent=2)


if __name__ == "__main__":
    main()

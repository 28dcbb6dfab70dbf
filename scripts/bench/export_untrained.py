#!/usr/bin/python3
"""Exports an UNTRAINED reverse model G of a training config (default `s`, the shipped
architecture) as a model folder, for benchmarking before the trained model exists.

Its weights are a seeded random initialisation: throughput is the same as the trained
network's (same graph, same shapes), the images are noise. It reuses the training code
(models/train/biflow) and export.py's ONNX export, so the graph is exactly what ships.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/bench/export_untrained.py --out DIR
"""
import argparse
import json
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "models", "train"))
from biflow import config, onnx_wrappers  # noqa: E402
from biflow.reverse_model import ReverseModel  # noqa: E402
from export import export, io_spec, sha256  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="s", choices=sorted(config.CONFIGS))
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    cfg = config.get(args.config)
    torch.manual_seed(args.seed)
    g = ReverseModel(cfg).eval()
    model_id = f"untrained-biflow-{cfg.name}"
    folder = os.path.join(args.out, model_id)
    os.makedirs(folder, exist_ok=True)
    c, h, w = cfg.channels, cfg.height, cfg.width
    z = torch.randn(3, c, h, w)
    klass = torch.tensor([0, cfg.num_classes - 1, cfg.num_classes])
    guidance = torch.tensor([0.0, 1.0, 2.5])
    path = os.path.join(folder, "reverse.onnx")
    export(onnx_wrappers.Reverse(g).eval(), (z, klass, guidance), path, ["z", "class", "guidance"], ["image"],
           {"z": {0: "batch"}, "class": {0: "batch"}, "guidance": {0: "batch"}, "image": {0: "batch"}})
    shape = ["batch", c, h, w]
    manifest = {
        "schema": 1,
        "id": model_id,
        "version": f"untrained-seed{args.seed}",
        "description": f"UNTRAINED reverse model of config {cfg.name} (random weights) for benchmarks only.",
        "image": {"channels": c, "height": h, "width": w},
        "classes": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"][:cfg.num_classes],
        "null_class": cfg.num_classes,
        "guidance": {"min": 0, "max": cfg.guidance_max, "default": 1},
        "placements": ["gpu"],
        "files": {"reverse": {"path": "reverse.onnx", "sha256": sha256(path), "bytes": os.path.getsize(path),
                              "inputs": [io_spec("z", "float32", shape), io_spec("class", "int64", ["batch"]),
                                         io_spec("guidance", "float32", ["batch"])],
                              "outputs": [io_spec("image", "float32", shape)]}},
        "parameters": {"reverse": sum(p.numel() for p in g.parameters())},
        "training": {"untrained": True, "config": cfg.to_dict()},
        "metrics": {},
    }
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(json.dumps({"dir": folder, "parameters": manifest["parameters"]["reverse"]}))


if __name__ == "__main__":
    main()

"""Fashion-MNIST from Debian's `dataset-fashion-mnist` files (IDX format, gzip).

Pixels are scaled to [-1, 1] exactly as the service maps them back (v+1)*127.5.
"""
import gzip
import os

import numpy as np
import torch

DEFAULT_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


# The validation split is carved out of the train split: its last 5,000 images. From
# fmnist-biflow-s 1.2 on, F and G train on `fit` only and every setting (guidance, loss
# weights, schedules) is chosen on `val`; `test` is reported once, as the final figure.
VAL_IMAGES = 5000
SPLITS = ("train", "fit", "val", "test")


def load(split, data_dir=DEFAULT_DIR):
    """Returns (images float32 [N,1,28,28] in [-1,1], labels int64 [N]).

    `train` is the whole train file (60,000), `fit` its first 55,000 and `val` its last
    5,000; `test` is the test file (10,000).
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; one of {SPLITS}")
    if split in ("fit", "val"):
        x, y = load("train", data_dir)
        cut = x.shape[0] - VAL_IMAGES
        return (x[:cut], y[:cut]) if split == "fit" else (x[cut:], y[cut:])
    prefix = {"train": "train", "test": "t10k"}[split]
    images = _read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y

"""Class edits scored by the judge: F encodes real images under their own class, G decodes each
noise under every class, and the judge (biflow/classifier.py, an MLP trained on the train split)
says whether the edit is the target class. What POST /v1/class-edits does, in PyTorch on the
released checkpoints, so the figures describe the served model (docs/edits.md).

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/edit_eval.py --split test \\
      --per-class 100 --guidance 0.5 --out docs/edits/class-edits.json --figure docs/edits/class-edits.png

Prints and writes one JSON object: the success over the 90 ordered pairs (source != target),
the 10 x 10 success matrix, and the identity edit's accuracy (the diagonal: G's reconstruction
judged as its own class). The figure: one test image per class (rows), then its edit under each
class (columns), 28-pixel tiles with 1-pixel gutters.
"""
import argparse
import json
import os
import struct
import sys
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import classifier, data  # noqa: E402
import export  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = 10


def per_class(x, y, n):
    """The first n images of each class, class by class."""
    idx = torch.cat([torch.nonzero(y == c).flatten()[:n] for c in range(CLASSES)])
    return x[idx], y[idx]


@torch.no_grad()
def encode(f, x, y, batch=500):
    return torch.cat([f(x[i:i + batch], y[i:i + batch])[0] for i in range(0, x.shape[0], batch)])


@torch.no_grad()
def decode(g, z, to, w, batch=500):
    out = []
    for i in range(0, z.shape[0], batch):
        zb = z[i:i + batch]
        out.append(g(zb, torch.full((zb.shape[0],), to, dtype=torch.long), torch.full((zb.shape[0],), w)))
    return torch.cat(out)


def to_bytes(img):
    """[-1,1] -> 0..255 as the service maps pixels (round((v + 1) * 127.5), clamped)."""
    return torch.clamp(torch.round((img + 1) * 127.5), 0, 255).to(torch.uint8)


def write_grey_png(path, pixels):
    """A greyscale 8-bit PNG from a [H, W] uint8 tensor (zlib and struct, no imaging library)."""
    h, w = pixels.shape
    raw = b"".join(b"\x00" + bytes(pixels[r].tolist()) for r in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(png)


def figure(rows):
    """rows: list of lists of [28, 28] uint8 tiles -> one image with 1-pixel black gutters."""
    n_rows, n_cols = len(rows), len(rows[0])
    out = torch.zeros((1 + 29 * n_rows, 1 + 29 * n_cols), dtype=torch.uint8)
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            out[1 + 29 * r:29 * (r + 1), 1 + 29 * c:29 * (c + 1)] = tile
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run-dir", default=os.path.join(HERE, "checkpoints", "s"))
    p.add_argument("--split", default="val", choices=["val", "test"])
    p.add_argument("--per-class", type=int, default=100)
    p.add_argument("--guidance", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=None)
    p.add_argument("--figure", default=None)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    f, g, _, gs = export.load_models(args.run_dir)
    judge = classifier.train_or_load(os.path.join(HERE, "checkpoints", "classifier.pt"), *data.load("train"))
    x, y = per_class(*data.load(args.split), args.per_class)
    z = encode(f, x, y)
    success = torch.zeros(CLASSES, CLASSES)
    edits = []
    for to in range(CLASSES):
        imgs = decode(g, z, to, args.guidance)
        # Judged on the 8-bit image the service would answer, not on G's floats.
        served = to_bytes(imgs).float() / 127.5 - 1
        pred = classifier.predict(judge, served)[0].argmax(1)
        for c in range(CLASSES):
            success[c, to] = (pred[y == c] == to).float().mean()
        edits.append(to_bytes(imgs))
    off = ~torch.eye(CLASSES, dtype=torch.bool)
    out = {
        "split": args.split,
        "g_step": int(gs["step"]),
        "images_per_class": args.per_class,
        "guidance": args.guidance,
        "class_edit_success": round(float(success[off].mean()), 4),
        "identity_edit_accuracy": round(float(success.diag().mean()), 4),
        "worst_pairs": sorted(
            ({"from": c, "to": t, "success": round(float(success[c, t]), 3)}
             for c in range(CLASSES) for t in range(CLASSES) if c != t),
            key=lambda e: e["success"])[:5],
        "success_matrix": [[round(float(v), 3) for v in row] for row in success],
    }
    print(json.dumps({k: v for k, v in out.items() if k != "success_matrix"}), flush=True)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(out, fh, indent=2)
            fh.write("\n")
    if args.figure:
        first = [int(torch.nonzero(y == c).flatten()[0]) for c in range(CLASSES)]
        rows = [[to_bytes(x[i])[0]] + [edits[t][i][0] for t in range(CLASSES)] for i in first]
        write_grey_png(args.figure, figure(rows))


if __name__ == "__main__":
    main()

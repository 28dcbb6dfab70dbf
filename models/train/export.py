"""Export trained F and G to ONNX (opset 17, dynamic batch) and write manifest.json.

  /usr/bin/python3 models/train/export.py --config s --out models/fmnist-biflow-s \
      --parity-out tests/fixtures/parity/fmnist-biflow-s.json

Also writes a parity fixture: fixed inputs and PyTorch's outputs for every ONNX file,
which the test suite replays through onnxruntime-node (max abs diff <= 1e-4).

`--files jacobi_step` (any subset of FILES) exports only those files into an existing
model folder, from F alone, and updates just their manifest and parity entries: how a file
derived from F is added to a released version whose F is unchanged (the rest of the
manifest, G's files and records, stay as released).
"""
import argparse
import hashlib
import json
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import config, data, onnx_wrappers  # noqa: E402
from biflow.forward_flow import ForwardFlow  # noqa: E402
from biflow.reverse_model import ReverseModel  # noqa: E402
import train  # noqa: E402

OPSET = 17
FILES = ["reverse", "forward", "decode_step", "jacobi_step"]
JACOBI_ALGORITHM = (
    "Inverts F by Jacobi (parallel fixed-point) iteration instead of token by token. "
    "For block = blocks-1 down to 0: z = the current image (F's noise for the last block); "
    "x = z; repeat k times: x = jacobi_step(block, x, z, class, guidance). Each run updates "
    "every token at once, x[t] = z[t]*exp(log_scale(x[<t])) + mu(x[<t]) in the block's order, "
    "with (1+w)*p_c - w*p_null computed inside the graph; after k runs tokens 0..k of the "
    "block's order are exact, so k = tokens-1 is the exact inverse. x is the next block's z. "
    "The result is the noisy image x + sigma*eps that F models (no denoising step).")


def load_models(run_dir):
    fs = torch.load(os.path.join(run_dir, "forward.pt"), map_location="cpu")
    gs = torch.load(os.path.join(run_dir, "reverse.pt"), map_location="cpu")
    f = ForwardFlow(config.from_dict(fs["config"]))
    f.load_state_dict(fs["ema"])
    g = ReverseModel(config.from_dict(gs["config"]))
    g.load_state_dict(gs["ema"])
    return f.eval(), g.eval(), fs, gs


def run_records(log_path):
    """The closing row of every training run in a log: its steps, wall time, images/s."""
    if not os.path.exists(log_path):
        return []
    with open(log_path) as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [{k: v for k, v in r.items() if k != "event"} for r in rows
            if r.get("event") == "run_end"]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def io_spec(name, dtype, shape):
    return {"name": name, "dtype": dtype, "shape": shape}


def export(module, args, path, input_names, output_names, dynamic):
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def tensor_json(t):
    t = t.detach()
    dtype = {torch.float32: "float32", torch.int64: "int64"}[t.dtype]
    return {"dtype": dtype, "shape": list(t.shape), "data": t.flatten().tolist()}


def write_partial(manifest_path, old, files, args):
    """Adds the re-exported files to a released manifest, leaving everything else as is."""
    if old.get("id") != args.id:
        raise SystemExit(f"--files needs the released manifest of {args.id} in {args.out}")
    merged = dict(old.get("files", {}))
    for spec in files.values():
        # Said in the file's own entry: the version's other files and metrics are as released.
        spec["added_after_release"] = (
            f"exported by export.py --files from the same F (forward step {args.forward_step}) "
            f"after {args.id} {old.get('version')} was released; F is unchanged, so the other "
            "files, the metrics and the model card's figures are those of the release")
    merged.update(files)
    old["files"] = {k: merged[k] for k in FILES if k in merged}
    with open(manifest_path, "w") as fh:
        json.dump(old, fh, indent=2)
        fh.write("\n")
    print(json.dumps({k: {"bytes": v["bytes"], "sha256": v["sha256"][:12]} for k, v in files.items()}))


def write_parity(args, files, partial, rev, fwd, step, jac, inputs):
    """PyTorch's outputs on fixed inputs for every exported file (kept entries for others)."""
    if not args.parity_out:
        return
    z, klass, guidance, image, block, position, token, kc, vc, x_guess = inputs
    old = {}
    if partial and os.path.exists(args.parity_out):
        with open(args.parity_out) as fh:
            old = json.load(fh).get("files", {})
    with torch.no_grad():
        cases = {
            "reverse": lambda: {
                "inputs": {"z": tensor_json(z), "class": tensor_json(klass),
                           "guidance": tensor_json(guidance)},
                "outputs": {"image": tensor_json(rev(z, klass, guidance))}},
            "forward": lambda: {
                "inputs": {"image": tensor_json(image), "class": tensor_json(klass)},
                "outputs": dict(zip(["z", "logdet"], map(tensor_json, fwd(image, klass))))},
            "decode_step": lambda: {
                "inputs": {"block": tensor_json(block), "position": tensor_json(position),
                           "token": tensor_json(token), "class": tensor_json(klass),
                           "k_cache": tensor_json(kc), "v_cache": tensor_json(vc)},
                "outputs": dict(zip(["mu", "log_scale", "k_cache_out", "v_cache_out"],
                                    map(tensor_json, step(block, position, token, klass, kc, vc))))},
            "jacobi_step": lambda: {
                "inputs": {"block": tensor_json(block), "x": tensor_json(x_guess), "z": tensor_json(z),
                           "class": tensor_json(klass), "guidance": tensor_json(guidance)},
                "outputs": {"x_next": tensor_json(jac(block, x_guess, z, klass, guidance))}},
        }
        entries = {k: (cases[k]() if k in files else old.get(k)) for k in FILES}
    parity = {"model": args.id, "tolerance": 1e-4,
              "files": {k: v for k, v in entries.items() if v is not None}}
    os.makedirs(os.path.dirname(os.path.abspath(args.parity_out)), exist_ok=True)
    with open(args.parity_out, "w") as fh:
        json.dump(parity, fh)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="s", choices=sorted(config.CONFIGS))
    p.add_argument("--run-dir", default=None)
    p.add_argument("--out", required=True)
    p.add_argument("--id", default="fmnist-biflow-s")
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--parity-out", default=None)
    p.add_argument("--files", nargs="+", default=FILES, choices=FILES,
                   help="export only these (into an existing folder: see the module docstring)")
    args = p.parse_args(argv)
    run_dir = args.run_dir or train.default_run_dir(config.get(args.config))
    f, g, fs, gs = load_models(run_dir)
    cfg = g.cfg
    partial = sorted(args.files) != sorted(FILES)
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(1234)
    n = 3
    c, h, w = cfg.channels, cfg.height, cfg.width
    batch_image = ["batch", c, h, w]
    z = torch.randn(n, c, h, w)
    klass = torch.tensor([0, cfg.num_classes - 1, cfg.num_classes])
    guidance = torch.tensor([0.0, 1.0, 2.5])
    image = data.load("test")[0][:n]
    layers, heads, dh = cfg.f_layers, cfg.f_heads, cfg.f_width // cfg.f_heads
    cache_shape = [layers, "batch", heads, cfg.tokens, dh]
    kc = torch.randn(layers, n, heads, cfg.tokens, dh) * 0.5
    vc = torch.randn_like(kc) * 0.5
    token = torch.randn(n, cfg.token_dim)
    block, position = torch.tensor(cfg.f_blocks - 1), torch.tensor(cfg.tokens // 2)
    # Drawn last, so the other files' parity inputs are those of earlier releases.
    x_guess = torch.randn(n, c, h, w)

    rev = onnx_wrappers.Reverse(g).eval()
    fwd = onnx_wrappers.Forward(f).eval()
    step = onnx_wrappers.DecodeStep(f).eval()
    jac = onnx_wrappers.JacobiStep(f).eval()
    decoding = {
        "patch": cfg.patch, "tokens": cfg.tokens, "token_dim": cfg.token_dim,
        "blocks": cfg.f_blocks,
        "block_token_order": ["reversed" if k % 2 else "canonical" for k in range(cfg.f_blocks)],
    }
    files = {}
    if "reverse" in args.files:
        export(rev, (z, klass, guidance), os.path.join(args.out, "reverse.onnx"),
               ["z", "class", "guidance"], ["image"],
               {"z": {0: "batch"}, "class": {0: "batch"}, "guidance": {0: "batch"},
                "image": {0: "batch"}})
        files["reverse"] = {"path": "reverse.onnx",
                            "inputs": [io_spec("z", "float32", batch_image),
                                       io_spec("class", "int64", ["batch"]),
                                       io_spec("guidance", "float32", ["batch"])],
                            "outputs": [io_spec("image", "float32", batch_image)]}
    if "forward" in args.files:
        export(fwd, (image, klass), os.path.join(args.out, "forward.onnx"),
               ["image", "class"], ["z", "logdet"],
               {"image": {0: "batch"}, "class": {0: "batch"}, "z": {0: "batch"},
                "logdet": {0: "batch"}})
        files["forward"] = {"path": "forward.onnx",
                            "inputs": [io_spec("image", "float32", batch_image),
                                       io_spec("class", "int64", ["batch"])],
                            "outputs": [io_spec("z", "float32", batch_image),
                                        io_spec("logdet", "float32", ["batch"])]}
    if "decode_step" in args.files:
        export(step, (block, position, token, klass, kc, vc),
               os.path.join(args.out, "decode_step.onnx"),
               ["block", "position", "token", "class", "k_cache", "v_cache"],
               ["mu", "log_scale", "k_cache_out", "v_cache_out"],
               {"token": {0: "batch"}, "class": {0: "batch"}, "k_cache": {1: "batch"},
                "v_cache": {1: "batch"}, "mu": {0: "batch"}, "log_scale": {0: "batch"},
                "k_cache_out": {1: "batch"}, "v_cache_out": {1: "batch"}})
        files["decode_step"] = {
            "path": "decode_step.onnx",
            "inputs": [io_spec("block", "int64", []), io_spec("position", "int64", []),
                       io_spec("token", "float32", ["batch", cfg.token_dim]),
                       io_spec("class", "int64", ["batch"]),
                       io_spec("k_cache", "float32", cache_shape),
                       io_spec("v_cache", "float32", cache_shape)],
            "outputs": [io_spec("mu", "float32", ["batch", cfg.token_dim]),
                        io_spec("log_scale", "float32", ["batch", cfg.token_dim]),
                        io_spec("k_cache_out", "float32", cache_shape),
                        io_spec("v_cache_out", "float32", cache_shape)],
            "decoding": {**decoding, "algorithm": (
                "z image -> tokens (row-major patches, each token's values in (channel, "
                "row, column) order). For block = blocks-1 down to 0: put the tokens in that "
                "block's order; x[0] = z[0]; zero the caches; for t = 1..tokens-1: run with "
                "position = t-1 and token = x[t-1]; x[t] = z[t]*exp(log_scale) + mu; carry "
                "k_cache_out/v_cache_out; put x back in canonical order; it is the next "
                "block's z. Guidance w: run class c and the null class as one batch and use "
                "(1+w)*p_c - w*p_null for mu and log_scale. The result is the noisy image "
                "x + sigma*eps that F models (no denoising step).")},
        }
    if "jacobi_step" in args.files:
        export(jac, (block, x_guess, z, klass, guidance), os.path.join(args.out, "jacobi_step.onnx"),
               ["block", "x", "z", "class", "guidance"], ["x_next"],
               {"x": {0: "batch"}, "z": {0: "batch"}, "class": {0: "batch"},
                "guidance": {0: "batch"}, "x_next": {0: "batch"}})
        files["jacobi_step"] = {
            "path": "jacobi_step.onnx",
            "inputs": [io_spec("block", "int64", []), io_spec("x", "float32", batch_image),
                       io_spec("z", "float32", batch_image), io_spec("class", "int64", ["batch"]),
                       io_spec("guidance", "float32", ["batch"])],
            "outputs": [io_spec("x_next", "float32", batch_image)],
            "decoding": {**decoding, "algorithm": JACOBI_ALGORITHM},
        }
    for spec in files.values():
        full = os.path.join(args.out, spec["path"])
        spec["sha256"] = sha256(full)
        spec["bytes"] = os.path.getsize(full)

    manifest_path = os.path.join(args.out, "manifest.json")
    old = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    if partial:
        if old.get("training", {}).get("forward", {}).get("steps") != fs["step"]:
            raise SystemExit(f"--files: the checkpoint's F (step {fs['step']}) is not the released one")
        args.forward_step = fs["step"]
        write_partial(manifest_path, old, files, args)
        write_parity(args, files, partial, rev, fwd, step, jac,
                     (z, klass, guidance, image, block, position, token, kc, vc, x_guess))
        return
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    manifest = {
        "schema": 1,
        "id": args.id,
        "version": args.version,
        "description": "BiFlow on Fashion-MNIST: improved-TARFlow forward model F and a "
                       "one-pass (1-NFE) reverse model G with hidden alignment, learned "
                       "denoising and training-time CFG (Lu et al., arXiv 2512.10953).",
        "image": {"channels": c, "height": h, "width": w},
        "classes": data.CLASS_NAMES[:cfg.num_classes],
        "null_class": cfg.num_classes,
        "guidance": {"min": 0, "max": cfg.guidance_max,
                     "default": old.get("guidance", {}).get("default", 1)},
        "placements": old.get("placements", ["edge", "gpu", "browser"]),
        "noise_sigma": cfg.noise_sigma,
        "files": {k: files[k] for k in FILES if k in files},
        "parameters": {"forward": count(f), "reverse": count(g)},
        "training": {
            "config": cfg.to_dict(),
            "data": "Fashion-MNIST train split, Debian dataset-fashion-mnist; its last "
                    f"{data.VAL_IMAGES:,} images are the validation split, never trained on "
                    "from G step 7,652 (fmnist-biflow-s 1.1.0) on: F and G up to then had "
                    "seen all 60,000",
            "forward": {"steps": fs["step"], "images": fs["images"],
                        "epochs": round(fs["images"] / 60000, 2),
                        "minutes": round(fs["seconds"] / 60, 1)},
            "reverse": {"steps": gs["step"], "images": gs["images"],
                        "epochs": round(gs["images"] / 60000, 2),
                        "minutes": round(gs["seconds"] / 60, 1),
                        # Explicit changes made on resume (growth, loss weights, a new F).
                        "changes": gs.get("extra", {}).get("changes", []),
                        "runs": run_records(os.path.join(run_dir, "reverse.log.jsonl"))},
            "hardware": old.get("training", {}).get("hardware", "CPU, 2 cores"),
        },
        "metrics": old.get("metrics", {}),
    }
    # The Jacobi default schedule (chosen by jacobi_schedule.py) is a property of F alone:
    # kept while F is the one it was measured on.
    if old.get("jacobi", {}).get("forward_step") == fs["step"]:
        manifest["jacobi"] = old["jacobi"]
    with open(manifest_path, "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")

    write_parity(args, files, partial, rev, fwd, step, jac,
                 (z, klass, guidance, image, block, position, token, kc, vc, x_guess))
    print(json.dumps({k: {"bytes": v["bytes"], "sha256": v["sha256"][:12]} for k, v in files.items()}))


if __name__ == "__main__":
    main()

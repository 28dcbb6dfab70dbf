"""Evaluate a trained BiFlow and record the metrics in its manifest.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/evaluate.py --config s \
      --model-dir models/fmnist-biflow-s

F: test NLL in bits/dim and F as a Bayes classifier. G: reconstruction PSNR of
G(F(x~)) against the clean x, class accuracy and FLD of class-conditional samples over a
guidance grid. The exact inverse of F (causal decoding) is scored the same way. The `jacobi`
part scores the samplers side by side at the default guidance, on the same noise: G, F's
inverse by Jacobi iteration at K = 1, 2, 4, 8 updates per block and with the manifest's
default schedule, and the exact inverse (the model card's quality-per-cost table).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import classifier, config, data, sample_metrics  # noqa: E402
from biflow.forward_flow import ForwardFlow  # noqa: E402
import export  # noqa: E402
import train  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# Bumped when the set of figures per scored sample changes: kept exact-inverse scores
# from an older set are recomputed rather than mixed in.
METRICS_VERSION = 2


def batched(fn, n, batch, desc):
    out = []
    for i in tqdm(range(0, n, batch), desc=desc, mininterval=5):
        out.append(fn(i, min(n, i + batch)))
    return out


@torch.no_grad()
def forward_metrics(f, x, y, sigma, bayes_limit):
    torch.manual_seed(0)
    noisy = x + sigma * torch.randn_like(x)
    dims = x[0].numel()
    logp = torch.cat(batched(lambda a, b: f.log_prob(noisy[a:b], y[a:b]), x.shape[0], 500,
                             "F test NLL"))
    bpd = float((-logp / (dims * math.log(2))).mean() + math.log2(127.5))
    n = min(bayes_limit, x.shape[0])

    def classify(a, b):
        scores = torch.stack([f.log_prob(noisy[a:b], torch.full_like(y[a:b], k))
                              for k in range(f.cfg.num_classes)], 1)
        return scores.argmax(1)

    pred = torch.cat(batched(classify, n, 500, "F Bayes classifier"))
    return {"test_bits_per_dim": round(bpd, 4),
            "bayes_classifier_accuracy": round(float((pred == y[:n]).float().mean()), 4),
            "bayes_classifier_images": n,
            "noise_model": f"x + {sigma}*N(0,I) on [-1,1] pixels; bits/dim on the 0..255 scale"}


@torch.no_grad()
def reconstruction_psnr(f, g, x, y, sigma):
    torch.manual_seed(1)
    noisy = x + sigma * torch.randn_like(x)

    def mse(a, b):
        z, _ = f(noisy[a:b], y[a:b])
        rec = g(z, y[a:b], torch.zeros(b - a))
        return ((rec - x[a:b]) / 2).pow(2).flatten(1).mean(1)

    err = torch.cat(batched(mse, x.shape[0], 500, "G reconstruction"))
    # PSNR on the [0,1] scale, averaged over images (each image's own PSNR).
    return round(float((10 * torch.log10(1.0 / err.clamp(min=1e-10))).mean()), 2)


def class_labels(n, num_classes):
    return torch.arange(n) % num_classes


class Reference:
    """Real images of one split and their judge features: what samples are scored against."""

    def __init__(self, judge, x, y, pr_images=5000):
        self.x, self.y = x, y
        self.feats = classifier.predict(judge, x)[1]
        self.pr_images = pr_images


@torch.no_grad()
def score_samples(judge, samples, labels, ref):
    logits, feats = classifier.predict(judge, samples)
    n = ref.pr_images
    precision, recall = sample_metrics.precision_recall(ref.feats[:n], feats[:n])
    diversity = sample_metrics.diversity_ratio(samples, labels, ref.x, ref.y, 10)
    return {"class_accuracy": round(float((logits.argmax(1) == labels).float().mean()), 4),
            "fld": round(classifier.frechet_distance(feats, ref.feats), 3),
            "diversity": maybe_round(diversity), "precision": maybe_round(precision),
            "recall": maybe_round(recall)}


def maybe_round(v, nd=4):
    """Figures that need more samples than a smoke run has are recorded as null."""
    return None if v is None else round(v, nd)


def score_both(judge, samples, labels, refs):
    """Scores against validation (for choosing settings) and test (the reported figure)."""
    return {name: score_samples(judge, samples, labels, ref) for name, ref in refs.items()}


def sample_g(g, n, w, seed=100):
    torch.manual_seed(seed)
    cfg = g.cfg
    labels = class_labels(n, cfg.num_classes)
    z = torch.randn(n, cfg.channels, cfg.height, cfg.width)
    with torch.no_grad():
        imgs = torch.cat(batched(lambda a, b: g(z[a:b], labels[a:b], torch.full((b - a,), w)),
                                 n, 500, f"G samples w={w}"))
    # Scored as served: quantized to 8 bits like the PNGs (and the exact inverse's samples).
    return ((imgs + 1) * 127.5).round().clamp(0, 255) / 127.5 - 1.0, labels


def sample_exact(f, n, w, seed=100, cache_dir=None):
    """F's exact inverse on n seeded noises. Decoding 10,000 guided samples takes about a
    quarter of an hour on one core, so with `cache_dir` the samples are kept on disk per
    (F's weights, w, n, seed) and reused by later evaluations of the same F."""
    path = None
    if cache_dir:
        key = train.forward_fingerprint(f)[:16]
        path = os.path.join(cache_dir, f"exact-{key}-w{w}-n{n}-seed{seed}.pt")
        if os.path.exists(path):
            cached = torch.load(path)
            return (cached["images"].float() / 127.5 - 1.0, cached["labels"], cached["seconds"],
                    "pytorch eager")
        # The same samples decoded by onnxruntime (scripts/exact-samples.ts), if present.
        raw = os.path.join(cache_dir, f"exact-{key}-w{w}-n{n}.u8")
        if os.path.exists(raw):
            cfg = f.cfg
            pixels = np.fromfile(raw, dtype=np.uint8).reshape(n, cfg.channels, cfg.height, cfg.width)
            seconds = json.load(open(raw + ".json"))["seconds_per_image"]
            imgs = torch.from_numpy(pixels.astype(np.float32)) / 127.5 - 1.0
            return imgs, class_labels(n, cfg.num_classes), seconds, "onnxruntime-node"
    torch.manual_seed(seed)
    cfg = f.cfg
    labels = class_labels(n, cfg.num_classes)
    z = torch.randn(n, cfg.channels, cfg.height, cfg.width)
    t0 = time.time()
    imgs = torch.cat(batched(lambda a, b: f.inverse(z[a:b], labels[a:b], w).clamp(-1, 1),
                             n, 500, f"exact inverse w={w}"))
    seconds = (time.time() - t0) / n
    # Stored as the service stores pixels (uint8), which is also what the judge should see.
    imgs = ((imgs + 1) * 127.5).round().clamp(0, 255)
    if path:
        os.makedirs(cache_dir, exist_ok=True)
        torch.save({"images": imgs.to(torch.uint8), "labels": labels, "seconds": seconds},
                   path + ".tmp")
        os.replace(path + ".tmp", path)
    return imgs / 127.5 - 1.0, labels, seconds, "pytorch eager"


def sample_jacobi(f, n, w, iterations, seed=100):
    """F's inverse by Jacobi iteration (iterations[k] parallel updates of block k, block 0
    first) on the same seeded noise and classes as sample_g and sample_exact, quantized to
    8 bits as served."""
    torch.manual_seed(seed)
    cfg = f.cfg
    labels = class_labels(n, cfg.num_classes)
    z = torch.randn(n, cfg.channels, cfg.height, cfg.width)
    t0 = time.time()
    imgs = torch.cat(batched(lambda a, b: f.jacobi_inverse(z[a:b], labels[a:b], w, iterations).clamp(-1, 1),
                             n, 500, f"Jacobi {iterations} w={w}"))
    seconds = (time.time() - t0) / n
    return ((imgs + 1) * 127.5).round().clamp(0, 255) / 127.5 - 1.0, labels, seconds


def evaluate_jacobi(f, g, judge, refs, n_samples, w, ks, default_schedule, cache_dir=None, kept=None):
    """The samplers side by side at guidance w on n_samples of the same noise: G, Jacobi with
    K updates of every block for each K in ks, Jacobi with the default schedule (when the
    manifest has one) and the exact inverse (its samples shared with the `exact` part's cache).
    Keys are those of scripts/sampler-report.ts's files: g, jacobi-K, jacobi-default, exact.
    `kept`: Jacobi rows of an earlier run of the same F, samples, guidance and schedules; they
    depend on F alone, so only G's row is scored again (a new G costs seconds, not 20 min)."""
    blocks = f.cfg.f_blocks
    rows = {}

    def row(imgs, labels, **extra):
        scores = score_both(judge, imgs, labels, refs)
        return {**scores["test"], "validation": scores["val"], **extra}

    imgs, labels = sample_g(g, n_samples, w)
    rows["g"] = row(imgs, labels, iterations=None, block_updates=None)
    schedules = [(f"jacobi-{k}", [k] * blocks) for k in ks]
    if default_schedule:
        schedules.append(("jacobi-default", list(default_schedule)))
    for name, schedule in schedules:
        if kept and kept.get(name, {}).get("iterations") == schedule:
            rows[name] = kept[name]
            continue
        imgs, labels, seconds = sample_jacobi(f, n_samples, w, schedule)
        rows[name] = row(imgs, labels, iterations=schedule, block_updates=sum(schedule),
                         seconds_per_image=round(seconds, 5), decoded_by="pytorch eager")
    imgs, labels, seconds, runtime = sample_exact(f, n_samples, w, cache_dir=cache_dir)
    rows["exact"] = row(imgs, labels, iterations=None, block_updates=None,
                        seconds_per_image=round(seconds, 5), decoded_by=runtime)
    return {"samples": n_samples, "guidance": w, "split": "test (validation figures under each row)",
            "default_schedule": default_schedule, "by_sampler": rows,
            "note": "same noise (torch seed 100) and classes (i mod classes) for every sampler; "
                    "F's inverses without a denoising step; time per image in the service: "
                    "metrics.timing.samplers_batch1 (scripts/model-report.ts)"}


def evaluate_reverse(f, g, judge, refs, n_samples, guidance_grid, val_images=5000):
    """G's figures on the test split; the default guidance is the validation split's pick
    (lowest FLD against validation images), so the test figures stay a final measurement."""
    sigma = f.cfg.noise_sigma
    metrics = {
        "reconstruction_psnr_db": reconstruction_psnr(f, g, refs["test"].x, refs["test"].y, sigma),
        "validation_reconstruction_psnr_db":
            reconstruction_psnr(f, g, refs["val"].x[:val_images], refs["val"].y[:val_images], sigma)}
    grid, val_grid = {}, {}
    for w in guidance_grid:
        imgs, labels = sample_g(g, n_samples, w)
        scores = score_both(judge, imgs, labels, refs)
        grid[str(w)], val_grid[str(w)] = scores["test"], scores["val"]
    best_w = min(guidance_grid, key=lambda w: val_grid[str(w)]["fld"])
    metrics.update(samples=n_samples, guidance_grid=grid, validation_guidance_grid=val_grid,
                   best_guidance=best_w, guidance_chosen_on="validation split (lowest FLD)",
                   w0=grid[str(guidance_grid[0])], best=grid[str(best_w)])
    return metrics


def evaluate_real(judge, refs):
    """Real data scored like samples: validation images against the test split."""
    val = refs["val"]
    n = min(val.x.shape[0], refs["test"].x.shape[0])
    return {"images": n, "split": "validation images scored against the test split",
            **score_samples(judge, val.x[:n], val.y[:n], refs["test"])}


def evaluate_exact(f, judge, refs, n_samples, guidances, cache_dir=None):
    exact = {}
    for w in sorted(set(guidances)):
        imgs, labels, seconds, runtime = sample_exact(f, n_samples, w, cache_dir=cache_dir)
        scores = score_both(judge, imgs, labels, refs)
        # Timed where the samples were decoded: onnxruntime-node (scripts/exact-samples.ts,
        # batched) or PyTorch eager; both on one CPU thread.
        exact[str(w)] = {**scores["test"], "validation": scores["val"],
                         "seconds_per_image": round(seconds, 5), "decoded_by": runtime}
    return {"samples": n_samples, "by_guidance": exact,
            "note": "F's exact inverse by token-by-token causal decoding with a KV cache, "
                    "without a denoising step"}


def load_forward_only(run_dir):
    """F's EMA weights, and the training step they are from."""
    fs = torch.load(os.path.join(run_dir, "forward.pt"), map_location="cpu")
    f = ForwardFlow(config.from_dict(fs["config"]))
    f.load_state_dict(fs["ema"])
    return f.eval(), fs["step"]


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="s", choices=sorted(config.CONFIGS))
    p.add_argument("--run-dir", default=None)
    p.add_argument("--model-dir", required=True, help="model folder whose manifest gets metrics")
    p.add_argument("--parts", nargs="+", default=["forward", "reverse", "exact"],
                   choices=["forward", "reverse", "exact", "jacobi"],
                   help="what to evaluate; the exact inverse and jacobi use the best w found for G")
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--exact-samples", type=int, default=10000)
    p.add_argument("--jacobi-samples", type=int, default=None,
                   help="samples per sampler for the jacobi part (default: --exact-samples, so the "
                        "exact row reuses the exact part's decoded samples)")
    p.add_argument("--jacobi-k", type=int, nargs="+", default=[1, 2, 4, 8],
                   help="the jacobi part's uniform schedules: K updates of every block")
    p.add_argument("--bayes-limit", type=int, default=10000)
    p.add_argument("--test-images", type=int, default=10000,
                   help="test images for NLL, PSNR and the FLD reference (10,000 = all)")
    p.add_argument("--val-images", type=int, default=5000,
                   help="validation images for the validation reconstruction PSNR")
    p.add_argument("--guidance", type=float, nargs="+",
                   default=[0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0])
    p.add_argument("--exact-guidance", type=float, nargs="+", default=None,
                   help="w values for the exact inverse (default: 0 and G's best w); it needs F "
                        "only, so it can run while G still trains")
    p.add_argument("--out", default=None, help="also write the metrics JSON here")
    p.add_argument("--only-exact-samples", action="store_true",
                   help="decode and keep the exact inverse's samples for --exact-guidance, "
                        "then stop (run it beside G's training: it needs F only)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (1 on a busy machine)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    run_dir = args.run_dir or train.default_run_dir(config.get(args.config))
    parts = set(args.parts)
    f, f_step = load_forward_only(run_dir)
    if args.only_exact_samples:
        for w in args.exact_guidance or [0.0]:
            sample_exact(f, args.exact_samples, w, cache_dir=os.path.join(run_dir, "samples"))
        return
    test_x, test_y = data.load("test")
    test_x, test_y = test_x[:args.test_images], test_y[:args.test_images]
    metrics = {}
    if parts & {"reverse", "exact", "jacobi"}:
        train_x, train_y = data.load("train")
        judge = classifier.train_or_load(os.path.join(HERE, "checkpoints", "classifier.pt"),
                                         train_x, train_y)
        judge_logits, _ = classifier.predict(judge, test_x)
        accuracy = float((judge_logits.argmax(1) == test_y).float().mean())
        metrics["judge"] = {"test_accuracy": round(accuracy, 4),
                            "architecture": "MLP 784-1024-256-10, 256-d penultimate features (FLD)"}
        val_x, val_y = data.load("val")
        refs = {"val": Reference(judge, val_x, val_y), "test": Reference(judge, test_x, test_y)}
        metrics["real_data"] = evaluate_real(judge, refs)
    if "forward" in parts:
        metrics["forward"] = forward_metrics(f, test_x, test_y, f.cfg.noise_sigma, args.bayes_limit)
    manifest_path = os.path.join(args.model_dir, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    best_w = manifest.get("metrics", {}).get("reverse", {}).get("best_guidance")
    if args.out and os.path.exists(args.out):
        best_w = json.load(open(args.out)).get("reverse", {}).get("best_guidance", best_w)
    if "reverse" in parts:
        _, g, _, _ = export.load_models(run_dir)
        metrics["reverse"] = evaluate_reverse(f, g, judge, refs, args.samples, args.guidance,
                                              args.val_images)
        best_w = metrics["reverse"]["best_guidance"]
    old = json.load(open(args.out)) if args.out and os.path.exists(args.out) else {}
    if "exact" in parts:
        ws = args.exact_guidance or [0.0] + ([best_w] if best_w is not None else [])
        # w values scored by an earlier run of the same F on as many samples are kept.
        done = old.get("exact_inverse", {})
        same = (done.get("samples"), done.get("forward_step"), done.get("metrics_version")) == \
            (args.exact_samples, f_step, METRICS_VERSION)
        kept = done.get("by_guidance", {}) if same else {}
        exact = evaluate_exact(f, judge, refs, args.exact_samples,
                               [w for w in ws if str(float(w)) not in kept],
                               cache_dir=os.path.join(run_dir, "samples"))
        exact["forward_step"] = f_step
        exact["metrics_version"] = METRICS_VERSION
        exact["by_guidance"] = dict(sorted({**kept, **exact["by_guidance"]}.items(),
                                           key=lambda kv: float(kv[0])))
        metrics["exact_inverse"] = exact
    if "jacobi" in parts:
        if "reverse" not in parts:
            _, g, _, _ = export.load_models(run_dir)
        w = best_w if best_w is not None else manifest.get("guidance", {}).get("default", 0.0)
        # The default schedule is F's (models/train/jacobi_schedule.py); export.py keeps it
        # only for the same F, so a new F is scored without that row until it is chosen.
        default = manifest.get("jacobi", {}).get("default_iterations")
        if not default:
            print("jacobi: the manifest has no jacobi.default_iterations; run "
                  "models/train/jacobi_schedule.py first for its row", file=sys.stderr)
        n_jacobi = args.jacobi_samples or args.exact_samples
        done = old.get("jacobi", {})
        same_f = (done.get("samples"), done.get("guidance"), done.get("forward_step"),
                  done.get("metrics_version")) == (n_jacobi, float(w), f_step, METRICS_VERSION)
        jacobi = evaluate_jacobi(f, g, judge, refs, n_jacobi, float(w), args.jacobi_k, default,
                                 cache_dir=os.path.join(run_dir, "samples"),
                                 kept=done.get("by_sampler") if same_f else None)
        jacobi["forward_step"] = f_step
        jacobi["metrics_version"] = METRICS_VERSION
        metrics["jacobi"] = jacobi
    if args.out:
        # Parts evaluated in earlier runs accumulate in this file and reach the manifest.
        metrics = {**old, **metrics}
        with open(args.out, "w") as fh:
            json.dump(metrics, fh, indent=2)
    if manifest:
        manifest["metrics"] = {**manifest.get("metrics", {}), **metrics}
        if best_w is not None:
            manifest["guidance"]["default"] = best_w
        with open(manifest_path, "w") as fh:
            json.dump(manifest, fh, indent=2)
            fh.write("\n")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()

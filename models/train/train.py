"""Train BiFlow on Fashion-MNIST: `forward` trains F by maximum likelihood, `reverse`
trains G against the frozen F. Both resume from their checkpoint and add to it.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/train.py forward --config s --minutes 60
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/train.py reverse --config s --minutes 40
"""
import argparse
import hashlib
import json
import math
import os
import signal
import sys
import time

from dataclasses import replace

import torch
import torch.nn.functional as nnf
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from biflow import checkpoint, config, data, perceptual  # noqa: E402
from biflow.adversary import Adversary  # noqa: E402
from biflow.forward_flow import ForwardFlow  # noqa: E402
from biflow.layers import unpatchify  # noqa: E402
from biflow.reverse_model import ReverseModel  # noqa: E402
from biflow.trajectories import TrajectoryCache  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def default_run_dir(cfg):
    return os.path.join(HERE, "checkpoints", cfg.name)


def pick_device():
    return "cuda" if torch.cuda.is_available() else "cpu"


def drop_labels(y, p, null_class):
    keep = torch.rand(y.shape, device=y.device) >= p
    return torch.where(keep, y, torch.full_like(y, null_class))


def batches(n, batch_size, generator, first_epoch=0):
    """Endless shuffled minibatches of indices, with the epoch they belong to."""
    epoch = first_epoch
    while True:
        order = torch.randperm(n, generator=generator)
        for i in range(0, n - batch_size + 1, batch_size):
            yield order[i:i + batch_size], epoch
        epoch += 1


def learning_rate(step, base, warmup, anneal_progress=None, floor=0.05):
    """Linear warm-up over the first `warmup` steps of the model's life; with
    `anneal_progress` (0..1 through this run's budget), a cosine decay to `floor`*base, so a
    time-boxed final run ends at a small learning rate instead of mid-stride."""
    lr = base * min(1.0, (step + 1) / warmup)
    if anneal_progress is not None:
        lr *= floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, anneal_progress)))
    return lr


class Logger:
    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "a")

    def log(self, **row):
        self.f.write(json.dumps(row) + "\n")
        self.f.flush()


def load_forward(cfg, run_dir, device):
    state = checkpoint.load(os.path.join(run_dir, "forward.pt"), device)
    if state is None:
        raise SystemExit(f"no forward checkpoint in {run_dir}: train F first")
    model = ForwardFlow(config.from_dict(state["config"])).to(device)
    model.load_state_dict(state["ema"])
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, state


def train_loop(name, args, cfg, model, ema, opt, state, step_fn, device, on_save=None):
    """Shared loop: time/step budget, LR warm-up, EMA, periodic checkpoints, log.

    `{name}.pt` holds the EMA weights and the run's record (what is committed and exported);
    `{name}.resume.pt` beside it the raw weights and optimizer moments, which only a resume
    needs (build() restarts from the EMA weights with a fresh optimizer without it)."""
    run_dir = args.run_dir
    ckpt_path = os.path.join(run_dir, f"{name}.pt")
    log = Logger(os.path.join(run_dir, f"{name}.log.jsonl"))
    step = state.get("step", 0) if state else 0
    images = state.get("images", 0) if state else 0
    seconds = state.get("seconds", 0.0) if state else 0.0
    # The last 5,000 train images are the validation split: never trained on (data.py).
    x, y = data.load("fit")
    gen = torch.Generator().manual_seed(args.seed + step)
    it = batches(x.shape[0], args.batch, gen, first_epoch=images // x.shape[0])
    started = time.time()
    deadline = started + args.minutes * 60
    last_save = time.time()
    bar = tqdm(total=args.steps or None, desc=f"train {name}", unit="step", mininterval=5)
    done = 0
    running = {}
    stop = []
    # SIGTERM/SIGINT finish the current step and save: stopping never loses work.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))

    def save():
        checkpoint.save(checkpoint.resume_path(ckpt_path), model=model.state_dict(),
                        opt=opt.state_dict(), step=step)
        checkpoint.save(ckpt_path, ema=ema.model.state_dict(), step=step, images=images,
                        seconds=seconds, config=cfg.to_dict(),
                        extra=state.get("extra", {}) if state else {})
        if on_save:
            on_save()

    run_started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    step0 = step

    while not stop and time.time() < deadline and (not args.steps or done < args.steps):
        t0 = time.time()
        idx, epoch = next(it)
        xb, yb = x[idx].to(device), y[idx].to(device)
        progress = None
        if args.anneal:  # whichever budget ends the run first sets the pace
            progress = (time.time() - started) / (args.minutes * 60)
            if args.steps:
                progress = max(progress, done / args.steps)
            # Constant rate until --anneal-from, then the cosine over the rest of the run.
            progress = max(0.0, progress - args.anneal_from) / (1 - args.anneal_from)
        # A fresh optimizer (after growing G) warms up again from where it started.
        warmup_from = state.get("extra", {}).get("warmup_from", 0) if state else 0
        lr = learning_rate(step - warmup_from, args.lr, args.warmup, progress)
        for g in opt.param_groups:
            g["lr"] = lr
        losses = step_fn(xb, yb, idx, epoch, step)
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model, step)
        step += 1
        done += 1
        images += xb.shape[0]
        seconds += time.time() - t0
        for k, v in losses.items():
            v = float(v)
            running[k] = 0.98 * running.get(k, v) + 0.02 * v
        bar.update(1)
        if step % 50 == 0:
            bar.set_postfix({k: f"{v:.4f}" for k, v in running.items()})
            # Throughput of this run so far, wall clock (trajectory draws included).
            rate = done * args.batch / max(time.time() - started, 1e-9)
            log.log(step=step, images=images, seconds=round(seconds, 1), lr=lr,
                    images_per_second=round(rate, 1), threads=torch.get_num_threads(),
                    batch=args.batch,
                    epochs=round(images / x.shape[0], 3), grad_norm=float(grad_norm),
                    **{k: round(v, 5) for k, v in running.items()})
        if time.time() - last_save > args.save_every * 60:
            save()
            last_save = time.time()
    save()
    bar.close()
    wall = time.time() - started
    log.log(event="run_end", started=run_started_at, first_step=step0, step=step,
            wall_seconds=round(wall, 1), images_per_second=round(done * args.batch / wall, 1),
            threads=torch.get_num_threads(), batch=args.batch, base_lr=args.lr, anneal=args.anneal,
            **{k: round(v, 5) for k, v in running.items()})  # the losses where the run ended
    print(f"{name}: step {step}, {images / x.shape[0]:.2f} epochs, "
          f"{seconds / 60:.1f} min of training in total", flush=True)


def resume_state(state, ckpt_path, device):
    """Raw weights and optimizer moments for `state`: from `{name}.resume.pt` when it is of
    the same step, from the checkpoint itself when it predates the split (it held them), else
    None (a clone that has only the committed EMA weights)."""
    if state is None:
        return None
    if "opt" in state:
        return {"model": state["model"], "opt": state["opt"]}
    resume = checkpoint.load(checkpoint.resume_path(ckpt_path), device)
    if resume is not None and resume.get("step") == state["step"]:
        return resume
    return None


def build(model_cls, cfg, state, args, device, label, grow=False, resume=None):
    """Model, EMA and optimizer, restored from `state` when resuming (same seed offset).

    grow: the checkpoint's G has fewer layers in its first block than `cfg` asks for; its
    weights are loaded into the larger G (new layers start as the identity) and the
    optimizer starts afresh, since its moments are per parameter.
    resume: raw weights and optimizer moments (resume_state); without them training goes on
    from the EMA weights with a fresh optimizer, warmed up again from this step.
    """
    torch.manual_seed(args.seed + (state["step"] if state else 0))
    model = model_cls(cfg).to(device)
    ema = checkpoint.EMA(model, args.ema)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4, betas=(0.9, 0.99))
    if state and grow:
        new = model.grow_from(resume["model"] if resume else state["ema"])
        ema.model.grow_from(state["ema"])
        state["extra"]["warmup_from"] = state["step"]
        print(f"growing {label} from step {state['step']}: new layers {new}", flush=True)
    elif state and resume:
        model.load_state_dict(resume["model"])
        ema.model.load_state_dict(state["ema"])
        opt.load_state_dict(resume["opt"])
        print(f"resuming {label} from step {state['step']}", flush=True)
    elif state:
        model.load_state_dict(state["ema"])
        ema.model.load_state_dict(state["ema"])
        state["extra"]["warmup_from"] = state["step"]
        print(f"resuming {label} from step {state['step']}'s EMA weights with a fresh "
              "optimizer (no resume state of that step beside the checkpoint)", flush=True)
    return model, ema, opt


def train_forward(args):
    device = pick_device()
    ckpt_path = os.path.join(args.run_dir, "forward.pt")
    state = checkpoint.load(ckpt_path, device)
    cfg = config.from_dict(state["config"]) if state else config.get(args.config, **args.overrides)
    model, ema, opt = build(ForwardFlow, cfg, state, args, device, "F",
                            resume=resume_state(state, ckpt_path, device))
    print(f"F: {sum(p.numel() for p in model.parameters()):,} parameters, device {device}",
          flush=True)

    def step_fn(xb, yb, idx, epoch, step):
        noisy = xb + cfg.noise_sigma * torch.randn_like(xb)
        yb = drop_labels(yb, cfg.label_drop, cfg.num_classes)
        nll = model.nll_loss(noisy, yb)
        return {"loss": nll, "nll_nats_per_dim": nll.detach()}

    train_loop("forward", args, cfg, model, ema, opt, state, step_fn, device)


@torch.no_grad()
def state_scales(flow, x, y, device):
    """RMS of each F state over data: the normalization of the alignment targets."""
    xb = x[:512].to(device)
    noisy = xb + flow.cfg.noise_sigma * torch.randn_like(xb)
    states, _ = flow.trajectory(noisy, y[:512].to(device))
    return [float(s.pow(2).mean().sqrt()) for s in states]


def forward_fingerprint(flow):
    """sha256 over F's weights: G's checkpoint records the F it was trained against."""
    h = hashlib.sha256()
    for name, t in sorted(flow.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


# Settings a resumed G may change, each an explicit decision recorded in its checkpoint:
# loss weights, and more layers in the first block (`grow_from`). Anything else (widths,
# block counts, the F it aligns to) would make the checkpoint a different model.
RESUMABLE_CHANGES = ("g_first_layers", "align_first_weight", "cfg_fraction",
                     "perceptual_weight", "adv_weight", "adv_d_warmup", "adv_ramp")


def reverse_config(state, flow_cfg, overrides):
    """G's config, and whether the first block grows; refuses changes a resume can't make."""
    if not state:
        return config.Config(**{**flow_cfg.__dict__, **overrides}), False
    cfg = config.from_dict(state["config"])
    changes = {k: v for k, v in overrides.items() if getattr(cfg, k) != v}
    refused = [k for k in changes if k not in RESUMABLE_CHANGES]
    if refused:
        raise SystemExit(f"cannot change {refused} when resuming G; resumable: {RESUMABLE_CHANGES}")
    if changes.get("g_first_layers", cfg.first_block_layers) < cfg.first_block_layers:
        raise SystemExit("g_first_layers can only grow")
    new = replace(cfg, **changes)
    if changes:
        print(f"changing G settings on resume: {changes}", flush=True)
        state["extra"].setdefault("changes", []).append({"step": state["step"], **changes})
    return new, new.first_block_layers != cfg.first_block_layers


@torch.no_grad()
def fresh_trajectory(flow, xb, yb):
    """F's states for one minibatch under a new noise draw and label dropout."""
    yb = drop_labels(yb, flow.cfg.label_drop, flow.cfg.num_classes)
    noisy = xb + flow.cfg.noise_sigma * torch.randn_like(xb)
    return flow.trajectory(noisy, yb)[0], yb


def alignment_weights(cfg):
    """G block j (1-based) inverts F block B-j+1; the first does the hardest inversion (F's
    last block), so it may weigh more (align_first_weight). The last is the denoising block."""
    if not cfg.use_align:
        return []
    return [cfg.align_first_weight] + [1.0] * (cfg.f_blocks - 1) + ([1.0] if cfg.use_denoise else [])


def tokens_to_images(tokens, cfg):
    return unpatchify(tokens, cfg.patch, cfg.channels, cfg.height, cfg.width).clamp(-1.0, 1.0)


def adaptive_weight(rec_loss, adv_loss, last_layer):
    """Scale of the adversarial term that gives its gradient at G's last layer the norm of
    the reconstruction terms' (Esser et al. 2021, VQGAN): the balance then holds whatever
    the losses' magnitudes, which a fixed weight (a failed trial here) does not."""
    g_rec = torch.autograd.grad(rec_loss, last_layer, retain_graph=True)[0]
    g_adv = torch.autograd.grad(adv_loss, last_layer, retain_graph=True)[0]
    return (g_rec.norm() / (g_adv.norm() + 1e-4)).clamp(max=1e4).detach()


def reverse_losses(model, flow, cfg, scales, weights, xb, yb, states, feature_net=None,
                   adversary=None, y_true=None):
    """G's losses for one minibatch: hidden alignment with F's trajectory `states`, the
    clean-image reconstruction, training-time CFG on prior noise and, when configured, a
    perceptual term on the reconstruction (`feature_net`) and an adversarial term on the
    guided prior samples (`adversary`, whose discriminator takes one step here on the real
    images xb with their labels `y_true` and on those samples)."""
    b = xb.shape[0]
    nb, null = cfg.f_blocks, cfg.num_classes
    zeros = torch.zeros(b, device=xb.device)
    outs = model.forward_tokens(states[-1], yb, zeros)
    clean = flow.tokens(xb)
    losses = {}
    if cfg.use_align:
        # Target of G block j is state s_{B-j}; both sides divided by the state's RMS so
        # that every block weighs the same (the denoising block's target s_0 included).
        terms = [nnf.mse_loss(outs[j - 1] / scales[nb - j], states[nb - j] / scales[nb - j])
                 for j in range(1, nb)]
        if cfg.use_denoise:
            terms.append(nnf.mse_loss(outs[nb - 1] / scales[0], states[0] / scales[0]))
        losses["align"] = sum(w * t for w, t in zip(weights, terms)) / sum(weights)
    final_target = clean if cfg.use_denoise else states[0]
    losses["recon"] = nnf.mse_loss(outs[-1], final_target)
    if feature_net is not None and cfg.perceptual_weight > 0:
        # On the final (denoised) output against the clean image, as served (clamped).
        losses["perceptual"] = cfg.perceptual_weight * perceptual.distance(
            feature_net, tokens_to_images(outs[-1], cfg), xb)
    # Training-time CFG: G(z|c,w) learns (1+w)G(z|c,0) - wG(z|null,0) on prior noise.
    m = int(b * cfg.cfg_fraction)
    if m > 0 and cfg.guidance_max > 0:
        z = torch.randn(m, cfg.tokens, cfg.token_dim, device=xb.device)
        yc = torch.randint(0, null, (m,), device=xb.device)
        w = torch.rand(m, device=xb.device) * cfg.guidance_max
        zm = torch.zeros(m, device=xb.device)
        with torch.no_grad():
            cond = model.forward_tokens(z, yc, zm)[-1]
            uncond = model.forward_tokens(z, torch.full_like(yc, null), zm)[-1]
            target = (1 + w)[:, None, None] * cond - w[:, None, None] * uncond
        guided = model.forward_tokens(z, yc, w)[-1]
        losses["cfg"] = nnf.mse_loss(guided, target)
    logged = {}
    if adversary is not None and cfg.adv_weight > 0 and m > 0 and cfg.guidance_max > 0:
        fake = tokens_to_images(guided, cfg)
        logged["d_loss"] = adversary.train_step(xb, y_true, fake.detach(), yc)
        ramp = adversary.ramp()
        if ramp > 0:
            adv = adversary.generator_loss(fake, yc)
            rec = losses["recon"] + losses.get("perceptual", 0.0)
            scale = adaptive_weight(rec, adv, model.heads[-1][1].weight)
            losses["adv"] = cfg.adv_weight * ramp * scale * adv
            logged["adv_scale"] = scale
    losses["loss"] = sum(losses.values())
    losses.update(logged)
    if cfg.use_align:
        losses["align_first"] = terms[0].detach()  # logged: the hardest block's progress
    return losses


def train_reverse(args):
    device = pick_device()
    flow, fstate = load_forward(None, args.run_dir, device)
    state = checkpoint.load(os.path.join(args.run_dir, "reverse.pt"), device)
    fingerprint = forward_fingerprint(flow)
    if state:
        recorded = state["extra"].get("forward_sha256")
        if recorded is None:  # checkpoints before 1.2 did not record it
            print("G's checkpoint records no F fingerprint; recording the current F's", flush=True)
        elif recorded != fingerprint and not args.new_forward:
            raise SystemExit(
                "F changed since G was trained against it (forward_sha256 differs): G's "
                "alignment targets are F's states, so resuming would mix two targets. Pass "
                "--new-forward to fine-tune G against the new F on purpose.")
        elif recorded != fingerprint:
            print("fine-tuning G against a new F (--new-forward)", flush=True)
            state["extra"].setdefault("changes", []).append(
                {"step": state["step"], "forward_sha256": fingerprint,
                 "forward_step": fstate["step"]})
        state["extra"]["forward_sha256"] = fingerprint
        state["extra"]["forward_step"] = fstate["step"]
    cfg, grow = reverse_config(state, flow.cfg, args.overrides)
    ckpt_path = os.path.join(args.run_dir, "reverse.pt")
    model, ema, opt = build(ReverseModel, cfg, state, args, device, "G", grow=grow,
                            resume=resume_state(state, ckpt_path, device))
    fit_x, fit_y = data.load("fit")
    if state:
        scales = state["extra"]["scales"]
    else:
        scales = state_scales(flow, fit_x, fit_y, device)
        state = {"extra": {"scales": scales, "forward_step": fstate["step"],
                           "forward_sha256": fingerprint}}
    print(f"G: {sum(p.numel() for p in model.parameters()):,} parameters, device {device}, "
          f"state scales {[round(s, 3) for s in scales]}", flush=True)
    cache = TrajectoryCache(flow, fit_x, fit_y, args.trajectory_draws, cfg.label_drop,
                            seed=args.seed, cache_dir=args.trajectory_dir,
                            fingerprint=fingerprint) if args.trajectory_draws else None
    weights = alignment_weights(cfg)
    feature_net = None
    if cfg.perceptual_weight > 0:
        feature_net = perceptual.train_or_load(args.perceptual_net, fit_x, fit_y).to(device)
    adversary = None
    if cfg.adv_weight > 0:
        adversary = Adversary(os.path.join(args.run_dir, "discriminator.pt"), cfg, device,
                              lr=args.d_lr)

    def step_fn(xb, yb, idx, epoch, step):
        y_true = yb
        if cache is not None:
            states, yb = cache.get(idx, epoch)
            states, yb = [s.to(xb.device) for s in states], yb.to(xb.device)
        else:
            states, yb = fresh_trajectory(flow, xb, yb)
        return reverse_losses(model, flow, cfg, scales, weights, xb, yb, states,
                              feature_net=feature_net, adversary=adversary, y_true=y_true)

    train_loop("reverse", args, cfg, model, ema, opt, state, step_fn, device,
               on_save=adversary.save if adversary else None)


def parse_overrides(items):
    out = {}
    for item in items or []:
        k, v = item.split("=", 1)
        field = config.Config.__dataclass_fields__[k]
        out[k] = (v.lower() in ("1", "true", "yes")) if field.type in (bool, "bool") else \
            type(getattr(config.Config(), k))(v)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("model", choices=["forward", "reverse"])
    p.add_argument("--config", default="s", choices=sorted(config.CONFIGS))
    p.add_argument("--set", nargs="*", help="config overrides, e.g. use_align=false")
    p.add_argument("--run-dir", default=None)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: time only)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--anneal", action="store_true",
                   help="cosine-decay the learning rate over this run's --minutes/--steps")
    p.add_argument("--anneal-from", type=float, default=0.0,
                   help="with --anneal: fraction of the run at constant rate before the decay")
    p.add_argument("--save-every", type=float, default=5.0, help="minutes between checkpoints")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--trajectory-draws", type=int, default=2,
                   help="G: F trajectories computed once per noise draw and reused, cycling "
                        "through this many draws (one per epoch); 0 recomputes every step")
    p.add_argument("--trajectory-dir", default=None,
                   help="G: keep trajectory draws here (float16, ~0.8 GB a draw for config s) "
                        "so later runs against the same F reuse them")
    p.add_argument("--new-forward", action="store_true",
                   help="G: resume against an F other than the one it was trained with")
    p.add_argument("--perceptual-net", default=os.path.join(HERE, "checkpoints", "perceptual.pt"),
                   help="G: the perceptual term's feature network (trained on `fit` if absent)")
    p.add_argument("--d-lr", type=float, default=2e-4, help="G: the discriminator's learning rate")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads; 1 is faster on a busy machine (threads wait on each other)")
    args = p.parse_args(argv)
    args.overrides = parse_overrides(args.set)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.run_dir is None:
        args.run_dir = default_run_dir(config.get(args.config))
    (train_forward if args.model == "forward" else train_reverse)(args)


if __name__ == "__main__":
    main()

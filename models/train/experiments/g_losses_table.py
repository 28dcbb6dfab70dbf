"""The ablation of G's losses as a markdown table (models/train/ablation-losses.md, which
card.py puts into the model card), from the arms g-losses.sh trained and scored.

  /usr/bin/python3 models/train/experiments/g_losses_table.py [checkpoints/abl]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARMS = [("start", "1.3.0 as released (where every arm starts)"), ("mse", "MSE only (1.3.0's recipe)"), ("perceptual", "+ perceptual"),
        ("adversarial", "+ adversarial"), ("both", "+ perceptual + adversarial")]


def last_json(path):
    rows = [line for line in open(path) if line.startswith("{")]
    return json.loads(rows[-1]) if rows else None


def fmt(v, nd=3):
    return "-" if v is None else f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "checkpoints", "abl")
    out = ["| arm | G steps | images/s | val PSNR (dB) | accuracy | FLD | diversity | recall "
           "| accuracy (CNN) | FLD (CNN) |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    guidance = None
    scored = []  # (label, FLD, second judge's FLD) of each trained arm
    for arm, label in ARMS:
        d = os.path.join(root, arm)
        v = last_json(os.path.join(d, "validate.out")) if os.path.exists(os.path.join(d, "validate.out")) else None
        if not v:
            continue
        log = os.path.join(d, "reverse.log.jsonl")
        if os.path.exists(log):
            end = [r for r in map(json.loads, open(log)) if r.get("event") == "run_end"][-1]
            steps, rate = f"{end['first_step']:,} -> {end['step']:,}", end["images_per_second"]
        else:
            steps, rate = f"{v['step']:,}", "-"
        key = next(k for k in v if k.startswith("w"))
        guidance = key[1:]
        s, s2 = v[key], v[key].get("second_judge", {})
        if arm != "start":
            scored.append((label, s["fld"], s2.get("fld")))
        out.append(f"| {label} | {steps} | {rate} | "
                   f"{fmt(v['val_psnr_db'], 2)} | {fmt(s['class_accuracy'])} | {fmt(s['fld'])} | "
                   f"{fmt(s['diversity'])} | {fmt(s['recall'])} | {fmt(s2.get('class_accuracy'))} | "
                   f"{fmt(s2.get('fld'))} |")
    text = ("Each arm fine-tunes the same G (1.3.0, F unchanged) for the same wall-clock time on "
            "one CPU thread, batch 64, lr 1e-4 (`experiments/g-losses.sh`); scored on the "
            f"validation split, 2,000 samples at w = {guidance}, 1,000 images for PSNR; the "
            "last two columns by the second judge (a CNN).\n\n" + "\n".join(out) + "\n")
    if scored:
        best = min(scored, key=lambda r: r[1])
        text += f"\nKept: {best[0]}, the lowest validation FLD ({best[1]:.1f})"
        if all(r[2] is not None for r in scored):
            order = [r[0] for r in sorted(scored, key=lambda r: r[2])]
            text += f"; the second judge's FLD ranks the arms {' < '.join(order)}"
        text += ".\n"
    with open(os.path.join(HERE, "ablation-losses.md"), "w") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()

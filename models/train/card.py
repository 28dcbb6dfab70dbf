"""Write a model's card (README.md in its folder) from its manifest.json.

  /usr/bin/python3 models/train/card.py models/fmnist-biflow-s

Every number comes from the manifest, which export.py, evaluate.py and
scripts/model-report.ts fill in; nothing here is typed by hand.
"""
import json
import os
import re
import sys


def jacobi_lines(m):
    """The Jacobi step file and the default schedule, when the model has them."""
    spec = m["files"].get("jacobi_step")
    if spec is None:
        return []
    lines = [f"- jacobi_step.onnx {spec['bytes'] / 1e6:.2f} MB: one parallel (Jacobi) update of one "
             "flow block's inverse, every token at once, for `sampler=jacobi`."]
    if "added_after_release" in spec:
        lines.append("  It was " + spec["added_after_release"] + ".")
    default = m.get("jacobi", {}).get("default_iterations")
    if default:
        lines.append(f"  Default schedule (iterations per block, block 0 first): {default}; "
                     f"{m['jacobi'].get('why', '')}")
    return lines


SAMPLER_ROWS = [("g", "G, 1 pass"), ("jacobi-1", "Jacobi K = 1"), ("jacobi-2", "Jacobi K = 2"),
                ("jacobi-4", "Jacobi K = 4"), ("jacobi-8", "Jacobi K = 8"),
                ("jacobi-default", "Jacobi, default schedule"), ("exact", "F exact inverse")]


def sampler_lines(m, chart):
    """The quality-per-cost table (evaluate.py --parts jacobi, timing from model-report.ts)."""
    met = m.get("metrics", {})
    jac, speed = met.get("jacobi"), met.get("timing", {}).get("samplers_batch1", {})
    if not jac:
        return []
    ms = speed.get("ms_per_image", {})
    exact_ms = ms.get("exact")
    rows = jac.get("by_sampler", {})
    lines = ["", f"## Samplers: quality per cost (w = {jac.get('guidance')})", "",
             "G's one pass, F's inverse by Jacobi iteration (`sampler=jacobi`: K parallel updates of "
             "every flow block, or the default schedule's per-block budget) and F's exact inverse, on "
             f"the same {jac.get('samples')} noises and classes, scored like the samples above (test "
             f"split). Time per image at batch 1: {met.get('timing', {}).get('runtime', '')}.", "",
             "| sampler | block updates | ms/image | vs exact | class accuracy | FLD | diversity | recall |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for key, name in SAMPLER_ROWS:
        r = rows.get(key)
        if r is None:
            continue
        if key == "jacobi-default":
            name += f" {r.get('iterations')}"
        t = ms.get(key)
        speedup = f"{exact_ms / t:.1f}x" if t and exact_ms else "-"
        lines.append(f"| {name} | {r.get('block_updates') or '-'} | {fmt(t)} | {speedup} | "
                     f"{fmt(r.get('class_accuracy'))} | {fmt(r.get('fld'))} | {fmt(r.get('diversity'))} | "
                     f"{fmt(r.get('recall'))} |")
    if chart:
        lines += ["", "![quality against time per image, one point per sampler](samplers-quality.svg)"]
    return lines


def jacobi_target(m):
    """Issue 16's target for the default schedule, when both tables have it."""
    met = m.get("metrics", {})
    rows = met.get("jacobi", {}).get("by_sampler", {})
    ms = met.get("timing", {}).get("samplers_batch1", {}).get("ms_per_image", {})
    d, e = rows.get("jacobi-default"), rows.get("exact")
    if not d or not e or not ms.get("jacobi-default") or not ms.get("exact"):
        return []
    speedup = ms["exact"] / ms["jacobi-default"]
    quality = (d["fld"] <= 1.05 * e["fld"] and d["class_accuracy"] >= e["class_accuracy"] - 0.01
               and (d.get("diversity") or 0) >= 0.95 * (e.get("diversity") or 0))
    return [("Jacobi default schedule: exact's quality (FLD within 5%, accuracy within 0.01, "
             "diversity within 5%) at >= 10x exact's speed, batch 1",
             f"FLD {fmt(d['fld'])} vs {fmt(e['fld'])}, accuracy {fmt(d['class_accuracy'])} vs "
             f"{fmt(e['class_accuracy'])}, {speedup:.1f}x", quality and speedup >= 10)]


def fmt(v, nd=3):
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def target(ok):
    return "met" if ok else "**missed**"


def quality_row(name, q):
    return (f"| {name} | {fmt(q.get('class_accuracy'))} | {fmt(q.get('fld'))} | "
            f"{fmt(q.get('diversity'))} | {fmt(q.get('precision'))} | {fmt(q.get('recall'))} |")


def headline(metrics):
    """The figures compared between releases, from a manifest's `metrics`."""
    rev, exact = metrics.get("reverse", {}), metrics.get("exact_inverse", {})
    w = rev.get("best_guidance")
    best, ex = rev.get("best", {}), exact.get("by_guidance", {}).get(str(float(w or 0)), {})
    return [
        ("default guidance w (chosen on validation)", w),
        ("G reconstruction PSNR (dB)", rev.get("reconstruction_psnr_db")),
        ("G class accuracy at w", best.get("class_accuracy")),
        ("G FLD at w", best.get("fld")),
        ("G within-class diversity at w", best.get("diversity")),
        ("G precision at w", best.get("precision")),
        ("G recall at w", best.get("recall")),
        ("exact inverse FLD at w", ex.get("fld")),
        ("exact inverse diversity at w", ex.get("diversity")),
        ("exact inverse recall at w", ex.get("recall")),
        ("G samples per w", rev.get("samples")),
    ]


def before_after(previous, m):
    """Previous release against this one, both measured by the current evaluate.py."""
    old, new = headline(previous["metrics"]), headline(m.get("metrics", {}))
    lines = ["", f"## Before and after ({previous['version']} -> {m['version']}, test split, "
                 "same evaluation code and sample counts)", "",
             f"| metric | {previous['version']} | {m['version']} |", "| --- | --- | --- |"]
    for (name, a), (_, b) in zip(old, new):
        lines.append(f"| {name} | {fmt(a)} | {fmt(b)} |")
    return lines


def second_judge_lines(m):
    """The same images scored by both judges (second_judge.py), side by side."""
    sj = m.get("metrics", {}).get("second_judge")
    if not sj:
        return []
    j = sj["judges"]
    names = {"real": "real test images", "redraw": "G(F(x~)): G redrawing those images, w = 0",
             "g": f"G samples, w = {sj['guidance']}", "exact": f"F's exact inverse, w = {sj['guidance']}"}
    lines = ["", "## Two judges (test split)", "",
             f"{sj['images_per_row']:,} images per row against {sj['reference']}. First judge: "
             f"{j['mlp']['architecture']} (accuracy {fmt(j['mlp']['reference_accuracy'])} on the "
             f"reference images); second: {j['cnn']['architecture']} (accuracy "
             f"{fmt(j['cnn']['reference_accuracy'])}). G step {sj['g_step']:,}.", "",
             "| images | accuracy (MLP) | FLD (MLP) | accuracy (CNN) | FLD (CNN) | recall (MLP) | recall (CNN) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for key, label in names.items():
        r = sj["rows"].get(key)
        if r:
            a, b = r["mlp"], r["cnn"]
            lines.append(f"| {label} | {fmt(a['class_accuracy'])} | {fmt(a['fld'])} | "
                         f"{fmt(b['class_accuracy'])} | {fmt(b['fld'])} | {fmt(a.get('recall'))} | "
                         f"{fmt(b.get('recall'))} |")
    return lines


def render(m, ablation, previous=None, sampler_chart=False, loss_ablation=""):
    met = m.get("metrics", {})
    fwd, rev = met.get("forward", {}), met.get("reverse", {})
    exact, timing = met.get("exact_inverse", {}), met.get("timing", {})
    tr = m["training"]
    cfg = tr["config"]
    best_w = rev.get("best_guidance")
    ex0 = exact.get("by_guidance", {}).get("0.0", {})
    exb = exact.get("by_guidance", {}).get(str(float(best_w)) if best_w is not None else "", ex0)
    rb = rev.get("best", {})
    rev_mb = m["files"]["reverse"]["bytes"] / 1e6
    lines = [
        f"# {m['id']} (version {m['version']})",
        "",
        m["description"],
        "",
        "Trained by this repository's own code (`models/train/`) on the Fashion-MNIST train "
        "split only; every figure below was measured by `models/train/evaluate.py` and "
        "`scripts/model-report.ts` and copied here from `manifest.json` by `models/train/card.py`.",
        "",
        "## Samples",
        "",
        f"One row per class ({', '.join(m['classes'])}), columns are seeds 0-9: row k, column s "
        f"is `GET /v1/samples/{m['id']}/k/s.png?guidance=w`. Made from the ONNX files.",
        "",
        f"| G, 1 pass, w = {m['guidance']['default']} | G, 1 pass, w = 0 | F exact inverse (causal decoding) |",
        "| --- | --- | --- |",
        "| ![](samples.png) | ![](samples-w0.png) | ![](samples-exact-inverse.png) |",
        "",
        "## Model",
        "",
        f"- Image {m['image']['channels']}x{m['image']['height']}x{m['image']['width']}, "
        f"patch {cfg['patch']} -> {cfg['tokens']} tokens of {cfg['token_dim']} values.",
        f"- Forward F (improved TARFlow): {cfg['f_blocks']} flow blocks x {cfg['f_layers']} causal "
        f"transformer layer(s), width {cfg['f_width']}, {cfg['f_heads']} heads, "
        f"{m['parameters']['forward']:,} parameters; token order reversed every other block; "
        f"norm control {'on' if cfg['use_clip'] else 'off'} (soft clip to +-{cfg['clip']}); "
        f"trained on x + {cfg['noise_sigma']}*N(0, I); label dropout {cfg['label_drop']}.",
        f"- Reverse G (BiFlow): {cfg['f_blocks']} + {1 if cfg['use_denoise'] else 0} bidirectional "
        f"blocks x {cfg['g_layers']} layer(s), width {cfg['g_width']}, {m['parameters']['reverse']:,} "
        f"parameters; hidden alignment {'on' if cfg['use_align'] else 'off'}, learned denoising "
        f"{'on' if cfg['use_denoise'] else 'off'}, training-time CFG with w in [0, {cfg['guidance_max']}].",
        f"- Files: reverse.onnx {rev_mb:.2f} MB, forward.onnx "
        f"{m['files']['forward']['bytes'] / 1e6:.2f} MB, decode_step.onnx "
        f"{m['files']['decode_step']['bytes'] / 1e6:.2f} MB (opset 17, dynamic batch).",
        *jacobi_lines(m),
        "",
        "## Training",
        "",
        f"- F: {tr['forward']['steps']:,} steps, {tr['forward']['epochs']} epochs, "
        f"{tr['forward']['minutes']} minutes of training.",
        f"- G: {tr['reverse']['steps']:,} steps, {tr['reverse']['epochs']} epochs, "
        f"{tr['reverse']['minutes']} minutes of training, F frozen.",
        f"- Hardware: {tr.get('hardware', 'CPU')}. Training is cumulative: "
        "`models/train/train.py` resumes from `models/train/checkpoints/s/`.",
        f"- Data: {tr.get('data', '')}.",
    ]
    for change in tr["reverse"].get("changes", []):
        lines.append(f"- G change at step {change['step']:,}: "
                     + ", ".join(f"`{k}` = {v}" for k, v in change.items() if k != "step") + ".")
    for run in tr["reverse"].get("runs", []):
        lines.append(f"- G run from {run.get('started')}: steps {run.get('first_step'):,} -> "
                     f"{run.get('step'):,}, {run.get('wall_seconds', 0) / 60:.0f} min wall, "
                     f"{run.get('images_per_second')} images/s on {run.get('threads')} thread(s), "
                     f"batch {run.get('batch')}.")
    throughput = m.get("training_throughput")
    if throughput:
        lines.append(f"- Throughput, side by side (`models/train/bench_train.py`, "
                     f"{throughput.get('threads')} thread): "
                     + ", ".join(f"{k} {v} images/s" for k, v in
                                 throughput.get("images_per_second", {}).items())
                     + f"; one trajectory draw computes "
                       f"{throughput.get('trajectory_draw_images_per_second')} images/s.")
    lines += [
        "",
        "## Evaluation (Fashion-MNIST test split)",
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| F test NLL | {fmt(fwd.get('test_bits_per_dim'))} bits/dim ({fwd.get('noise_model', '')}) |",
        f"| F as Bayes classifier (argmax_y log p(x\\|y)) | {fmt(fwd.get('bayes_classifier_accuracy'))} "
        f"on {fwd.get('bayes_classifier_images')} test images |",
        f"| G reconstruction PSNR, G(F(x~)) vs clean x | {fmt(rev.get('reconstruction_psnr_db'), 2)} dB |",
        f"| G class accuracy / FLD, w = 0 | {fmt(rev.get('w0', {}).get('class_accuracy'))} / "
        f"{fmt(rev.get('w0', {}).get('fld'))} |",
        f"| G class accuracy / FLD, best w = {best_w} | {fmt(rb.get('class_accuracy'))} / {fmt(rb.get('fld'))} |",
        f"| exact inverse class accuracy / FLD, w = 0 | {fmt(ex0.get('class_accuracy'))} / {fmt(ex0.get('fld'))} |",
        f"| exact inverse class accuracy / FLD, w = {best_w} | {fmt(exb.get('class_accuracy'))} / "
        f"{fmt(exb.get('fld'))} |",
        f"| judge classifier test accuracy | {fmt(met.get('judge', {}).get('test_accuracy'))} |",
        "",
        f"Mode collapse, at w = {best_w} (diversity: mean pairwise distance between samples of "
        "one class over the same for real test images; precision / recall: k-NN manifolds, "
        "k = 3, in the judge's feature space, Kynkäänniemi et al. 2019):",
        "",
        "| | class accuracy | FLD | diversity | precision | recall |",
        "| --- | --- | --- | --- | --- | --- |",
        quality_row("G, 1 pass", rb),
        quality_row("F exact inverse", exb),
        quality_row("real data (validation images)", met.get("real_data", {})),
        "",
        f"Samples: {rev.get('samples')} class-conditional samples for G (equal per class) and "
        f"{exact.get('samples')} for the exact inverse; FLD is the Frechet distance between "
        "Gaussians fitted to the judge's 256-d penultimate features of the samples and of the "
        "10,000 test images.",
        "",
        "Guidance sweep for G:",
        "",
        f"Guidance sweep for G (the default, w = {best_w}, is the lowest FLD on the "
        "validation split; test figures are reported, never used to choose):",
        "",
        "| w | class accuracy | FLD | diversity | recall | validation FLD |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    val_grid = rev.get("validation_guidance_grid", {})
    for w, s in rev.get("guidance_grid", {}).items():
        lines.append(f"| {w} | {fmt(s['class_accuracy'])} | {fmt(s['fld'])} | "
                     f"{fmt(s.get('diversity'))} | {fmt(s.get('recall'))} | "
                     f"{fmt(val_grid.get(w, {}).get('fld'))} |")
    if previous:
        lines += before_after(previous, m)
    if timing:
        lines += [
            "",
            f"## Sampling speed ({timing.get('runtime')})",
            "",
            "| batch | G, 1 pass (ms/image) | exact inverse (ms/image) | speed-up |",
            "| --- | --- | --- | --- |",
        ]
        for b in (1, 64):
            lines.append(f"| {b} | {timing.get(f'reverse_ms_per_image_batch{b}')} | "
                         f"{timing.get(f'exact_inverse_ms_per_image_batch{b}')} | "
                         f"{timing.get(f'speedup_batch{b}')}x |")
        lines += ["", f"The exact inverse runs {timing.get('exact_inverse_steps')} sequential "
                      "decode steps (blocks x (tokens - 1)) through `decode_step.onnx`."]
    lines += sampler_lines(m, sampler_chart)
    lines += ["", "## Targets", "", "| target | measured | |", "| --- | --- | --- |"]
    checks = [
        ("reverse.onnx <= 8 MB", f"{rev_mb:.2f} MB", rev_mb <= 8),
        ("class accuracy of G's samples >= 85%", fmt(rb.get("class_accuracy")),
         (rb.get("class_accuracy") or 0) >= 0.85),
        (f"G's FLD below the exact inverse's at w = {best_w}",
         f"{fmt(rb.get('fld'))} vs {fmt(exb.get('fld'))}",
         (rb.get("fld") or 1e9) < (exb.get("fld") or 0)),
        ("within-class diversity >= 90% of real", fmt(rb.get("diversity")),
         (rb.get("diversity") or 0) >= 0.9),
        ("recall >= 0.5", fmt(rb.get("recall")), (rb.get("recall") or 0) >= 0.5),
        ("reconstruction PSNR >= 20 dB", f"{fmt(rev.get('reconstruction_psnr_db'), 2)} dB",
         (rev.get("reconstruction_psnr_db") or 0) >= 20),
        ("1-NFE >= 50x faster than exact decoding at batch 1",
         f"{timing.get('speedup_batch1')}x", (timing.get("speedup_batch1") or 0) >= 50),
    ] + jacobi_target(m)
    for name, value, ok in checks:
        lines.append(f"| {name} | {value} | {target(ok)} |")
    lines += second_judge_lines(m)
    if loss_ablation:
        lines += ["", "## G's losses, same budget per arm (validation split)", "", loss_ablation.strip()]
    if ablation:
        lines += ["", "## Ablation (short runs, same budget per row)", "", ablation.strip()]
    lines += ["", "## Intended use and limits", "",
              "A small demonstration model of the BiFlow method for the biflow-edge service: "
              "28x28 greyscale clothing images. Not a general image model; samples can be "
              "blurry or off-class, and the metrics above say how often.", ""]
    return "\n".join(lines)


def main():
    model_dir = sys.argv[1]
    m = json.load(open(os.path.join(model_dir, "manifest.json")))
    here = os.path.dirname(os.path.abspath(__file__))
    abl_path = os.path.join(here, "ablation.md")
    ablation = open(abl_path).read() if os.path.exists(abl_path) else ""
    loss_path = os.path.join(here, "ablation-losses.md")
    loss_ablation = open(loss_path).read() if os.path.exists(loss_path) else ""
    # The previous release re-evaluated by today's evaluate.py (models/train/releases/).
    previous = None
    releases = os.path.join(here, "releases")
    if os.path.isdir(releases):
        # Only `{id}-{version}.json` (not the `.quantized.json` records beside them), the
        # latest version before this one.
        pattern = re.compile(re.escape(m["id"]) + r"-(\d+)\.(\d+)\.(\d+)\.json$")
        current = tuple(int(p) for p in m["version"].split("."))
        older = sorted((v, f) for f in os.listdir(releases)
                       if (match := pattern.match(f))
                       and (v := tuple(int(g) for g in match.groups())) < current)
        if older:
            previous = json.load(open(os.path.join(releases, older[-1][1])))
    with open(os.path.join(model_dir, "README.md"), "w") as fh:
        chart = os.path.exists(os.path.join(model_dir, "samplers-quality.svg"))
        fh.write(render(m, ablation, previous, sampler_chart=chart, loss_ablation=loss_ablation))
    print(f"wrote {os.path.join(model_dir, 'README.md')}")


if __name__ == "__main__":
    main()

"""Choose a model's default Jacobi schedule on the validation split and record it.

  OPENBLAS_NUM_THREADS=1 nice /usr/bin/python3 models/train/jacobi_schedule.py \
      --model-dir models/fmnist-biflow-s --timing artifacts/samplers/timing.json \
      artifacts/samplers/scores-val*.json

Inputs: scores of sample files against the validation split (score_samples.py --split val)
and their time per image at batch 1 (scripts/sampler-report.ts), named `exact` and
`jacobi-k0_k1_..._k7`. The rule (GS-Jacobi's budget per block, judged by quality per cost):
the cheapest per-block schedule whose samples keep exact decoding's quality, i.e. FLD at
most 5% above exact's, class accuracy at most 0.01 below, within-class diversity at least
95% of exact's. The choice goes into manifest.json under `jacobi` with the figures behind it.
"""
import argparse
import json
import os


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("scores", nargs="+")
    p.add_argument("--timing", required=True)
    p.add_argument("--model-dir", required=True)
    args = p.parse_args(argv)
    scores = {}
    for path in args.scores:
        with open(path) as fh:
            doc = json.load(fh)
        assert doc["split"] == "val", f"{path}: schedules are chosen on the validation split"
        scores.update(doc["scores"])
    with open(args.timing) as fh:
        timing = json.load(fh)
    exact = scores["exact"]
    candidates = []
    for name, s in scores.items():
        if not name.startswith("jacobi-") or "@" in name:
            continue
        ks = [int(k) for k in name[len("jacobi-"):].split("_")]
        if len(ks) == 1:
            continue  # uniform schedules are the K rows of the table, not per-block budgets
        ok = (s["fld"] <= 1.05 * exact["fld"] and s["class_accuracy"] >= exact["class_accuracy"] - 0.01
              and s["diversity"] >= 0.95 * exact["diversity"])
        ms = timing["jacobi:" + ",".join(map(str, ks))]
        candidates.append((not ok, sum(ks), ms, ks, s))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    failed, updates, ms, ks, s = candidates[0]
    if failed:
        raise SystemExit("no schedule keeps exact decoding's quality: measure longer ones")
    manifest_path = os.path.join(args.model_dir, "manifest.json")
    with open(manifest_path) as fh:
        manifest = json.load(fh)
    manifest["jacobi"] = {
        "default_iterations": ks,
        "tolerance": None,
        "forward_step": manifest["training"]["forward"]["steps"],
        "chosen_on": f"validation split, {s['samples']} samples per schedule at w = "
                     f"{manifest['guidance']['default']}",
        "why": (f"the cheapest of {len(candidates)} per-block schedules with FLD within 5%, class "
                f"accuracy within 0.01 and diversity within 5% of exact decoding on the validation "
                f"split: {updates} block updates ({ms} ms/image at batch 1 against exact's "
                f"{timing['exact']} ms); validation FLD {s['fld']} vs {exact['fld']}, accuracy "
                f"{s['class_accuracy']} vs {exact['class_accuracy']}, diversity {s['diversity']} vs "
                f"{exact['diversity']}. F's last block (inverted first) is the tough one."),
    }
    with open(manifest_path, "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    print(json.dumps(manifest["jacobi"], indent=2))


if __name__ == "__main__":
    main()

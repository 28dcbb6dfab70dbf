#!/usr/bin/env bash
# One command for a CUDA machine (PyTorch 2.x, no network): continue F and then G from the
# committed checkpoints within a wall-clock budget, and leave everything worth bringing back
# in OUT_DIR as at most 8 files of at most 16 MiB each.
#
#   bash models/train/gpu-train.sh MINUTES OUT_DIR [config]
#
# MINUTES is the whole budget, start-up included: F gets FORWARD_SHARE of the training time
# (default 0.35), G the rest with the loss terms in G_SET: by default the perceptual term,
# which won the same-budget ablation of G's losses on validation (ablation-losses.md; the
# adversarial term added nothing measurable in that budget: G_SET="perceptual_weight=0.25
# adv_weight=0.1" turns it on). Nothing is downloaded: the Fashion-MNIST train files are
# read from FASHION_MNIST_DIR (default: models/train/data/ if it holds them, else Debian's
# /usr/share/datasets/fashion-mnist), and the perceptual network from
# checkpoints/perceptual.pt. The same command runs on a CPU (it picks CUDA when torch sees
# one); CI runs it on `tiny` under Debian's torch 1.13.
#
# Bring-back files in OUT_DIR: forward.pt, reverse.pt (EMA weights: what export.py reads
# and what is committed), forward.log.jsonl, reverse.log.jsonl, gpu-train.log, and, when
# under 16 MiB, the resume state (forward.resume.pt, reverse.resume.pt, discriminator.pt)
# so that a later run continues exactly. To adopt a run: copy forward.pt / reverse.pt and
# the logs over models/train/checkpoints/<config>/, then validate.py and release.sh.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MINUTES="${1:?usage: gpu-train.sh MINUTES OUT_DIR [config]}"
OUT="${2:?usage: gpu-train.sh MINUTES OUT_DIR [config]}"
CONFIG="${3:-s}"
FORWARD_SHARE="${FORWARD_SHARE:-0.35}"
G_SET="${G_SET:-perceptual_weight=0.25}"
PY="${PYTHON:-python3}"
MAX_FILE_BYTES=$((16 * 1024 * 1024))
# Start-up (imports, reading the data, F's first trajectories) and the last save come out of
# the budget too; this much of it is kept back from the two training runs.
RESERVE_MINUTES="${RESERVE_MINUTES:-0.75}"
# STEPS caps each of the two runs as well (the CI test runs a few steps on `tiny`).
STEP_CAP=(${STEPS:+--steps "$STEPS"})

if [[ -z "${FASHION_MNIST_DIR:-}" ]]; then
  if [[ -f "$HERE/data/train-images-idx3-ubyte.gz" ]]; then
    FASHION_MNIST_DIR="$HERE/data"
  else
    FASHION_MNIST_DIR=/usr/share/datasets/fashion-mnist
  fi
fi
export FASHION_MNIST_DIR
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz; do
  if [[ ! -f "$FASHION_MNIST_DIR/$f" ]]; then
    echo "gpu-train.sh: $FASHION_MNIST_DIR/$f is missing; set FASHION_MNIST_DIR to the folder with the Fashion-MNIST train files" >&2
    exit 2
  fi
done

mkdir -p "$OUT"
LOG="$OUT/gpu-train.log"
exec > >(tee -a "$LOG") 2>&1
echo "gpu-train.sh: config $CONFIG, $MINUTES min, out $OUT, data $FASHION_MNIST_DIR, $(date -u +%FT%TZ)"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"

# Seed OUT from the committed checkpoints (if this config has any) unless it already holds
# a run: a second call with the same OUT continues that run.
COMMITTED="$HERE/checkpoints/$CONFIG"
for f in forward.pt reverse.pt forward.log.jsonl reverse.log.jsonl metrics.json; do
  if [[ ! -e "$OUT/$f" && -f "$COMMITTED/$f" ]]; then cp "$COMMITTED/$f" "$OUT/$f"; fi
done

read -r F_MIN G_MIN < <("$PY" -c "
t = max(0.0, float('$MINUTES') - float('$RESERVE_MINUTES'))
f = t * float('$FORWARD_SHARE')
print(f'{f:.3f} {t - f:.3f}')")
echo "gpu-train.sh: F for $F_MIN min, then G for $G_MIN min (${G_SET:-MSE only})"

if [[ "$F_MIN" != "0.000" ]]; then
  "$PY" "$HERE/train.py" forward --config "$CONFIG" --run-dir "$OUT" --minutes "$F_MIN" --save-every 2 "${STEP_CAP[@]}"
fi
# G against the F just trained: --new-forward lets G continue from its weights although F moved.
# shellcheck disable=SC2086
"$PY" "$HERE/train.py" reverse --config "$CONFIG" --run-dir "$OUT" --minutes "$G_MIN" --save-every 2 \
  "${STEP_CAP[@]}" --new-forward --trajectory-draws 0 ${G_SET:+--set $G_SET}

# The bring-back contract: resume state that would break the size limit is dropped (the EMA
# weights alone still continue a run, with a fresh optimiser), metrics.json is a copy of the
# committed one (the release recomputes it) and goes too.
rm -f "$OUT/metrics.json" "$OUT"/*.tmp
for f in "$OUT"/*.resume.pt "$OUT/discriminator.pt"; do
  if [[ -f "$f" && $(stat -c %s "$f") -gt $MAX_FILE_BYTES ]]; then
    echo "gpu-train.sh: dropping $(basename "$f") ($(stat -c %s "$f") bytes > 16 MiB)"
    rm -f "$f"
  fi
done
count=0
for f in "$OUT"/*; do
  size=$(stat -c %s "$f")
  count=$((count + 1))
  printf 'gpu-train.sh: %-22s %10d bytes\n' "$(basename "$f")" "$size"
  if ((size > MAX_FILE_BYTES)); then
    echo "gpu-train.sh: $(basename "$f") is over 16 MiB" >&2
    exit 1
  fi
done
if ((count > 8)); then
  echo "gpu-train.sh: $count files in $OUT, more than 8" >&2
  exit 1
fi
echo "gpu-train.sh: done, $(date -u +%FT%TZ)"

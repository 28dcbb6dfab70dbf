#!/usr/bin/env bash
# Same-budget ablation of G's losses on the shipped checkpoints (F unchanged): four arms
# fine-tune a copy of checkpoints/s for MINUTES each, two at a time (one thread each),
# then each is scored on the validation split. Arms: MSE only (1.3.0's recipe), +
# perceptual, + adversarial, both. Results: checkpoints/abl/<arm>/validate.json.
#
#   bash models/train/experiments/g-losses.sh [minutes]
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
MINUTES="${1:-12}"
ROOT="$HERE/checkpoints/abl"
export OPENBLAS_NUM_THREADS=1
PY=/usr/bin/python3
declare -A SETS=(
  [mse]=""
  [perceptual]="perceptual_weight=0.25"
  [adversarial]="adv_weight=0.1 adv_d_warmup=100 adv_ramp=200"
  [both]="perceptual_weight=0.25 adv_weight=0.1 adv_d_warmup=100 adv_ramp=200"
)
arm() {
  local name="$1" dir="$ROOT/$1"
  if [[ ! -f "$dir/reverse.pt" ]]; then
    mkdir -p "$dir"
    cp "$HERE/checkpoints/s/forward.pt" "$HERE/checkpoints/s/reverse.pt" "$HERE/checkpoints/s/metrics.json" "$dir/"
  fi
  # shellcheck disable=SC2086
  $PY "$HERE/train.py" reverse --config s --run-dir "$dir" --minutes "$MINUTES" --lr 1e-4 \
    --trajectory-draws 0 --threads 1 --save-every 4 ${SETS[$name]:+--set ${SETS[$name]}} \
    > "$dir/train.out" 2>&1
  $PY "$HERE/validate.py" --run-dir "$dir" --images 1000 --samples 2000 --guidance 0.5 \
    --threads 1 --label "$name" > "$dir/validate.out" 2>&1
  echo "$name done: $(tail -1 "$dir/validate.out")"
}
arm mse & arm perceptual & wait
arm adversarial & arm both & wait

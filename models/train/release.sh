#!/usr/bin/env bash
# From trained checkpoints to a shipped model folder: ONNX export with parity fixture,
# evaluation (metrics into manifest.json), sample grids and timing from the ONNX files,
# the model card, and everything in the service derived from the model files.
#
#   models/train/release.sh [config] [model-id] [version]
#
# Give new weights a new version: sample URLs and storage keys name (model, version, ...) and
# are served as immutable, so re-releasing different weights under an old version would
# leave caches holding images the model no longer makes.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${1:-s}
ID=${2:-fmnist-biflow-s}
VERSION=${3:-1.1.0}
DIR=models/$ID
RUN=models/train/checkpoints/$CONFIG
P=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1

$P models/train/export.py --config "$CONFIG" --out "$DIR" --id "$ID" --version "$VERSION" \
  --parity-out "tests/fixtures/parity/$ID.json"
# Parts already in $RUN/metrics.json (e.g. forward, computed while G trained) are kept.
# EVAL_PARTS="forward reverse exact jacobi" adds the samplers' quality-per-cost table (G,
# Jacobi K = 1, 2, 4, 8 and the default schedule, exact) to the card: the five Jacobi rows
# take about 0.13 s per sample on one core (21 min at the default 10,000 samples; the exact
# row reuses the exact part's samples); EVAL_ARGS="--jacobi-samples 2000" makes it smaller.
$P models/train/evaluate.py --config "$CONFIG" --model-dir "$DIR" --out "$RUN/metrics.json" \
  --parts ${EVAL_PARTS:-forward reverse exact} ${EVAL_ARGS:-}
# Every headline figure by a second judge of another architecture (a CNN trained on fit) too.
$P models/train/second_judge.py --config "$CONFIG" --model-dir "$DIR" --out "$RUN/metrics.json" \
  --samples "${SECOND_JUDGE_SAMPLES:-2000}"
node --import tsx scripts/model-report.ts "$DIR"
# Quantized builds of reverse.onnx (quantize.py) against float32: speed, closeness and FLD
# into models/train/releases/$ID-$VERSION.quantized.json, which `npm run bench` reads. Whether
# a build meets issue 12's bar to ship is in the record; nothing is added to $DIR here.
node --import tsx scripts/quantized-report.ts "$DIR" "${QUANT_SAMPLES:-2000}"
$P models/train/card.py "$DIR"
if npm run | grep -q "models:sync"; then npm run models:sync; fi

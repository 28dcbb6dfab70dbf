#!/usr/bin/env bash
# The README's one test command: on a fresh Debian machine, installs what the test suites
# need (apt packages below, then `npm ci`), runs `npm run lint`, `npm run format:check` and
# `npm test`, and prints a plain tally.
set -euo pipefail
cd "$(dirname "$0")/.."

# ---------------------------------------------------------------------------------------
# APT PACKAGES the test suites need. Extend this list, one package per line with the
# reason; only missing ones are installed.
APT_PACKAGES=(
  python3-onnx          # tests/fixtures/make_tiny_models.py (fixture ONNX models)
  python3-numpy         # idem
  chromium              # browser (playground) tests
  python3-torch         # models/train: training, export, evaluation tests
  libopenblas0-pthread  # fast BLAS for python3-torch (docs/architecture.md: 62 vs 2.7 GFLOP/s)
  dataset-fashion-mnist # the training data
  python3-tqdm          # training progress
)
# ---------------------------------------------------------------------------------------

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "test-all: installing apt packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# onnxruntime-node's install script would download CUDA binaries: npm 11 skips it (the
# allowScripts field of package.json denies it), npm 10 runs every script and reads this.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund

mkdir -p artifacts
status=0
# Lint and formatting first, but the suites run whatever they say: one report shows all.
lint="passed"
npm run lint || { lint="FAILED"; status=1; }
format="passed"
npm run format:check || { format="FAILED"; status=1; }
tests=0
npm test -- --reporter=default --reporter=json --outputFile.json=artifacts/vitest.json || tests=$?
if ((tests != 0)); then status=$tests; fi

# Plain closing lines that any CI reader understands.
echo "lint: $lint; format: $format"
if [[ -f artifacts/vitest.json ]]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync("artifacts/vitest.json", "utf8"));
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  '
fi
exit "$status"

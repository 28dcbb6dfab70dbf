#!/usr/bin/env bash
# Installs the training pipeline's dependencies from Debian's packages (no pip, no hub):
# PyTorch, OpenBLAS (torch 1.13 on a generic BLAS is ~20x slower), ONNX, the data set.
set -euo pipefail
PACKAGES=(python3-torch libopenblas0-pthread python3-onnx python3-numpy python3-tqdm dataset-fashion-mnist)
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
/usr/bin/python3 -c "import torch, onnx; print('torch', torch.__version__, 'onnx', onnx.__version__)"

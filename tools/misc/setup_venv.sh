#!/usr/bin/env bash
# Create or reuse .venv and install the pinned stack (requirements.txt) plus this project.
# Idempotent: every step is skipped when what it installs is already there.
# GPU users: run `FORCE_CUDA=1 make venv` on a machine with nvcc matching torch's CUDA
# so that mmcv compiles its CUDA ops too.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating $VENV with $($PY --version)"
    "$PY" -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip"
req() { grep -E "^$1" requirements.txt | head -n 1; }

echo "[setup] build tools, torch and the pure-Python stack"
$PIP install -q "$(req setuptools)" wheel ninja psutil
$PIP install -q "$(req torch==)" "$(req torchvision)" "$(req numpy)" \
    "$(req opencv-python)" "$(req mmengine)" pycocotools pytest

MMCV_OK="import mmcv, mmcv._ext as e; assert mmcv.__version__ == '2.1.0'"
CACHE=""
if [ "${FORCE_CUDA:-0}" = "1" ]; then
    MMCV_OK="$MMCV_OK; assert e.get_compiling_cuda_version() != 'not available'"
    CACHE="--no-cache-dir"  # the cached wheel may be a CPU-only build
fi
if ! $VENV/bin/python -c "$MMCV_OK" 2>/dev/null; then
    echo "[setup] building mmcv 2.1.0 from source with its ops (first time: 8-20 min on 2 cores; then pip's wheel cache)"
    $PIP uninstall -y -q mmcv 2>/dev/null || true
    MAX_JOBS=${MAX_JOBS:-$(nproc)} $PIP install $CACHE --no-build-isolation "mmcv==2.1.0"
fi
$PIP install -q "$(req mmdet)"
# mmpretrain (Swin-V2 backbones) beside mmcv 2.1.0; numpy stays <2
$PIP install -q -c requirements.txt "$(req mmpretrain)"
# mmdet's analysis tools; numpy stays <2 (requirements.txt as constraints)
$PIP install -q -c requirements.txt "$(req seaborn)"
# OAT's MultiMatch (needs pandas and scipy); numpy stays <2
$PIP install -q -c requirements.txt "$(req multimatch-gaze)"
# the optional ONNX export extras (pip install -e .[deploy]), so that the
# export tests run; numpy stays <2
$PIP install -q -c requirements.txt "$(req onnx==)" "$(req onnxruntime)" \
    "$(req onnxsim)"
$PIP install -q --no-build-isolation --no-deps -e .
$VENV/bin/python tools/misc/check_env.py

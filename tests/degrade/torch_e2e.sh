#!/usr/bin/env bash
# realesrgan_degrade's resize and blur against PyTorch itself (F.interpolate, F.pad reflect +
# F.conv2d as BasicSR's filter2D), and the NumPy reference of stages_e2e.sh against
# F.interpolate (tests/degrade/_torch_check.py). Skipped without Debian's torch.
set -u
ROOT=${RESR_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/filter/_lib.sh"

require_ffmpeg degrade_torch
if ! "$FFMPEG" -hide_banner -filters 2>/dev/null | grep -q realesrgan_degrade; then
    skip degrade_torch "this ffmpeg has no realesrgan_degrade filter"
    exit 0
fi
if ! "$PY" -c "import torch" 2>/dev/null; then
    skip degrade_torch "no torch for $PY (Debian: python3-torch)"
    exit 0
fi
"$PY" "$ROOT/tests/degrade/_torch_check.py" "$FFMPEG" "$WORK"

#!/usr/bin/env bash
# realesrgan_degrade's stages against independent NumPy definitions (tests/degrade/
# _reference.py): every blur kernel type through filter2D's reflect padding, the three
# F.interpolate modes with scale_factor and size semantics, and a chain. 16-bit RGB in and
# out; each case must reach 50 dB PSNR.
set -u
ROOT=${RESR_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/filter/_lib.sh"

require_ffmpeg degrade_stages
if ! "$FFMPEG" -hide_banner -filters 2>/dev/null | grep -q realesrgan_degrade; then
    skip degrade_stages "this ffmpeg has no realesrgan_degrade filter"
    exit 0
fi
"$PY" "$ROOT/tests/degrade/_stages.py" "$FFMPEG" "$WORK"

#!/usr/bin/env bash
# Makes doc/before-after.png with the project's own ./ffmpeg: one frame of the official
# Real-ESRGAN demo clip, a 128x96 crop shown x4 twice, side by side:
#   left:  the decoded frame, converted to RGB, nearest-neighbour x4 (what the input holds)
#   right: realesrgan=model=realesr-animevideov3 on the whole frame, the same crop of the result
# The network runs on the whole frame so that the crop's borders see their real context.
#
#   doc/make-picture.sh [CLIP]      (default media/onepiece_demo.mp4)
set -euo pipefail
cd "$(dirname "$0")/.."

clip=${1:-media/onepiece_demo.mp4}
at=1                        # seconds into the clip
x=416 y=196 w=128 h=96      # the crop, in input pixels
gap=8                       # white columns between the halves
out=doc/before-after.png
python=/usr/bin/python3
[ -x "$python" ] || python=python3

model=$(tools/fetch-models -q --find --also ../shared/models realesr-animevideov3)
./ffmpeg -hide_banner -filters 2>/dev/null | grep -qE '^ *[^ ]+ +realesrgan ' ||
    { echo "make-picture: ./ffmpeg has no realesrgan filter: run ./configure && make" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

./ffmpeg -hide_banner -loglevel error -nostdin -ss "$at" -i "$clip" -frames:v 1 \
    -vf "format=rgb24,crop=$w:$h:$x:$y,scale=iw*4:ih*4:flags=neighbor" \
    -f rawvideo -pix_fmt rgb24 "$tmp/before.rgb"
./ffmpeg -hide_banner -loglevel error -nostdin -ss "$at" -i "$clip" -frames:v 1 \
    -vf "realesrgan=model=$model,format=rgb24,crop=$((4 * w)):$((4 * h)):$((4 * x)):$((4 * y))" \
    -f rawvideo -pix_fmt rgb24 "$tmp/after.rgb"

"$python" - "$tmp" $((4 * w)) $((4 * h)) "$gap" <<'EOF'
import sys
import numpy as np
tmp, w, h, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
before = np.fromfile(f"{tmp}/before.rgb", np.uint8).reshape(h, w, 3)
after = np.fromfile(f"{tmp}/after.rgb", np.uint8).reshape(h, w, 3)
white = np.full((h, gap, 3), 255, np.uint8)
np.concatenate([before, white, after], axis=1).tofile(f"{tmp}/both.rgb")
EOF

./ffmpeg -hide_banner -loglevel error -nostdin -y -f rawvideo -pix_fmt rgb24 \
    -s $((8 * w + gap))x$((4 * h)) -i "$tmp/both.rgb" -frames:v 1 -compression_level 100 \
    -pred mixed "$out"
echo "$out: $(stat -c %s "$out") bytes, model $model"

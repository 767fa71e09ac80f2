#!/usr/bin/env bash
# ffmpeg's realesrgan against the independent PyTorch reference (tests/reference/
# run_reference.py, Debian's torch) on the same input frame:
#   gbrpf32le in and out (raw network output, unclamped), whole frame and with the official
#   tile_process cut (tile 32, pad 10); a PNG through the filter in rgb24 (8-bit rounding on
#   both sides); an x2 RRDBNet fixture at an odd size (reflect pre-padding).
# Each must reach 50 dB.
. "$(dirname "$0")/_lib.sh"

CASES=(pytorch_gbrpf32 pytorch_gbrpf32_tiled pytorch_png_rgb24 pytorch_x2_odd_size)
require_ffmpeg "${CASES[@]}"
IMAGE=$SHARED/media/images/00003.png
X2=$ROOT/tests/fixtures/rrdb_x2_f16.pth
REF=$ROOT/tests/reference/run_reference.py
COMPARE=$ROOT/tests/reference/compare.py
# the official weights, a sample image and PyTorch (Debian's python3-torch, tools/install-deps)
# are data CI provides: missing, they are a data skip (a FAIL with RESR_STRICT=1)
missing=
for f in "$MODEL" "$IMAGE" "$REF"; do [ -f "$f" ] || missing="$missing $f"; done
"$PY" -c "import torch" 2>/dev/null || missing="$missing torch (python3-torch for $PY)"
if [ -n "$missing" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "not found:$missing"; done
    exit 0
fi

W=128 H=96
# one input frame, identical for both sides
if ! ff "$WORK/in.log" -i "$IMAGE" -vf "crop=$W:$H:200:80" -c:v png "$WORK/crop.png" ||
   ! ff "$WORK/in.log" -i "$WORK/crop.png" -vf format=gbrpf32le -f rawvideo "$WORK/in.raw"; then
    for name in "${CASES[@]}"; do fail "$name" "preparing the input: $(log_excerpt "$WORK/in.log")"; done
    exit 1
fi

# crosscheck NAME MODEL SCALE W H FFMPEG-VF REF-ARGS OUTFMT [INPUT-ARGS...]
crosscheck() {
    local name=$1 model=$2 scale=$3 w=$4 h=$5 vf=$6 ref_args=$7 fmt=$8
    shift 8
    local out=$WORK/$name.out ref=$WORK/$name.ref report status
    ff "$WORK/$name.log" "$@" -vf "$vf" -f rawvideo -pix_fmt "$fmt" "$out"
    status=$?
    if [ $status -ne 0 ]; then
        fail "$name" "ffmpeg exited $status: $(log_excerpt "$WORK/$name.log")"
        return
    fi
    # shellcheck disable=SC2086
    if ! "$PY" "$REF" --model "$model" $ref_args --out "$ref" --out-fmt "$fmt" >"$WORK/$name.ref.log" 2>&1; then
        fail "$name" "run_reference.py failed: $(tail -1 "$WORK/$name.ref.log")"
        return
    fi
    report=$("$PY" "$COMPARE" "$out" "$ref" --w $((w * scale)) --h $((h * scale)) --fmt "$fmt" --min-psnr 50 2>&1)
    status=$?
    echo "# $name: $(echo "$report" | head -1)"
    if [ $status -eq 0 ]; then
        pass "$name"
    else
        fail "$name" "$(echo "$report" | tail -1)"
    fi
}

RAW_IN=(-f rawvideo -pix_fmt gbrpf32le -s "${W}x$H" -i "$WORK/in.raw")
crosscheck pytorch_gbrpf32 "$MODEL" 4 $W $H "realesrgan=model=$MODEL" \
      "--in $WORK/in.raw --w $W --h $H --fmt gbrpf32le" gbrpf32le "${RAW_IN[@]}"
crosscheck pytorch_gbrpf32_tiled "$MODEL" 4 $W $H "realesrgan=model=$MODEL:tile=32:tile_pad=10" \
      "--in $WORK/in.raw --w $W --h $H --fmt gbrpf32le --tile 32 --tile-pad 10" gbrpf32le "${RAW_IN[@]}"
crosscheck pytorch_png_rgb24 "$MODEL" 4 $W $H "realesrgan=model=$MODEL" \
      "--in $WORK/crop.png" rgb24 -i "$WORK/crop.png"

if [ -f "$X2" ]; then
    ff "$WORK/odd.log" -i "$WORK/crop.png" -vf "crop=37:29:5:7,format=gbrpf32le" -f rawvideo "$WORK/odd.raw"
    crosscheck pytorch_x2_odd_size "$X2" 2 37 29 "realesrgan=model=$X2" \
          "--in $WORK/odd.raw --w 37 --h 29 --fmt gbrpf32le" gbrpf32le \
          -f rawvideo -pix_fmt gbrpf32le -s 37x29 -i "$WORK/odd.raw"
else
    skip_data pytorch_x2_odd_size "$X2 missing"
fi
finish

#!/usr/bin/env bash
# tools/restoration-eval on a small generated clip: a table row per restoration with finite
# PSNR and SSIM, an identity round trip scoring lossless (the comparison is aligned), and
# the side-by-side picture.
set -u
ROOT=${RESR_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/filter/_lib.sh"

require_ffmpeg eval_table eval_aligned eval_picture
if ! "$FFMPEG" -hide_banner -filters 2>/dev/null | grep -q realesrgan_degrade; then
    skip eval_table "this ffmpeg has no realesrgan_degrade filter"
    exit 0
fi
"$FFMPEG" -hide_banner -nostdin -v error -f lavfi -i testsrc2=s=96x64:r=10:d=0.3 -c:v ffv1 "$WORK/clean.mkv"
out=$("$PY" "$ROOT/tools/restoration-eval" --ffmpeg "$FFMPEG" --frames 3 --picture "$WORK/p.png" --crop 128 \
      --degrade preset=x4plus:seed=2 \
      --setting "bicubic=scale={w}:{h}:flags=bicubic" \
      --setting "tiny srvgg=realesrgan=model=$ROOT/tests/fixtures/srvgg_x4.pth,scale={w}:{h}" \
      "$WORK/clean.mkv" 2>"$WORK/err.log")
status=$?
echo "$out" | sed 's/^/# /'
rows=$(echo "$out" | grep -cE '^\| clean.mkv \| .* \| [0-9]+\.[0-9]+ \| [01]\.[0-9]+ \|$')
check eval_table $(( status == 0 && rows == 3 ? 0 : 1 )) "status $status, $rows result rows: $(tail -c 300 "$WORK/err.log")"

# the measuring path is aligned: a degradation of nothing (preset=none, scale=1) restored
# by nothing must score as lossless
# (the wide layout: one row per input, PSNR / SSIM per column)
out=$("$PY" "$ROOT/tools/restoration-eval" --ffmpeg "$FFMPEG" --frames 3 --degrade preset=none:scale=1 \
      --wide --setting "identity=null" "$WORK/clean.mkv" 2>>"$WORK/err.log")
echo "$out" | sed 's/^/# /'
echo "$out" | grep -qE '^\| clean.mkv \| inf / 1\.000 \| inf / 1\.000 \|$'
check eval_aligned $? "preset=none:scale=1 with a null restoration is not lossless: $out"
[ -s "$WORK/p.png" ] && "$FFPROBE" -v error -show_entries stream=width,height -of csv=p=0 "$WORK/p.png" | grep -q '^512,128$'
check eval_picture $? "picture missing or not 4 panels of 128x128: $("$FFPROBE" -v error -show_entries stream=width,height -of csv=p=0 "$WORK/p.png" 2>&1)"
finish
